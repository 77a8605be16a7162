"""Reminders: statuses, the user's own, the calendar feed, the CLI list and email."""

import email
import email.policy
import json
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from aiosmtpd.controller import Controller
from icalendar import Calendar
from sqlalchemy import select

from diary.clock import local_today
from diary.extensions import db
from diary.models import Reminder
from diary.services.reminders import mark_booked
from diary.services.treatments import add_treatment, update_treatment
from tests.conftest import make_user, sign_in, user_row
from tests.server import free_port


def add_inpatient(app, user_id, ended_on: date):
    with app.app_context():
        treatment = add_treatment(
            user_row(user_id),
            kind="ketamine_iv_inpatient",
            started_on=ended_on - timedelta(days=5),
            ended_on=ended_on,
        )
        db.session.commit()
        return treatment.id


def test_cli_lists_reminders_as_json_with_status_on_the_day(app, runner, alice):
    add_inpatient(app, alice, date(2024, 3, 9))
    with app.app_context():
        from diary.services.reminders import add_custom

        add_custom(user_row(alice), title="Blood test", due_on=date(2024, 3, 20))
        db.session.commit()
    result = runner.invoke(
        args=["reminders", "list", "--user", "alice", "--json", "--as-of", "2024-03-23"]
    )
    assert result.exit_code == 0, result.output
    items = json.loads(result.output)
    assert [(i["kind"], i["title"][:9], i["due_on"], i["status"]) for i in items] == [
        ("custom", "Blood tes", "2024-03-20", "overdue"),
        ("follow_up", "Follow up", "2024-03-23", "due"),
    ]
    assert items[1]["ended_on"] == "2024-03-09"
    assert "ended_on" not in items[0]
    upcoming = json.loads(
        runner.invoke(
            args=["reminders", "list", "--user", "alice", "--json", "--as-of", "2024-03-22"]
        ).output
    )
    assert [i["status"] for i in upcoming] == ["overdue", "upcoming"]


def test_custom_reminder_lifecycle(app, client, alice):
    assert client.post("/reminders", data={"title": "", "due_on": "2024-01-01"}).status_code == 422
    assert (
        client.post("/reminders", data={"title": "Pharmacy", "due_on": "2024-02-30"}).status_code
        == 422
    )
    client.post("/reminders", data={"title": "Pharmacy", "due_on": "2024-01-01"})
    with app.app_context():
        reminder = db.session.scalar(select(Reminder))
        today = local_today(user_row(alice).timezone)
        assert reminder.status(today) == "overdue"
    soon = (today + timedelta(days=30)).isoformat()
    client.post(f"/reminders/{reminder.id}/booked", data={"appointment_on": soon})
    with app.app_context():
        assert db.session.get(Reminder, reminder.id).status(today) == "upcoming"
    client.post(f"/reminders/{reminder.id}/done")
    with app.app_context():
        assert db.session.get(Reminder, reminder.id).status(today) == "done"
    client.post(f"/reminders/{reminder.id}/reopen")
    client.post(f"/reminders/{reminder.id}/dismiss")
    page = client.get("/reminders").get_data(as_text=True)
    assert "Pharmacy" not in page


def test_home_shows_reminders_by_the_users_own_calendar_day(app, client, alice, bob):
    """Two users an ocean apart: the same due date is today for one and not yet for the other."""
    with app.app_context():
        early, late = user_row(alice), user_row(bob)
        early.timezone, late.timezone = "Etc/GMT-14", "Etc/GMT+12"
        due = local_today("Etc/GMT-14")
        from diary.services.reminders import add_custom

        add_custom(early, title="Call the clinic", due_on=due)
        add_custom(late, title="Call the clinic", due_on=due)
        db.session.commit()
    assert "Call the clinic" in client.get("/").get_data(as_text=True)
    other = app.test_client()
    sign_in(other, "bob")
    assert (
        "Call the clinic"
        not in other.get("/").get_data(as_text=True).split("How bad is the pain")[0]
    )


def feed_url(client) -> str:
    page = client.post("/reminders/feed/new").get_data(as_text=True)
    return re.search(r'id="feed-url"[^>]*value="http://localhost(/calendar/[^"]+)"', page).group(1)


