"""Logging pain: the quick log, the full form, editing, deleting, and what home shows."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from diary.extensions import db
from diary.models import Reading
from diary.rules import NOTE_MAX as NOTE_MAX_LENGTH
from tests.conftest import sign_in


def count_readings(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Reading.id)))


def london_now() -> datetime:
    return datetime.now(ZoneInfo("Europe/London")).replace(tzinfo=None, second=0, microsecond=0)


def quick_form(client) -> dict:
    """Return the fields of the home page's quick-log form, as a browser would send them."""
    html = client.get("/").get_data(as_text=True)
    key = re.search(r'name="client_key"[^>]*value="([0-9a-f]+)"', html).group(1)
    return {"client_key": key}


def test_quick_log_is_one_tap_from_home_and_offers_undo(app, client, alice):
    home = client.get("/").get_data(as_text=True)
    assert 'aria-label="Log pain 6, moderate, now"' in home
    response = client.post("/readings/quick", data={**quick_form(client), "pain": "6"})
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "Saved: pain <strong>6</strong>" in page
    assert "Undo" in page
    with app.app_context():
        reading = db.session.scalar(select(Reading))
        assert reading.pain == 6
        assert abs(reading.recorded_at - london_now()) <= timedelta(minutes=1)


def test_a_repeated_quick_log_post_stores_once(app, client, alice):
    form = {**quick_form(client), "pain": "7"}
    first = client.post("/readings/quick", data=form)
    second = client.post("/readings/quick", data=form)
    assert first.location == second.location
    assert count_readings(app) == 1


def test_undo_removes_the_reading(app, client, alice):
    saved = client.post("/readings/quick", data={**quick_form(client), "pain": "3"})
    reading_id = int(re.search(r"saved=(\d+)", saved.location).group(1))
    response = client.post(f"/readings/{reading_id}/delete", data={"back": "home"})
    assert response.location == "/"
    assert count_readings(app) == 0
    assert "Removed the reading of pain 3" in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize(
    ("pain", "message"),
    [
        ("11", "Pain must be from 0 to 10, not 11."),
        ("-1", "Pain must be from 0 to 10, not -1."),
        ("5.5", "Pain must be a whole number from 0 to 10, not &#39;5.5&#39;."),
        ("six", "Pain must be a whole number from 0 to 10, not &#39;six&#39;."),
        ("", "Give the pain: a whole number from 0 to 10."),
    ],
)
def test_quick_log_refuses_bad_scores(app, client, alice, pain, message):
    response = client.post(
        "/readings/quick", data={**quick_form(client), "pain": pain}, follow_redirects=True
    )
    assert message in response.get_data(as_text=True)
    assert count_readings(app) == 0


