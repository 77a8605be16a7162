"""Acute medicines: one-tap logging, and medication-overuse days by ICHD-3 thresholds."""

import html
import json
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from diary.clock import local_today
from diary.extensions import db
from diary.models import MedicationDose
from diary.services.medications import add_dose, overuse
from tests.conftest import sign_in, user_row
from tests.test_api import token_for

AS_OF = date(2024, 6, 30)


def take(user, day: date, med_class: str, hour: int = 8, name: str = "pill"):
    add_dose(
        user,
        taken_at=datetime.combine(day, datetime.min.time()).replace(hour=hour),
        name=name,
        dose="",
        med_class=med_class,
    )


@pytest.mark.parametrize(
    ("med_class", "days", "flagged"),
    [
        ("triptan", 9, False),
        ("triptan", 10, True),
        ("ergot", 10, True),
        ("opioid", 10, True),
        ("combination_analgesic", 10, True),
        ("simple_analgesic", 14, False),
        ("simple_analgesic", 15, True),
        ("other", 30, False),
    ],
)
def test_overuse_thresholds(app, alice, med_class, days, flagged):
    with app.app_context():
        user = user_row(alice)
        for n in range(days):
            take(user, AS_OF - timedelta(days=n), med_class)
        report = overuse(user, AS_OF)
    assert report.days_by_class[med_class] == days
    assert (med_class in report.flags) is flagged


def test_overuse_counts_days_not_doses_within_the_30_days_ending_on_the_date(app, alice):
    with app.app_context():
        user = user_row(alice)
        for n in range(10):
            day = AS_OF - timedelta(days=n)
            take(user, day, "triptan", hour=7)
            take(user, day, "triptan", hour=19)
        take(user, AS_OF - timedelta(days=30), "opioid")  # the 31st day back: outside
        take(user, AS_OF + timedelta(days=1), "opioid")  # after the date: outside
        take(user, AS_OF - timedelta(days=29), "opioid")  # the first day of the window
        report = overuse(user, AS_OF)
    assert report.as_json() == {
        "first_day": "2024-06-01",
        "last_day": "2024-06-30",
        "days_by_class": {
            "triptan": 10, "ergot": 0, "opioid": 1, "combination_analgesic": 0,
            "simple_analgesic": 0, "gepant": 0, "ditan": 0, "antiemetic": 0, "other": 0,
        },
        "flags": ["triptan"],
        "any_class_days": 11,
        "previous": [
            {"first_day": "2024-05-02", "last_day": "2024-05-31", "flags": [],
             "days_by_class": {"triptan": 0, "ergot": 0, "opioid": 1, "combination_analgesic": 0,
                               "simple_analgesic": 0, "gepant": 0, "ditan": 0, "antiemetic": 0,
                               "other": 0}},
            {"first_day": "2024-04-02", "last_day": "2024-05-01", "flags": [],
             "days_by_class": {"triptan": 0, "ergot": 0, "opioid": 0, "combination_analgesic": 0,
                               "simple_analgesic": 0, "gepant": 0, "ditan": 0, "antiemetic": 0,
                               "other": 0}},
        ],
        "sustained_3_months": [],
    }  # fmt: skip


@pytest.mark.parametrize(
    ("triptan_days", "analgesic_days", "flags"),
    [
        (5, 4, []),  # 9 days of intake in all
        (5, 5, ["multiple_classes"]),  # 10 days, no class at its own threshold (8.2.6)
        (10, 5, ["triptan"]),  # a class overused alone: 8.2.6 does not apply
    ],
)
def test_several_classes_together_on_ten_days(app, alice, triptan_days, analgesic_days, flags):
    with app.app_context():
        user = user_row(alice)
        for n in range(triptan_days):
            take(user, AS_OF - timedelta(days=n), "triptan")
        for n in range(analgesic_days):
            take(user, AS_OF - timedelta(days=20 + n), "simple_analgesic")
        take(user, AS_OF - timedelta(days=25), "other")  # "other" is not an overuse class
        report = overuse(user, AS_OF)
    assert report.flags == flags
    assert report.any_class_days == triptan_days + analgesic_days


