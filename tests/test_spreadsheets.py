"""Exports opened in a real spreadsheet (LibreOffice Calc) never run a formula from a note."""

import csv
import html
import io
import shutil

import pytest

from diary.extensions import db
from tests.conftest import build_app, make_user, sign_in
from tests.spreadsheet import open_and_save, resave_all
from tests.test_account_backup import fill

# Notes a spreadsheet would turn into a formula once it splits the cell at ";" or a tab.
SPLIT_FORMULAS = {"semicolon": "x;=1+1", "tab": "x\t=1+1"}
# Each export with the form of the entry whose note it carries.
SPLIT_EXPORTS = {
    "readings.csv": ("/readings/new", {"day": "2024-01-01", "time": "08:00", "pain": "0"}),
    "medications.csv": (
        "/medications/new",
        {"day": "2024-01-01", "time": "08:00", "name": "aspirin", "med_class": "other"},
    ),
    "daily.csv": ("/readings/new", {"day": "2024-01-01", "time": "08:00", "pain": "0"}),
}


@pytest.fixture(scope="module")
def saved_by_calc(tmp_path_factory, sqlite_template):
    """Return the cells of each export as Calc opened it with each separator and saved it.

    Each export is of its own account, whose one entry has the note that splits at that
    separator; one Calc opens a separator's three files (starting Calc is most of a file's
    time).
    """
    folder = tmp_path_factory.mktemp("split")
    shutil.copy(sqlite_template, folder / "diary.sqlite3")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DIARY_INSTANCE_PATH", str(folder / "instance"))
        app = build_app(folder / "diary.sqlite3")
        cells = {}
        for separator, note in SPLIT_FORMULAS.items():
            paths = []
            (folder / separator).mkdir()
            for name, (form, fields) in SPLIT_EXPORTS.items():
                client, account = app.test_client(), f"{separator}-{name.removesuffix('.csv')}"
                make_user(app, account)
                sign_in(client, account)
                assert client.post(form, data=fields | {"note": note}).status_code == 302
                paths.append(folder / separator / name)
                paths[-1].write_bytes(client.get(f"/export/{name}").data)
            saved = resave_all(paths, separator, folder / separator / "calc")
            cells[separator] = {
                name: [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row]
                for name, text in saved.items()
            }
        with app.app_context():
            db.engine.dispose()
    return cells


@pytest.mark.parametrize("separator", ["semicolon", "tab"])
@pytest.mark.parametrize("export", list(SPLIT_EXPORTS))
def test_a_note_that_splits_into_a_formula_stays_text(saved_by_calc, separator, export):
    note = SPLIT_FORMULAS[separator]
    cells = saved_by_calc[separator][export]
    # A live formula would show its result (2) or an error (Err:…) in place of the note.
    assert "2" not in cells
    assert not [c for c in cells if c.startswith(("Err:", "#"))]
    # medications.csv has relief_2h after the note: with the note's separator the row splits
    # inside it, and the piece after the split is text with its apostrophe.
    assert any(note in cell for cell in cells) or any(c.startswith("'=1+1") for c in cells), cells


def test_a_note_with_spaces_before_a_formula_stays_text_when_calc_trims_them(
    client, alice, tmp_path
):
    fields = {"day": "2024-01-01", "time": "08:00", "pain": "0", "note": " =1+1"}
    assert client.post("/readings/new", data=fields).status_code == 302
    path = tmp_path / "readings.csv"
    path.write_bytes(client.get("/export/readings.csv").data)
    cells = [c for row in open_and_save(path, "comma", tmp_path / "calc", trim=True) for c in row]
    assert "2" not in cells and " =1+1" not in cells
    assert "' =1+1" in cells or "'=1+1" in cells, cells


DIARY_FILES = (
    "treatments.csv",
    "readings.csv",
    "side_effects.csv",
    "medications.csv",
    "questionnaires.csv",
)


def test_every_export_saved_again_by_calc_imports_back_losslessly(app, client, alice, tmp_path):
    """Calc with date detection on writes 2024-03-01T08:00:00, bare numbers and LF lines."""
    fill(client)
    client.post(
        "/readings/new",
        data={"day": "2024-03-02", "time": "09:00", "pain": "4", "note": " =1+1\nzweite Zeile ü"},
    )
    originals = {}
    for name in DIARY_FILES:
        originals[name] = client.get(f"/export/{name}").data
        (tmp_path / name).write_bytes(originals[name])
    paths = [tmp_path / name for name in DIARY_FILES]
    resaved = resave_all(paths, "comma", tmp_path / "calc", detect_dates=True)
    assert "2024-03-01T08:00:00" in resaved["readings.csv"]
    assert "\r\n" not in resaved["readings.csv"]

    other = app.test_client()
    make_user(app, "carol")
    sign_in(other, "carol")
    for name in DIARY_FILES:
        upload = {"files": (io.BytesIO(resaved[name].encode()), name)}
        response = other.post("/import", data=upload, content_type="multipart/form-data")
        assert response.status_code == 302, name
    for name in DIARY_FILES:
        assert other.get(f"/export/{name}").data == originals[name], name


def test_a_time_with_seconds_other_than_zero_is_refused_with_the_reason(app, client, alice):
    body = '"recorded_at","pain","note"\n2024-03-01T08:30:17,5,\n2024-03-01 08:45:00,5,\n'
    upload = {"files": (io.BytesIO(body.encode()), "readings.csv")}
    response = client.post("/import", data=upload, content_type="multipart/form-data")
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    assert (
        "readings.csv, line 2: Time '2024-03-01T08:30:17' has seconds (:17); the diary keeps"
        " times to the minute: write :00 or leave the seconds out." in page
    )
    assert "line 3" not in page