def test_calendar_feed_has_stable_uids_and_follows_date_changes(app, client, alice):
    treatment_id = add_inpatient(app, alice, date(2024, 3, 9))
    url = feed_url(client)
    anonymous = app.test_client()
    first = Calendar.from_ical(anonymous.get(url).data)
    events = first.walk("VEVENT")
    assert len(events) == 1
    assert events[0].decoded("dtstart") == date(2024, 3, 23)
    uid = str(events[0]["uid"])
    with app.app_context():
        treatment = db.session.get(
            type(db.session.scalar(select(Reminder)).treatment), treatment_id
        )
        update_treatment(user_row(alice), treatment, ended_on=date(2024, 3, 10))
        db.session.commit()
    again = Calendar.from_ical(anonymous.get(url).data).walk("VEVENT")
    assert [(str(e["uid"]), e.decoded("dtstart")) for e in again] == [(uid, date(2024, 3, 24))]


def test_regenerating_or_revoking_the_feed_kills_the_old_address(app, client, alice):
    old = feed_url(client)
    anonymous = app.test_client()
    assert anonymous.get(old).status_code == 200
    new = feed_url(client)
    assert anonymous.get(old).status_code == 404
    assert anonymous.get(new).status_code == 200
    client.post("/reminders/feed/revoke")
    assert anonymous.get(new).status_code == 404


def test_one_off_download_needs_sign_in(app, client, alice):
    add_inpatient(app, alice, date(2024, 3, 9))
    response = client.get("/reminders.ics")
    assert response.mimetype == "text/calendar"
    assert len(Calendar.from_ical(response.data).walk("VEVENT")) == 1
    assert app.test_client().get("/reminders.ics").location.startswith("/login")


def test_send_without_smtp_says_so(app, runner, alice):
    result = runner.invoke(args=["reminders", "send"])
    assert result.exit_code == 0
    assert "Email is not configured" in result.output


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


def start_smtp(smtputf8: bool):
    port, inbox = free_port(), Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, enable_SMTPUTF8=smtputf8)
    controller.start()
    return controller, port, inbox


@pytest.fixture
def smtp_server():
    """A real SMTP server on loopback that keeps what it receives (no SMTPUTF8)."""
    controller, port, inbox = start_smtp(smtputf8=False)
    yield port, inbox
    controller.stop()


@pytest.fixture
def smtputf8_server():
    """The same, offering SMTPUTF8 for internationalised addresses."""
    controller, port, inbox = start_smtp(smtputf8=True)
    yield port, inbox
    controller.stop()


def household_with_due_follow_ups(app, addresses: dict[str, str]) -> None:
    """Accounts named by addresses' keys, each with a follow-up due today and that address."""
    for name, address in addresses.items():
        user_id = make_user(app, name)
        with app.app_context():
            user_row(user_id).email = address
            today = local_today(user_row(user_id).timezone)
            db.session.commit()
        add_inpatient(app, user_id, today - timedelta(days=14))


def test_a_refused_address_stops_no_one_else_and_nothing_is_sent_twice(app, runner, smtp_server):
    port, inbox = smtp_server
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_FROM="diary@home.test")
    household_with_due_follow_ups(
        app, {"ann": "ann@home.test", "bea": "josé@exämple.com", "cy": "cy@home.test"}
    )
    for sent in (2, 0):
        result = runner.invoke(args=["reminders", "send"])
        # bea's internationalised address needs SMTPUTF8, which this server lacks: reported,
        # and the run goes on to cy.
        assert result.exit_code == 1
        assert f"Sent {sent} email(s)." in result.output
        assert "could not send to bea" in result.output
    # ann and cy got their e-mail once each, across both runs.
    assert sorted(m.rcpt_tos[0] for m in inbox.messages) == ["ann@home.test", "cy@home.test"]


def test_an_internationalised_address_is_sent_when_the_server_offers_smtputf8(
    app, runner, smtputf8_server
):
    port, inbox = smtputf8_server
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_FROM="diary@home.test")
    household_with_due_follow_ups(app, {"bea": "josé@exämple.com"})
    result = runner.invoke(args=["reminders", "send"])
    assert result.exit_code == 0, result.output
    assert [m.rcpt_tos for m in inbox.messages] == [["josé@exämple.com"]]


def test_send_emails_due_reminders_once(app, runner, alice, bob, smtp_server):
    port, inbox = smtp_server
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_FROM="diary@home.test")
    with app.app_context():
        user_row(alice).email = "alice@home.test"
        today = local_today(user_row(alice).timezone)
        db.session.commit()
    add_inpatient(app, alice, today - timedelta(days=14))
    add_inpatient(app, bob, today - timedelta(days=20))
    result = runner.invoke(args=["reminders", "send"])
    assert result.exit_code == 0, result.output
    assert "Sent 1 email(s)." in result.output
    assert "bob has due reminders but no email address" in result.output
    assert [m.rcpt_tos for m in inbox.messages] == [["alice@home.test"]]
    body = inbox.messages[0].content.decode()
    assert "Follow up with your headache specialist" in body and "(due," in body
    again = runner.invoke(args=["reminders", "send"])
    assert "Sent 0 email(s)." in again.output
    assert len(inbox.messages) == 1


