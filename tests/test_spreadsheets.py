"""Exports opened in a real spreadsheet (LibreOffice Calc) never run a formula from a note."""

import pytest

from tests.spreadsheet import open_and_save

# Notes a spreadsheet would turn into a formula once it splits the cell at ";" or a tab.
SPLIT_FORMULAS = {"semicolon": "x;=1+1", "tab": "x\t=1+1"}


@pytest.mark.parametrize("separator", ["semicolon", "tab"])
@pytest.mark.parametrize(
    "export",
    [
        ("readings.csv", "/readings/new", {"day": "2024-01-01", "time": "08:00", "pain": "0"}),
        (
            "medications.csv",
            "/medications/new",
            {"day": "2024-01-01", "time": "08:00", "name": "aspirin", "med_class": "other"},
        ),
        ("daily.csv", "/readings/new", {"day": "2024-01-01", "time": "08:00", "pain": "0"}),
    ],
    ids=lambda e: e[0] if isinstance(e, tuple) else e,
)
def test_a_note_that_splits_into_a_formula_stays_text(client, alice, tmp_path, separator, export):
    name, form, fields = export
    note = SPLIT_FORMULAS[separator]
    assert client.post(form, data=fields | {"note": note}).status_code == 302
    path = tmp_path / name
    path.write_bytes(client.get(f"/export/{name}").data)
    cells = [cell for row in open_and_save(path, separator, tmp_path / "calc") for cell in row]
    # A live formula would show its result (2) or an error (Err:…) in place of the note.
    assert "2" not in cells
    assert not [c for c in cells if c.startswith(("Err:", "#"))]
    assert any(note in cell for cell in cells), cells