def test_backfilling_yesterday_is_one_link_away(app, client, alice):
    yesterday = (london_now() - timedelta(days=1)).date()
    home = client.get("/").get_data(as_text=True)
    assert f'href="/readings/new?day={yesterday.isoformat()}"' in home
    form = client.get(f"/readings/new?day={yesterday.isoformat()}").get_data(as_text=True)
    assert f'value="{yesterday.isoformat()}"' in form
    client.post(
        "/readings/new",
        data={"day": yesterday.isoformat(), "time": "21:15", "pain": "8", "note": "after dinner"},
    )
    with app.app_context():
        reading = db.session.scalar(select(Reading))
        assert reading.recorded_at == datetime.combine(yesterday, datetime.min.time()).replace(
            hour=21, minute=15
        )
        assert reading.note == "after dinner"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"pain": "11"}, "Pain must be from 0 to 10, not 11."),
        ({"pain": "-3"}, "Pain must be from 0 to 10, not -3."),
        ({"pain": "4.5"}, "Pain must be a whole number from 0 to 10, not &#39;4.5&#39;."),
        ({"pain": ""}, "Give the pain: a whole number from 0 to 10."),
        ({"day": "2023-02-30"}, "Time &#39;2023-02-30T09:30&#39; is not a real date and time."),
        ({"day": "yesterday"}, "Time must be a date and time in the form YYYY-MM-DDTHH:MM"),
        ({"time": "25:61"}, "is not a real date and time"),
        ({"day": "2099-01-01"}, "is in the future"),
        ({"day": "1899-12-31"}, "Time 1899-12-31 09:30 is before 1900."),
        ({"note": "x" * (NOTE_MAX_LENGTH + 1)}, "Note can be up to 10,000 characters"),
    ],
)
def test_full_form_rerenders_bad_input_with_a_message_and_saves_nothing(
    app, client, alice, fields, message
):
    data = {"day": "2024-03-01", "time": "09:30", "pain": "5", "note": ""} | fields
    response = client.post("/readings/new", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Nothing was saved" in page
    assert message in page
    assert count_readings(app) == 0


def test_a_note_of_ten_thousand_characters_is_kept(app, client, alice):
    client.post(
        "/readings/new",
        data={"day": "2024-03-01", "time": "09:30", "pain": "5", "note": "é" * NOTE_MAX_LENGTH},
    )
    with app.app_context():
        assert len(db.session.scalar(select(Reading.note))) == NOTE_MAX_LENGTH


def test_edit_changes_time_score_and_note(app, client, alice):
    client.post("/readings/new", data={"day": "2024-03-01", "time": "09:30", "pain": "5"})
    with app.app_context():
        reading_id = db.session.scalar(select(Reading.id))
    page = client.get(f"/readings/{reading_id}/edit").get_data(as_text=True)
    assert 'value="5" checked' in page
    client.post(
        f"/readings/{reading_id}/edit",
        data={"day": "2024-03-02", "time": "10:00", "pain": "2", "note": "better"},
    )
    with app.app_context():
        reading = db.session.get(Reading, reading_id)
        assert (reading.recorded_at, reading.pain, reading.note) == (
            datetime(2024, 3, 2, 10, 0),
            2,
            "better",
        )


def test_bad_edit_leaves_the_reading_as_it_was(app, client, alice):
    client.post("/readings/new", data={"day": "2024-03-01", "time": "09:30", "pain": "5"})
    with app.app_context():
        reading_id = db.session.scalar(select(Reading.id))
    client.post(
        f"/readings/{reading_id}/edit", data={"day": "2024-03-02", "time": "10:00", "pain": "12"}
    )
    with app.app_context():
        assert db.session.get(Reading, reading_id).pain == 5


def test_another_users_reading_is_not_found(app, client, alice, bob):
    client.post(
        "/readings/new", data={"day": "2024-03-01", "time": "09:30", "pain": "5", "note": "private"}
    )
    with app.app_context():
        reading_id = db.session.scalar(select(Reading.id))
    other = app.test_client()
    sign_in(other, "bob")
    assert other.get(f"/readings/{reading_id}/edit").status_code == 404
    assert (
        other.post(
            f"/readings/{reading_id}/edit", data={"day": "2024-03-01", "time": "09:30", "pain": "1"}
        ).status_code
        == 404
    )
    assert other.post(f"/readings/{reading_id}/delete").status_code == 404
    assert "private" not in other.get("/readings").get_data(as_text=True)
    assert count_readings(app) == 1


def test_home_shows_today_the_last_fourteen_days_and_the_streak(app, client, alice):
    today = london_now().date()
    for days_ago, pains in {1: [4, 8], 2: [2], 20: [9]}.items():
        for hour, pain in enumerate(pains, start=8):
            day = today - timedelta(days=days_ago)
            client.post(
                "/readings/new",
                data={"day": day.isoformat(), "time": f"{hour:02d}:00", "pain": str(pain)},
            )
    client.post("/readings/quick", data={**quick_form(client), "pain": "5"})
    page = client.get("/").get_data(as_text=True)
    assert "Logged 3 days in a row." in page
    glance = page.split('class="glance"')[1]
    assert glance.count("<tr") == 15  # header + 14 days
    yesterday_row = glance.split((today - timedelta(days=1)).strftime("%a %d %b"))[1].split(
        "</tr>"
    )[0]
    assert "<td>6.0</td>" in yesterday_row
    assert "<td>8</td>" in yesterday_row
    assert glance.count("not logged") == 11
    assert (today - timedelta(days=20)).strftime("%a %d %b") not in glance
    today_section = page.split('id="today-heading"')[1].split("</section>")[0]
    assert 'class="score pain-5">5<' in today_section


def test_history_pages_through_readings_newest_first(app, client, alice):
    for minute in range(55):
        client.post(
            "/readings/new", data={"day": "2024-01-01", "time": f"10:{minute:02d}", "pain": "3"}
        )
    first = client.get("/readings").get_data(as_text=True)
    assert "Page 1" in first and 'rel="next"' in first and 'rel="prev"' not in first
    first = first.split("<tbody>")[1]
    assert first.index("10:54") < first.index("10:53")
    last = client.get("/readings?page=2").get_data(as_text=True)
    assert "10:00" in last and 'rel="prev"' in last and 'rel="next"' not in last


def test_a_double_submitted_full_form_stores_the_reading_once(app, client, alice):
    form = client.get("/readings/new").get_data(as_text=True)
    key = re.search(r'name="client_key" type="hidden" value="([0-9a-f]{32})"', form).group(1)
    data = {"day": "2024-03-01", "time": "09:30", "pain": "6", "note": "", "client_key": key}
    assert [client.post("/readings/new", data=data).status_code for _ in range(2)] == [302, 302]
    assert count_readings(app) == 1
    # The same key with another value is not the same entry: refused, nothing changed.
    other = client.post("/readings/new", data=data | {"pain": "7"})
    assert other.status_code == 422
    assert "This form was already saved with other values." in other.get_data(as_text=True)
    assert count_readings(app) == 1
