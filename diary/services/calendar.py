"""The iCalendar feed of a user's reminders, and its secret URL token."""

from collections.abc import Iterable
from datetime import UTC, timedelta

from flask_babel import gettext
from icalendar import Alarm, Calendar, Event, vDuration
from sqlalchemy import select

from diary.extensions import db
from diary.i18n import long_date
from diary.models import Reminder, User
from diary.models.reminder import ReminderStatus
from diary.services.secret_tokens import digest, new_secret
from diary.services.writes import writes

PRODUCT_ID = "-//Headache diary//Reminders//EN"
# How often a subscribed calendar should fetch the feed again (RFC 7986; Outlook's name too).
REFRESH = timedelta(hours=1)


@writes
def new_feed_token(user: User) -> str:
    """Publish a feed under a new secret; the old URL stops working. Returns the secret."""
    token = new_secret(24)
    user.calendar_token_hash = digest(token)
    db.session.flush()
    return token


@writes
def revoke_feed(user: User) -> None:
    user.calendar_token_hash = None
    db.session.flush()


def user_for_feed(token: str) -> User | None:
    return db.session.scalar(select(User).where(User.calendar_token_hash == digest(token)))


def calendar_bytes(reminders: Iterable[Reminder], today) -> bytes:
    """Return an iCalendar document with one all-day event per reminder.

    UIDs are stored with the reminder, so a calendar that subscribes again, or
    a reminder whose date moves, updates the same event instead of adding one. Each
    event's stamps are its last change and its SEQUENCE counts the changes, so the same
    reminders give the same bytes: a feed fetched again without a change is unchanged.
    """
    cal = Calendar()
    cal.add("prodid", PRODUCT_ID)
    cal.add("version", "2.0")
    cal.add("x-wr-calname", gettext("Headache diary reminders"))
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", vDuration(REFRESH))
    for reminder in reminders:
        event = Event()
        changed = reminder.changed_at.replace(tzinfo=UTC)
        event.add("uid", f"{reminder.uid}@headache-diary")
        # A published feed's DTSTAMP is when the event was last revised (RFC 5545, 3.8.7.2).
        event.add("dtstamp", changed)
        event.add("last-modified", changed)
        event.add("created", reminder.created_at.replace(tzinfo=UTC))
        event.add("sequence", reminder.sequence)
        event.add("dtstart", reminder.effective_on)
        # An all-day event with no DTEND lasts that one day (RFC 5545, 3.6.1).
        done = reminder.status(today) == ReminderStatus.DONE
        title = reminder.shown_title
        event.add("summary", gettext("Done: %(title)s", title=title) if done else title)
        if reminder.booked_for:
            due = long_date(reminder.due_on)
            event.add(
                "description", gettext("Appointment booked; reminder was due %(day)s.", day=due)
            )
        event.add("transp", "TRANSPARENT")
        if not done:
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", title)
            alarm.add("trigger", timedelta(hours=-15))
            event.add_component(alarm)
        cal.add_component(event)
    return cal.to_ical()
