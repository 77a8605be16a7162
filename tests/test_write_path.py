"""One way in: every entry point hands its values to the same service, so the same bad
value gets the same field and message from each, and nothing is written."""

import html
import io
import json
from datetime import datetime

import pytest
from sqlalchemy import func, select

from diary.extensions import db
from diary.models import Reading, SideEffectReport
from diary.services.readings import add_reading
from tests.conftest import WriteOutsideService, sign_in, user_row
from tests.test_api import token_for

GOOD = {"recorded_at": "2024-03-01T08:30", "pain": "5", "note": ""}
# (field, value as typed in a form or a CSV cell, value as sent in JSON, message)
BAD_VALUES = [
    (
        "recorded_at",
        "1899-12-31T10:00",
        "1899-12-31T10:00",
        "Time 1899-12-31 10:00 is before 1900.",
    ),
    (
        "recorded_at",
        "2099-01-01T10:00",
        "2099-01-01T10:00",
        "Time 2099-01-01 10:00 is in the future. Log what has already happened.",
    ),
    (
        "recorded_at",
        "2024-03-31T01:30",
        "2024-03-31T01:30",
        "Time 2024-03-31 01:30 did not happen in Europe/London: the clocks went forward then.",
    ),
    ("pain", "NaN", "NaN", "Pain must be a whole number from 0 to 10, not 'NaN'."),
    ("pain", "-3", -3, "Pain must be from 0 to 10, not -3."),
    ("pain", "99999999999", 99999999999, "Pain must be from 0 to 10, not 99999999999."),
    ("pain", "six", "six", "Pain must be a whole number from 0 to 10, not 'six'."),
    # A form or a cell sends text; JSON sends a number.
    (
        "pain",
        "4.5",
        4.5,
        (
            "Pain must be a whole number from 0 to 10, not '4.5'.",
            "Pain must be a whole number from 0 to 10, not 4.5.",
        ),
    ),
    (
        "note",
        "x" * 10_001,
        "x" * 10_001,
        "Note can be up to 10,000 characters; this one has 10,001.",
    ),
    ("note", "a\x00b", "a\x00b", "Text cannot contain the NUL character (\\0)."),
]
# A value of another JSON type is its own row: a form or CSV cannot send one.
JSON_ONLY = [
    ("pain", True, "Pain must be a whole number from 0 to 10, not true."),
    ("pain", [7], "Pain must be a whole number from 0 to 10, not a list."),
    ("note", {"x": 1}, "Note must be text, not an object."),
]


def readings_of(app, user_id) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Reading.id)).where(Reading.user_id == user_id))


def page_text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def csv_file(reading: dict) -> bytes:
    cells = (reading["recorded_at"], reading["pain"], reading["note"].replace('"', '""'))
    return ("recorded_at,pain,note\r\n" + ",".join(f'"{c}"' for c in cells) + "\r\n").encode()


def form(client, reading):
    day, _, time = reading["recorded_at"].partition("T")
    data = {"day": day, "time": time, "pain": reading["pain"], "note": reading["note"]}
    response = client.post("/readings/new", data=data)
    # A NUL anywhere in a form is refused before any view reads it (diary/security.py).
    assert response.status_code == (400 if "\x00" in reading["note"] else 422)
    return page_text(response)


def csv_upload(client, reading):
    upload = {"files": (io.BytesIO(csv_file(reading)), "readings.csv")}
    response = client.post("/import", data=upload, content_type="multipart/form-data")
    assert response.status_code == 422
    return page_text(response)


def cli_import(runner, tmp_path, reading):
    folder = tmp_path / "cli"
    folder.mkdir(exist_ok=True)
    (folder / "readings.csv").write_bytes(csv_file(reading))
    result = runner.invoke(args=["import", str(folder), "--user", "alice"])
    assert result.exit_code != 0
    return result.output


def json_answer(response, field):
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["field"] == field
    return error["message"]