def test_send_reports_an_unreachable_mail_server(app, runner, alice):
    closed_port = free_port()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=closed_port)
    result = runner.invoke(args=["reminders", "send"])
    assert result.exit_code == 1
    assert "could not send through the mail server" in result.output


def test_local_today_differs_across_the_date_line():
    instant = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
    assert local_today("Etc/GMT-14", instant) - local_today("Etc/GMT+12", instant) == timedelta(
        days=1
    )


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("alice@", "There must be something after the @-sign."),
        ("alice@localhost", "The part after the @-sign is not valid. It should have a period."),
        ("two@@home.test", "The part after the @-sign contains invalid characters: &#39;@&#39;."),
    ],
)
def test_settings_refuses_an_address_mail_cannot_go_to(app, client, alice, address, message):
    page = client.post("/account", data={"timezone": "Europe/London", "email": address})
    assert message in page.get_data(as_text=True)
    with app.app_context():
        assert user_row(alice).email is None


def test_settings_takes_an_internationalised_address(app, client, alice):
    client.post("/account", data={"timezone": "Europe/London", "email": "josé@exämple.com"})
    with app.app_context():
        assert user_row(alice).email == "josé@exämple.com"


def test_the_email_and_the_subscribed_calendar_speak_the_accounts_language(
    app, client, runner, alice, smtp_server
):
    port, inbox = smtp_server
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_FROM="diary@home.test")
    with app.app_context():
        user = user_row(alice)
        user.email, user.language = "alice@home.test", "de"
        today = local_today(user.timezone)
        db.session.commit()
    add_inpatient(app, alice, today - timedelta(days=14))
    assert runner.invoke(args=["reminders", "send"]).exit_code == 0
    message = email.message_from_bytes(inbox.messages[0].content, policy=email.policy.default)
    assert message["Subject"] == "Kopfschmerztagebuch: 1 Erinnerung fällig"
    body = message.get_content()
    assert "Nachsorgetermin in der Kopfschmerzsprechstunde nach:" in body and "(fällig," in body
    # A calendar app sends no Accept-Language: the feed speaks the account's language.
    feed = Calendar.from_ical(app.test_client().get(feed_url(client)).data)
    assert str(feed["x-wr-calname"]) == "Erinnerungen aus dem Kopfschmerztagebuch"
    assert str(feed.walk("VEVENT")[0]["summary"]).startswith("Nachsorgetermin")


def test_a_feed_fetched_again_without_a_change_answers_304_and_keeps_its_stamps(app, client, alice):
    add_inpatient(app, alice, date(2024, 3, 9))
    client.post("/reminders", data={"title": "Blood test", "due_on": "2024-04-01"})
    calendar_app = app.test_client()
    url = feed_url(client)
    first = calendar_app.get(url)
    feed = Calendar.from_ical(first.data)
    assert str(feed["refresh-interval"].to_ical(), "ascii") == "PT1H"
    assert feed["refresh-interval"].params["VALUE"] == "DURATION"
    assert str(feed["x-published-ttl"].to_ical(), "ascii") == "PT1H"
    stamps = {str(e["summary"]): (e.decoded("dtstamp"), e["sequence"]) for e in feed.walk("VEVENT")}
    assert [sequence for _, sequence in stamps.values()] == [0, 0]

    etag = first.headers["ETag"]
    unchanged = calendar_app.get(url, headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.data == b""
    assert calendar_app.get(url).data == first.data

    with app.app_context():
        blood_test = db.session.scalar(select(Reminder).where(Reminder.title == "Blood test"))
        mark_booked(user_row(alice), blood_test, booked_for=date(2024, 4, 3))
        db.session.commit()
    changed = calendar_app.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    after = {
        str(e["summary"]): (e.decoded("dtstamp"), e["sequence"])
        for e in Calendar.from_ical(changed.data).walk("VEVENT")
    }
    # Stamped again (to the second: the same second here) and counted once.
    assert after["Blood test"][1] == 1 and after["Blood test"][0] >= stamps["Blood test"][0]
    others = [title for title in stamps if title != "Blood test"]
    assert [after[title] for title in others] == [stamps[title] for title in others]
