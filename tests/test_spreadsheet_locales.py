"""Spreadsheets set to German, French or Spanish: ";" separators, decimal commas, UTF-8 BOM."""

import io

import pytest

from tests.conftest import make_user, sign_in
from tests.spreadsheet import resave, resave_all
from tests.test_account_backup import fill
from tests.test_spreadsheets import DIARY_FILES

BOM = "\ufeff".encode()
# Calc's language and the diary's language of the same reader.
LOCALES = {"de-DE": "de", "fr-FR": "fr", "es-ES": "es"}


def export(client, name: str, language: str, spreadsheet: bool) -> bytes:
    """Download an export as a reader of language does: exact, or for a spreadsheet."""
    query = "?for=spreadsheet" if spreadsheet else ""
    response = client.get(f"/export/{name}{query}", headers={"Accept-Language": language})
    assert response.status_code == 200, name
    return response.data


def test_a_diary_saved_by_calc_in_german_imports_back_and_exports_byte_identical(
    app, client, alice, tmp_path
):
    fill(client)
    client.post(
        "/readings/new",
        data={"day": "2024-03-02", "time": "09:00", "pain": "4", "note": "céphalée; ü\n=1+1"},
    )
    exact = {name: export(client, name, "de", False) for name in DIARY_FILES}
    for_calc = {name: export(client, name, "de", True) for name in DIARY_FILES}
    assert for_calc["readings.csv"].startswith(BOM + b'"recorded_at";"pain";"note"\r\n')

    for name in DIARY_FILES:
        (tmp_path / name).write_bytes(for_calc[name])
    # As German Calc opens each file and saves it again: ";" both ways, its own charset.
    saved = resave_all(
        [tmp_path / name for name in DIARY_FILES],
        "semicolon",
        tmp_path / "calc",
        locale="de-DE",
        charset="SYSTEM",
        save_separator="semicolon",
    )
    assert saved["readings.csv"].startswith("recorded_at;pain;note\n")
    assert '2024-03-02T09:00;4;"céphalée; ü' in saved["readings.csv"]

    other = app.test_client()
    make_user(app, "carol")
    sign_in(other, "carol")
    for name in DIARY_FILES:
        upload = {"files": (io.BytesIO(saved[name].encode()), name)}
        response = other.post("/import", data=upload, content_type="multipart/form-data")
        assert response.status_code == 302, (name, response.get_data(as_text=True)[-2000:])
    for name in DIARY_FILES:
        assert export(other, name, "de", False) == exact[name], name
        assert export(other, name, "de", True) == for_calc[name], name


@pytest.mark.parametrize("locale", LOCALES)
def test_the_spreadsheet_export_opens_in_calc_with_accents_and_numbers(
    client, alice, tmp_path, locale
):
    for time, pain in (("08:00", "6"), ("20:00", "7")):
        fields = {"day": "2024-01-01", "time": time, "pain": pain, "note": "céphalée"}
        assert client.post("/readings/new", data=fields).status_code == 302
    path = tmp_path / "daily.csv"
    path.write_bytes(export(client, "daily.csv", LOCALES[locale], True))
    assert path.read_bytes().startswith(BOM + b'"date";"pain_mean";')
    assert b'"6,50";"7";"2"' in path.read_bytes()

    # Calc's default import (its own charset), saved with text quoted and numbers bare.
    text = resave(
        path,
        "semicolon",
        tmp_path / "calc",
        locale=locale,
        charset="SYSTEM",
        save_separator="semicolon",
        quote_text=True,
    )
    # The day's status and (empty) migraine criteria follow the notes.
    assert text.splitlines()[1] == '2024-01-01;6,5;7;2;;;;"céphalée | céphalée";"headache";', text


def test_an_english_spreadsheet_export_keeps_commas_and_points_with_a_bom(client, alice):
    for time, pain in (("08:00", "6"), ("20:00", "7")):
        fields = {"day": "2024-01-01", "time": time, "pain": pain}
        assert client.post("/readings/new", data=fields).status_code == 302
    body = export(client, "daily.csv", "en", True)
    assert body.startswith(BOM + b'"date","pain_mean",')
    assert b'"6.50","7","2"' in body
    assert export(client, "daily.csv", "de", False) == body.removeprefix(BOM)


@pytest.mark.parametrize("separator", [";", "\t"])
def test_a_file_separated_by_semicolons_or_tabs_imports(client, alice, separator):
    lines = ["recorded_at", "pain", "note"], ["2024-03-01 08:00:00", "5", "a, b; c"]
    body = "\n".join(separator.join(f'"{cell}"' for cell in line) for line in lines)
    upload = {"files": (io.BytesIO(body.encode()), "Lesungen.csv")}
    response = client.post("/import", data=upload, content_type="multipart/form-data")
    assert response.status_code == 302
    assert export(client, "readings.csv", "en", False) == (
        b'"recorded_at","pain","note"\r\n"2024-03-01T08:00","5","a, b; c"\r\n'
    )
