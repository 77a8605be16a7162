"""The whole-account JSON backup: lossless, and restorable into a new instance."""

import io
import json
import re
import shutil
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from diary.extensions import db
from diary.models import Attack, DayMark, OwnTrigger, Reading, Reminder, User
from diary.services import accounts
from diary.services.attacks import add_attack
from diary.services.day_marks import mark_day
from tests.conftest import build_app, make_user, sign_in


def fill(client):
    client.post(
        "/account", data={"timezone": "Asia/Tokyo", "weight_kg": "58.5", "email": "a@home.test"}
    )
    client.post(
        "/account",
        data={
            "full_name": "Alice Example",
            "birth_date": "1980-02-01",
        },
    )
    client.post(
        "/readings/new",
        data={
            "day": "2024-03-01",
            "time": "08:00",
            "pain": "7",
            "note": '=start, "quoted"\nsecond line 日本',
        },
    )
    client.post("/readings/quick", data={"pain": "3", "client_key": "quick-1"})
    client.post(
        "/treatments/new",
        data={
            "kind": "ketamine_iv_inpatient",
            "started_on": "2024-03-02",
            "ended_on": "2024-03-06",
            "setting": "Jefferson",
            "name": "Five-day ketamine",
        },
    )
    client.post(
        "/treatments/1/doses",
        data={"day": "2024-03-02", "time": "15:00", "rate": "0.15", "unit": "mg/kg/h"},
    )
    client.post(
        "/treatments/1/medicines",
        data={"role": "discharge", "name": "Ketamine nasal spray", "dose": "10 mg"},
    )
    client.post("/reminders/1/booked", data={"appointment_on": "2024-03-21"})
    client.post(
        "/side-effects/new",
        data={
            "day": "2024-03-03",
            "time": "20:00",
            "severity-other": "mild",
            "other_note": "tingling",
        },
    )
    client.post(
        "/medications/new",
        data={
            "day": "2024-03-04",
            "time": "09:00",
            "name": "naproxen",
            "dose": "500 mg",
            "med_class": "simple_analgesic",
            "relief_2h": "better",
        },
    )
    client.post(
        "/preventives/new",
        data={
            "name": "Erenumab (Aimovig)",
            "dose": "140 mg",
            "how_often": "every_weeks",
            "every": "4",
            "started_on": "2024-02-01",
        },
    )
    client.post("/preventives/1/mark", data={"due_on": "2024-02-29", "status": "missed"})
    client.post("/reminders", data={"title": "Blood test", "due_on": "2024-04-01"})
    client.post("/reminders/2/done")
    client.post("/treatments/1/pgic", data={"score": "2", "client_key": "pgic-1"})
    midas = {f"item_{n}": str(n) for n in range(1, 6)} | {"answered_on": "2024-02-20"}
    client.post("/midas", data=midas)


def without_stamp(document: dict) -> dict:
    return {key: value for key, value in document.items() if key != "exported_at"}


