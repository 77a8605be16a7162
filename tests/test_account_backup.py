"""The whole-account JSON backup: lossless, and restorable into a new instance."""

import io
import json
import shutil
from datetime import date, datetime

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
        },
    )
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
        'attachment; filename="headache-diary-alice-'
    )
    original = json.loads(backup.data)
    assert (
        len(original["readings"]) == 2
        and original["treatments"][0]["doses"][0]["rate_mg_per_kg_h"] == 0.15
    )
    assert original["treatments"][0]["follow_up"]["booked_for"] == "2024-03-21"
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
        "Restored: 2 readings, 1 side effects, 1 medications, 1 treatments, 1 reminders,"
        " 2 questionnaires." in response.get_data(as_text=True)
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