@pytest.mark.parametrize(("field", "text", "value", "message"), BAD_VALUES)
def test_every_entry_point_refuses_a_bad_value_alike_and_writes_nothing(
    app, client, runner, tmp_path, alice, bob, field, text, value, message
):
    headers = token_for(app, alice)
    kept = client.post("/api/v1/readings", json={"pain": 2}, headers=headers).get_json()
    before = readings_of(app, alice)
    typed = GOOD | {field: text}
    sent = {"pain": 5, "recorded_at": GOOD["recorded_at"]} | {field: value}
    said = {
        "form": form(client, typed),
        "CSV upload": csv_upload(client, typed),
        "CLI import": cli_import(runner, tmp_path, typed),
        "API POST": json_answer(client.post("/api/v1/readings", json=sent, headers=headers), field),
        "API PATCH": json_answer(
            client.patch(f"/api/v1/readings/{kept['id']}", json={field: value}, headers=headers),
            field,
        ),
        "offline sync": json_answer(
            client.post(
                "/sync/readings",
                json={"client_key": "k-1", "at": sent["recorded_at"], "pain": sent["pain"]}
                | ({"at": value} if field == "recorded_at" else {field: value})
                | {"user_id": alice},
            ),
            "recorded_at" if field == "recorded_at" else field,
        )
        if field != "note"
        else None,
    }
    text_message, json_message = message if isinstance(message, tuple) else (message, message)
    for entry, answer in said.items():
        if answer is None:
            continue  # the offline queue sends no notes
        wanted = text_message if entry in ("form", "CSV upload", "CLI import") else json_message
        assert wanted in answer, entry
    assert readings_of(app, alice) == before
    assert client.get(f"/api/v1/readings/{kept['id']}", headers=headers).get_json() == kept

    # The account restore, into bob's empty account.
    backup = {
        "format": "headache-diary-account",
        "version": 1,
        "readings": [{"recorded_at": GOOD["recorded_at"], "pain": 5, "note": ""} | {field: value}],
    }
    other = app.test_client()
    sign_in(other, "bob")
    restored = other.post(
        "/import/account",
        data={"backup": (io.BytesIO(json.dumps(backup).encode()), "backup.json")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert f"readings[0].{field}: {json_message}" in page_text(restored)
    assert readings_of(app, bob) == 0


@pytest.mark.parametrize(("field", "value", "message"), JSON_ONLY)
def test_json_entry_points_name_a_value_of_the_wrong_type_alike(
    app, client, alice, field, value, message
):
    headers = token_for(app, alice)
    sent = {"pain": 5} | {field: value}
    assert json_answer(client.post("/api/v1/readings", json=sent, headers=headers), field) == (
        message
    )
    if field == "pain":
        synced = client.post(
            "/sync/readings",
            json={"client_key": "k-2", "at": "2024-03-01T08:30", "pain": value, "user_id": alice},
        )
        assert json_answer(synced, field) == message
    assert readings_of(app, alice) == 0


def test_an_unknown_side_effect_code_is_refused_alike(app, client, runner, tmp_path, alice):
    message = "'headache' is not a side-effect code; use one of: amnesia"
    headers = token_for(app, alice)
    api = client.post(
        "/api/v1/side-effects", json={"effect": "headache", "severity": "mild"}, headers=headers
    )
    assert message in json_answer(api, "effect")
    body = {"client_key": "k-3", "at": "2024-03-01T08:30", "effect": "headache"}
    synced = client.post("/sync/side-effects", json=body | {"severity": "mild", "user_id": alice})
    assert message in json_answer(synced, "effect")
    cells = 'recorded_at,effect,severity,note\r\n"2024-03-01T08:30","headache","mild",""\r\n'
    upload = {"files": (io.BytesIO(cells.encode()), "side_effects.csv")}
    page = client.post("/import", data=upload, content_type="multipart/form-data")
    assert message in page_text(page)
    calm = client.post(
        "/api/v1/side-effects", json={"effect": "nausea", "severity": "mild"}, headers=headers
    ).get_json()
    edit = client.post(
        f"/side-effects/{calm['id']}/edit",
        data={"day": "2024-03-01", "time": "08:30", "effect": "headache", "severity": "mild"},
    )
    assert edit.status_code == 422 and message in page_text(edit)
    with app.app_context():
        assert db.session.scalars(select(SideEffectReport.effect)).all() == ["nausea"]


def test_a_write_outside_a_service_fails_the_test_suite(app, alice):
    """The guard in conftest.py: a request that adds a row itself is caught."""
    with app.test_request_context("/"):
        db.session.add(Reading(user_id=alice, recorded_at=datetime(2024, 3, 1), pain=3, note=""))
        with pytest.raises(WriteOutsideService):
            db.session.flush()
        db.session.rollback()
        # The same row through its service is fine.
        add_reading(user_row(alice), recorded_at=GOOD["recorded_at"], pain=3)
        db.session.rollback()