@pytest.mark.parametrize("days", [12, 14])
def test_ibuprofen_alone_under_15_days_raises_no_flag(app, alice, days):
    # One class alone is never 8.2.6, however many days: simple analgesics need 15 (8.2.3).
    with app.app_context():
        user = user_row(alice)
        for n in range(days):
            take(user, AS_OF - timedelta(days=n), "simple_analgesic", name="ibuprofen")
        report = overuse(user, AS_OF)
    assert report.days_by_class["simple_analgesic"] == report.any_class_days == days
    assert report.flags == []


def test_ibuprofen_on_6_days_and_a_triptan_on_5_others_is_8_2_6(app, client, alice):
    with app.app_context():
        user = user_row(alice)
        today = local_today(user.timezone)
        for n in range(1, 7):
            take(user, today - timedelta(days=n), "simple_analgesic", name="ibuprofen")
        for n in range(7, 12):
            take(user, today - timedelta(days=n), "triptan", name="sumatriptan")
        db.session.commit()
        report = overuse(user, today)
    assert report.flags == ["multiple_classes"]
    assert report.any_class_days == 11
    page = html.unescape(client.get("/medications/").get_data(as_text=True))
    assert (
        "Two or more classes together: Triptan + Simple analgesic (paracetamol, NSAID) on 11 days"
        " in all (ICHD-3 counts two or more classes, each taken on at least one day, on 10 or"
        " more days in all in a month, none of them at its own threshold)"
    ) in page


def test_overuse_in_all_three_windows_is_sustained(app, client, alice):
    with app.app_context():
        user = user_row(alice)
        for n in range(90):
            if n % 3 == 0 or n < 30:  # 10 days in each older window, every day in the latest
                take(user, AS_OF - timedelta(days=n), "triptan")
        # Opioids only in the latest window: flagged, but not for three months.
        for n in range(10):
            take(user, AS_OF - timedelta(days=n), "opioid")
        db.session.commit()
        report = overuse(user, AS_OF).as_json()
    assert report["flags"] == ["opioid", "triptan"]
    assert [w["flags"] for w in report["previous"]] == [["triptan"], ["triptan"]]
    assert report["sustained_3_months"] == ["triptan"]


def test_report_command_prints_medication_overuse_as_json(app, runner, alice):
    with app.app_context():
        user = user_row(alice)
        for n in range(15):
            take(user, AS_OF - timedelta(days=n), "simple_analgesic")
            take(user, AS_OF - timedelta(days=n), "triptan")
        db.session.commit()
    result = runner.invoke(args=["report", "--user", "alice", "--json", "--as-of", "2024-06-30"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["medication_overuse"]["flags"] == ["simple_analgesic", "triptan"]
    assert data["medication_overuse"]["days_by_class"]["simple_analgesic"] == 15
    bad = runner.invoke(args=["report", "--user", "alice", "--json", "--as-of", "2024-13-01"])
    assert bad.exit_code == 2
    assert "'2024-13-01' does not match the format '%Y-%m-%d'" in bad.output


def test_home_warns_about_overuse_plainly(app, client, alice):
    with app.app_context():
        user = user_row(alice)
        today = local_today(user.timezone)
        for n in range(10):
            take(user, today - timedelta(days=n), "triptan", hour=0)
        db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert "Triptan on 10 days (ICHD-3 counts 10 or more days a month as overuse)" in page


def test_recent_medicines_are_one_tap_away(app, client, alice):
    client.post(
        "/medications/new",
        data={
            "day": "2024-06-01",
            "time": "08:00",
            "name": "sumatriptan",
            "dose": "50 mg",
            "med_class": "triptan",
        },
    )
    page = client.get("/medications/").get_data(as_text=True)
    assert 'aria-label="Log sumatriptan 50 mg taken now"' in page
    response = client.post(
        "/medications/quick",
        data={"name": "sumatriptan", "dose": "50 mg", "med_class": "triptan", "client_key": "k1"},
    )
    client.post(
        "/medications/quick",
        data={"name": "sumatriptan", "dose": "50 mg", "med_class": "triptan", "client_key": "k1"},
    )
    assert response.status_code == 302
    with app.app_context():
        assert len(db.session.scalars(select(MedicationDose)).all()) == 2


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": ""}, "Give the medicine name."),
        ({"med_class": "vitamin"}, "&#39;vitamin&#39; is not a medication class; use one of"),
        ({"day": "2099-01-01"}, "is in the future"),
        ({"time": "8am"}, "Time must be a date and time in the form YYYY-MM-DDTHH:MM"),
    ],
)
def test_bad_medicine_input_is_explained(app, client, alice, fields, message):
    data = {
        "day": "2024-06-01",
        "time": "08:00",
        "name": "ibuprofen",
        "dose": "400 mg",
        "med_class": "simple_analgesic",
    }
    response = client.post("/medications/new", data=data | fields)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(MedicationDose)) is None