def test_backup_restores_losslessly_into_a_new_instance(
    app, client, alice, tmp_path, monkeypatch, sqlite_template
):
    fill(client)
    backup = client.get("/export/account.json")
    assert backup.headers["Content-Disposition"].startswith(
        "attachment; filename=headache-diary-alice-"
    )
    original = json.loads(backup.data)
    assert (
        len(original["readings"]) == 2
        and original["treatments"][0]["doses"][0]["rate_mg_per_kg_h"] == 0.15
    )
    assert original["treatments"][0]["follow_up"]["booked_for"] == "2024-03-21"
    assert original["treatments"][0]["name"] == "Five-day ketamine"
    assert original["medications"][0]["relief_2h"] == "better"
    # The name and date of birth the report prints come back with the profile.
    assert original["profile"]["full_name"] == "Alice Example"
    assert original["profile"]["date_of_birth"] == "1980-02-01"
    assert original["preventives"][0]["schedule"] == "every_4_weeks"
    assert original["preventives"][0]["doses"] == [{"due_on": "2024-02-29", "status": "missed"}]
    # Each answer keeps the language of the page it was given on (an English browser here).
    assert [(q["instrument"], q["language"]) for q in original["questionnaires"]] == [
        ("midas", "en"),
        ("pgic", "en"),
    ]

    other = tmp_path / "other"
    other.mkdir()
    monkeypatch.setenv("DIARY_INSTANCE_PATH", str(other / "instance"))
    shutil.copy(sqlite_template, other / "diary.sqlite3")
    new_app = build_app(other / "diary.sqlite3")
    make_user(new_app, "carol")
    carol = new_app.test_client()
    sign_in(carol, "carol")
    response = carol.post(
        "/import/account",
        data={"backup": (io.BytesIO(backup.data), "backup.json")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert (
        "Restored: 2 readings, 1 side effects, 1 medications, 1 treatments, 1 preventives,"
        " 1 reminders, 2 questionnaires." in response.get_data(as_text=True)
    )
    restored = json.loads(carol.get("/export/account.json").data)
    assert without_stamp(restored) == without_stamp(original)
    # The CSV files agree too.
    assert carol.get("/export/readings.csv").data == client.get("/export/readings.csv").data


def test_restore_refuses_an_account_with_entries_and_writes_nothing(app, client, alice):
    fill(client)
    backup = client.get("/export/account.json").data
    response = client.post(
        "/import/account",
        data={"backup": (io.BytesIO(backup), "b.json")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "Nothing was restored. This account already has entries" in response.get_data(
        as_text=True
    )
    with app.app_context():
        assert db.session.scalar(select(func.count(Reading.id))) == 2


def test_a_broken_backup_is_explained_and_nothing_half_written(app, client, alice, bob):
    fill(client)
    document = json.loads(client.get("/export/account.json").data)
    document["side_effects"][0]["severity"] = "unbearable"
    other = app.test_client()
    sign_in(other, "bob")
    for body, message in [
        (
            json.dumps(document).encode(),
            "side_effects[0].severity: 'unbearable' is not a severity;"
            " use one of: mild, moderate, severe.",
        ),
        (b"{not json", "The file is not JSON"),
        (b'{"format": "something else"}', "This is not a headache diary account backup."),
    ]:
        page = other.post(
            "/import/account",
            data={"backup": (io.BytesIO(body), "b.json")},
            content_type="multipart/form-data",
            follow_redirects=True,
        ).get_data(as_text=True)
        assert message in page.replace("&#39;", "'")
    with app.app_context():
        assert db.session.scalar(select(func.count(Reading.id)).where(Reading.user_id == bob)) == 0


def test_a_backup_restored_on_the_same_instance_gets_fresh_calendar_uids(app, client, alice, bob):
    fill(client)
    backup = client.get("/export/account.json").data
    other = app.test_client()
    sign_in(other, "bob")
    response = other.post(
        "/import/account",
        data={"backup": (io.BytesIO(backup), "b.json")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "Restored:" in response.get_data(as_text=True)
    with app.app_context():
        uids = db.session.scalars(select(Reminder.uid)).all()
    assert len(uids) == 4 and len(set(uids)) == 4


def attack_diary(app, user_id):
    """Give a user attacks (one in the second pass of a repeated hour), marks and settings."""
    with app.app_context():
        user = db.session.get(User, user_id)
        accounts.update_profile(user, period_tracking=True, day_rule="ichd3")
        add_attack(
            user,
            started_at=datetime(2024, 10, 27, 1, 30, fold=1),
            ended_at=datetime(2024, 10, 27, 9, 0),
            peak_pain=7,
            side="right",
            pulsating=True,
            nausea=False,
            aura="visual;motor",
            aura_minutes=20,
            triggers=["weather", "Red wine"],
            location="temple",
            note="=woke up with it",
            client_key="tap-1",
        )
        add_attack(user, started_at=datetime(2024, 11, 2, 8, 0))
        mark_day(user, date(2024, 10, 28), headache_free=True)
        mark_day(user, date(2024, 10, 29), period=True)
        db.session.commit()


def test_attacks_day_marks_and_their_settings_restore_losslessly(app, client, alice, bob):
    attack_diary(app, alice)
    original = json.loads(client.get("/export/account.json").data)
    assert original["attacks"][0]["started_at"] == "2024-10-27T01:30+00:00"
    assert original["attacks"][0]["triggers"] == ["weather", "Red wine"]
    assert original["attacks"][1]["ended_at"] is None and original["attacks"][1]["nausea"] is None
    assert original["profile"]["day_rule"] == "ichd3"
    other = app.test_client()
    sign_in(other, "bob")
    response = other.post(
        "/import/account",
        data={"backup": (io.BytesIO(json.dumps(original).encode()), "b.json")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "Restored: 0 readings" in response.get_data(as_text=True)
    assert "2 attacks, 2 day marks" in response.get_data(as_text=True)
    restored = json.loads(other.get("/export/account.json").data)
    assert without_stamp(restored) == without_stamp(original)


def test_a_second_running_attack_in_a_backup_is_refused_and_nothing_kept(app, client, alice, bob):
    attack_diary(app, alice)
    document = json.loads(client.get("/export/account.json").data)
    document["attacks"][0]["ended_at"] = None
    document["attacks"].append({"started_at": "2024-11-01T08:00", "side": "middle"})
    other = app.test_client()
    sign_in(other, "bob")

    def restore():
        return other.post(
            "/import/account",
            data={"backup": (io.BytesIO(json.dumps(document).encode()), "b.json")},
            content_type="multipart/form-data",
            follow_redirects=True,
        ).get_data(as_text=True)

    assert "attacks[2].side: 'middle' is not a side; use one of: left, right, both." in (
        restore().replace("&#39;", "'")
    )
    document["attacks"].pop()
    page = restore()
    assert "attacks[1].ended_at: An attack is already running since 2024-10-27 01:30" in page
    with app.app_context():
        for model in (Attack, DayMark, OwnTrigger):
            count = select(func.count()).select_from(model).where(model.user_id == bob)
            assert db.session.scalar(count) == 0, model


LOCAL_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}[+-]\d{2}:\d{2}$")
UTC_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?Z$")


def test_the_backup_writes_each_field_in_one_shape_with_the_csv_s_names(client, alice):
    client.post("/account", data={"timezone": "Europe/Berlin"})
    # The hour the clocks repeat: the first and the second 02:30, then an ordinary morning.
    for time in ("2024-10-27T02:30+02:00", "2024-10-27T02:30+01:00", "2024-10-28T08:00"):
        day, clock = time[:10], time[11:16]
        fields = {"day": day, "time": clock, "pain": "4"}
        if time.endswith("+01:00"):
            fields["fold"] = "1"
        client.post("/readings/new", data=fields)
    fill(client)
    document = json.loads(client.get("/export/account.json").data)

    assert document["format_version"] == 2 and "version" not in document
    times = [item["recorded_at"] for item in document["readings"]]
    assert all(LOCAL_TIME.match(time) for time in times), times
    assert {"2024-10-28T08:00+01:00", "2024-10-27T02:30+02:00"} <= set(times)
    stamps = [item["created_at"] for key in ("readings", "medications") for item in document[key]]
    assert all(UTC_STAMP.match(stamp) for stamp in stamps), stamps
    assert document["medications"][0]["class"] == "simple_analgesic"
    assert "med_class" not in document["medications"][0]


# One reading, one medicine and one treatment, as version 1 and version 2 write them.
VERSION_1 = {
    "format": "headache-diary-account",
    "version": 1,
    "profile": {"timezone": "Europe/Berlin"},
    "readings": [
        {"recorded_at": "2024-10-27T02:30:00", "pain": 5, "created_at": "2024-10-27T01:00:00"},
        {"recorded_at": "2024-10-27T02:30+01:00", "pain": 6, "created_at": "2024-10-27T01:40:00"},
    ],
    "medications": [
        {"taken_at": "2024-10-28T09:00:00", "name": "naproxen", "med_class": "simple_analgesic"}
    ],
    "treatments": [{"kind": "nerve_block", "started_on": "2024-10-01"}],
}
VERSION_2 = {
    "format": "headache-diary-account",
    "format_version": 2,
    "profile": {"timezone": "Europe/Berlin"},
    "readings": [
        {"recorded_at": "2024-10-27T02:30+02:00", "pain": 5, "created_at": "2024-10-27T01:00Z"},
        {"recorded_at": "2024-10-27T02:30+01:00", "pain": 6, "created_at": "2024-10-27T01:40Z"},
    ],
    "medications": [
        {"taken_at": "2024-10-28T09:00+01:00", "name": "naproxen", "class": "simple_analgesic"}
    ],
    "treatments": [{"kind": "nerve_block", "started_on": "2024-10-01"}],
}


@pytest.mark.parametrize("document", [VERSION_1, VERSION_2], ids=["version 1", "version 2"])
def test_backups_of_every_version_restore_to_the_same_diary(client, alice, document):
    response = client.post(
        "/import/account",
        data={"backup": (io.BytesIO(json.dumps(document).encode()), "b.json")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert (
        "Restored: 2 readings, 0 side effects, 1 medications, 1 treatments, 0 preventives,"
        " 0 reminders, 0 questionnaires." in response.get_data(as_text=True)
    )
    assert client.get("/export/readings.csv").data == (
        b'"recorded_at","pain","note"\r\n"2024-10-27T02:30","5",""\r\n"2024-10-27T02:30","6",""\r\n'
    )
    backup = json.loads(client.get("/export/account.json").data)
    assert [r["recorded_at"] for r in backup["readings"]] == [
        "2024-10-27T02:30+02:00",
        "2024-10-27T02:30+01:00",
    ]
    assert backup["readings"][0]["created_at"] == "2024-10-27T01:00:00Z"
    assert backup["medications"][0]["class"] == "simple_analgesic"
