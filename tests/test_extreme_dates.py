"""Dates at the edges of the calendar, already in a diary, never break a page or an export.

Older versions accepted them (a treatment in year 1 through the form, a reading in 9999
through a restore); every page and file must still open, and what the diary exports it
must be able to read back.
"""

import io
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from diary.clock import local_today
from diary.extensions import db
from diary.models import MedicationDose, Reading, Reminder, SideEffectReport, Treatment
from diary.models.reminder import CUSTOM
from diary.rules import MAX_RANGE_DAYS
from diary.transfer.engine import ImportRejected, import_files
from tests.conftest import user_row

FIRST, LAST = date.min, date.max


@pytest.fixture
def edge_diary(app, client, alice):
    """Entries on the first and last days a date can hold, stored as an old version did."""
    with app.app_context():
        for moment in (datetime(1, 1, 1, 0, 0), datetime(9999, 12, 31, 23, 59)):
            db.session.add(Reading(user_id=alice, recorded_at=moment, pain=5, note="edge"))
            db.session.add(
                MedicationDose(
                    user_id=alice, taken_at=moment, name="naproxen", med_class="simple_analgesic"
                )
            )
            db.session.add(
                SideEffectReport(
                    user_id=alice, recorded_at=moment, effect="nausea", severity="mild"
                )
            )
        for started, ended in ((FIRST, date(1, 1, 5)), (date(9999, 12, 1), LAST)):
            db.session.add(
                Treatment(
                    user_id=alice, kind="ketamine_iv_inpatient", started_on=started, ended_on=ended
                )
            )
        db.session.add(Reminder(user_id=alice, kind=CUSTOM, title="far away", due_on=LAST))
        db.session.add(Reminder(user_id=alice, kind=CUSTOM, title="long ago", due_on=FIRST))
        db.session.commit()
        return alice


PAGES = [
    "/",
    "/readings",
    "/treatments/",
    "/side-effects/",
    "/medications/",
    "/reminders",
    "/reminders.ics",
    "/trends",
    "/trends?range=all",
    "/trends?range=365",
    "/report",
    "/report?from=0001-01-01&to=9999-12-31",
    "/export",
    "/export/readings.csv",
    "/export/daily.csv",
    "/export/daily.csv?from=0001-01-01&to=9999-12-31",
    "/export/diary.zip",
    "/export/account.json",
]


def test_every_page_and_export_opens(app, client, edge_diary):
    with app.app_context():
        treatment_ids = db.session.scalars(select(Treatment.id)).all()
    pages = PAGES + [f"/treatments/{i}" for i in treatment_ids]
    pages += [f"/treatments/{i}/outcome" for i in treatment_ids]
    failing = {page: client.get(page).status_code for page in pages}
    assert {p: s for p, s in failing.items() if s != 200} == {}


def test_years_are_written_with_four_digits_and_read_back(app, client, alice):
    with app.app_context():
        moment = datetime(1, 1, 1, 0, 0)
        db.session.add(Reading(user_id=alice, recorded_at=moment, pain=5, note="edge"))
        db.session.add(
            MedicationDose(user_id=alice, taken_at=moment, name="aspirin", med_class="other")
        )
        db.session.commit()
    readings = client.get("/export/readings.csv").get_data(as_text=True)
    medications = client.get("/export/medications.csv").get_data(as_text=True)
    assert "0001-01-01T00:00" in readings
    assert "0001-01-01T00:00" in medications
    with app.app_context():
        files = {"readings.csv": readings.encode(), "medications.csv": medications.encode()}
        # The year is read back exactly, and then held to the rule every entry meets now.
        with pytest.raises(ImportRejected) as refused:
            import_files(user_row(alice), files)
        assert [str(p) for p in refused.value.problems] == [
            "readings.csv, line 2: Time 0001-01-01 00:00 is before 1900.",
            "medications.csv, line 2: Time 0001-01-01 00:00 is before 1900.",
        ]
        assert db.session.scalar(select(func.count(Reading.id))) == 1


def test_a_range_asked_for_is_held_to_the_diary_and_today(client, alice):
    client.post("/readings/new", data={"day": "2024-03-01", "time": "08:00", "pain": "6"})
    response = client.get("/export/daily.csv?from=0001-01-01&to=9999-12-30")
    assert response.status_code == 200
    rows = response.get_data(as_text=True).splitlines()
    # From the first entry to today: nothing before it, nothing after today.
    assert rows[1].startswith('"2024-03-01"')
    assert len(rows) - 1 == (local_today("Europe/London") - date(2024, 3, 1)).days + 1
    report = client.get("/report?from=0001-01-29&to=9999-12-31")
    assert report.status_code == 200
    assert len(report.data) < 2_000_000


def test_an_empty_diary_exports_one_day_however_wide_the_range(client, alice):
    response = client.get("/export/daily.csv?from=0001-01-01&to=9999-12-30")
    assert response.status_code == 200
    assert len(response.get_data(as_text=True).splitlines()) == 2


def test_a_range_longer_than_the_limit_keeps_its_latest_days(app, client, alice):
    with app.app_context():
        db.session.add(Reading(user_id=alice, recorded_at=datetime(1, 1, 1), pain=3, note=""))
        db.session.commit()
    page = client.get("/report?from=0001-01-01").get_data(as_text=True)
    assert f"shows the latest {MAX_RANGE_DAYS} days" in page
    rows = client.get("/export/daily.csv").get_data(as_text=True).splitlines()
    assert len(rows) - 1 == MAX_RANGE_DAYS


@pytest.mark.parametrize("query", ["from=2024-02-30", "to=yesterday", "from=24-01-01"])
def test_a_date_that_is_not_real_is_refused_with_a_message(client, alice, query):
    for page in ("/report", "/export/daily.csv"):
        response = client.get(f"{page}?{query}")
        assert response.status_code == 400
        assert "is not a real date in the form YYYY-MM-DD" in response.get_data(as_text=True)


@pytest.mark.parametrize("value", ["sNaN", "NaN", "Infinity", "-inf"])
def test_a_number_that_is_not_one_gets_a_message(app, client, alice, value):
    page = client.post("/account", data={"timezone": "Europe/London", "weight_kg": value})
    assert page.status_code == 422
    assert (
        f"Body weight in kg must be a number from 20 to 400, not &#39;{value}&#39;."
        in page.get_data(as_text=True)
    )
    client.post(
        "/treatments/new",
        data={"kind": "ketamine_iv_inpatient", "started_on": "2024-03-01"},
    )
    with app.app_context():
        treatment_id = db.session.scalar(select(Treatment.id))
    dose = client.post(
        f"/treatments/{treatment_id}/doses",
        data={"day": "2024-03-01", "time": "15:00", "rate": value, "unit": "mg/kg/h"},
    )
    assert dose.status_code == 422
    assert f"Rate must be a number from 0 to 1000, not &#39;{value}&#39;." in dose.get_data(
        as_text=True
    )
    with app.app_context():
        assert user_row(alice).weight_kg is None


def test_a_file_of_many_bad_rows_lists_the_first_hundred_and_counts_the_rest(client, alice):
    body = "recorded_at,pain,note\r\n" + "2024-01-01T08:00,99,\r\n" * 5000
    data = {"files": (io.BytesIO(body.encode()), "readings.csv")}
    response = client.post("/import", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert page.count("Pain must be from 0 to 10") == 100
    assert "… and 4900 more problems (5000 in all)" in page
    assert len(page) < 100_000