def test_the_medicine_form_has_no_class_chosen_until_the_patient_chooses(app, client, alice):
    page = client.get("/medications/new").get_data(as_text=True)
    select_box = page[page.index('<select aria-describedby="med_class-hint"') :]
    select_box = select_box[: select_box.index("</select>")]
    assert '<option value="">Choose…</option><option value="triptan">' in select_box
    assert "selected" not in select_box


UNLISTED = "This medicine is not in the diary&#39;s list: choose the kind of medicine."


def test_a_medicine_not_in_the_list_saved_without_a_class_is_refused_and_nothing_stored(
    app, client, alice
):
    data = {"day": "2024-06-01", "time": "08:00", "name": "Kräutertropfen", "dose": "10 drops"}
    for sent in (data, data | {"med_class": ""}):
        response = client.post("/medications/new", data=sent)
        assert response.status_code == 422
        assert UNLISTED in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(MedicationDose)) is None


def test_editing_a_medicine_shows_its_class_chosen(app, client, alice):
    client.post(
        "/medications/new",
        data={"day": "2024-06-01", "time": "08:00", "name": "metoclopramide", "med_class": "other"},
    )
    with app.app_context():
        dose_id = db.session.scalar(select(MedicationDose.id))
    page = client.get(f"/medications/{dose_id}/edit").get_data(as_text=True)
    assert '<option selected value="other">Other</option>' in page


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"name": "herbal drops"}, html.unescape(UNLISTED)),
        ({"name": "herbal drops", "class": ""}, html.unescape(UNLISTED)),
        ({"name": "herbal drops", "class": " "}, html.unescape(UNLISTED)),
    ],
)
def test_the_api_refuses_a_medicine_not_in_the_list_without_a_class(
    app, client, alice, body, message
):
    response = client.post("/api/v1/medications", json=body, headers=token_for(app, alice))
    assert response.status_code == 422
    assert response.get_json()["error"] == {"field": "class", "message": message}
    with app.app_context():
        assert db.session.scalar(select(MedicationDose)) is None


def test_another_users_medicines_are_not_found(app, client, alice, bob):
    client.post(
        "/medications/new",
        data={"day": "2024-06-01", "time": "08:00", "name": "secret pill", "med_class": "other"},
    )
    with app.app_context():
        dose_id = db.session.scalar(select(MedicationDose.id))
    other = app.test_client()
    sign_in(other, "bob")
    assert other.get(f"/medications/{dose_id}/edit").status_code == 404
    assert other.post(f"/medications/{dose_id}/delete").status_code == 404
    assert "secret pill" not in other.get("/medications/").get_data(as_text=True)
