"""Reminders: listing by status, the user's own, booking, done and dismissing."""

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from flask_babel import lazy_gettext
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from diary import rules
from diary.cache import per_user
from diary.clock import local_today
from diary.extensions import db
from diary.models import Reminder, User
from diary.models.reminder import CUSTOM, FOLLOW_UP, NEEDS_DOING, ReminderStatus
from diary.rules import Checker
from diary.services.idempotency import check_key
from diary.services.rows import store_once
from diary.services.writes import writes

TITLE_MAX = 200
# Due and overdue first, then upcoming, then done.
STATUS_ORDER = {
    ReminderStatus.OVERDUE: 0,
    ReminderStatus.DUE: 1,
    ReminderStatus.UPCOMING: 2,
    ReminderStatus.DONE: 3,
}


def active_reminders(user: User) -> Sequence[Reminder]:
    """Return the user's reminders that were not dismissed, soonest first."""
    return db.session.scalars(
        select(Reminder)
        .where(Reminder.user_id == user.id, Reminder.dismissed_at.is_(None))
        # Follow-ups show their treatment's end date: load them all in one query.
        .options(joinedload(Reminder.treatment))
        .order_by(Reminder.due_on, Reminder.id)
    ).all()


def by_status(reminders: Sequence[Reminder], today: date) -> list[Reminder]:
    """Order reminders as home shows them: what needs doing first."""
    return sorted(reminders, key=lambda r: (STATUS_ORDER[r.status(today)], r.effective_on))


def needing_attention(user: User, today: date) -> list[Reminder]:
    return [r for r in by_status(active_reminders(user), today) if r.status(today) in NEEDS_DOING]


@per_user
def attention_count(user: User, today: date) -> int:
    """Return how many reminders need doing on today (home's summary counts them)."""
    return len(needing_attention(user, today))


def checked_reminder(
    user: User, *, title: Any, due_on: Any, client_key: Any = None, created_at: Any = None
) -> dict[str, Any]:
    """Check a reminder of the user's own and return its columns; raise EntryError."""
    check = Checker()
    values = {
        "user_id": user.id,
        "kind": CUSTOM,
        "title": check("title", rules.text, title, lazy_gettext("Title"), TITLE_MAX, required=True),
        "due_on": check(
            "due_on", rules.day, due_on, "Due date", local_today(user.timezone), planned=True
        ),
        "client_key": check("client_key", check_key, client_key),
    } | rules.kept(check, created_at)
    check.done()
    return values


@writes
def add_custom(user: User, **fields: Any) -> Reminder:
    """Add a reminder of the user's own; a repeated client_key stores it once."""
    values = checked_reminder(user, **fields)
    return store_once(Reminder, Reminder.user_id == user.id, values, fields)


@writes
def mark_booked(user: User, reminder: Reminder, *, booked_for: Any) -> None:
    """Record the day the appointment was booked for."""
    today = local_today(user.timezone)
    check = Checker()
    day = check(
        "booked_for", rules.day, booked_for, lazy_gettext("Appointment date"), today, planned=True
    )
    check.done()
    reminder.booked_for = day
    db.session.flush()


UID_MAX = 64


def checked_state(
    user: User,
    *,
    booked_for: Any = None,
    done_on: Any = None,
    dismissed_at: Any = None,
    emailed_for: Any = None,
    uid: Any,
    created_at: Any = None,
) -> dict[str, Any]:
    """Check the state a reminder had in a backup and return it; raise EntryError."""
    today = local_today(user.timezone)
    check = Checker()

    def optional(name: str, value: Any, rule, *args, **kwargs):
        return None if value is None else check(name, rule, value, *args, **kwargs)

    values = {
        "booked_for": optional(
            "booked_for",
            booked_for,
            rules.day,
            lazy_gettext("Appointment date"),
            today,
            planned=True,
        ),
        "done_on": optional("done_on", done_on, rules.day, lazy_gettext("Done on"), today),
        "dismissed_at": optional(
            "dismissed_at", dismissed_at, rules.stamp, lazy_gettext("Dismissed at")
        ),
        "emailed_for": optional(
            "emailed_for", emailed_for, rules.day, lazy_gettext("Emailed for"), today, planned=True
        ),
        "uid": check("uid", rules.text, uid, lazy_gettext("Calendar UID"), UID_MAX, required=True),
    } | rules.kept(check, created_at)
    check.done()
    return values


@writes
def restore_state(user: User, reminder: Reminder, **state: Any) -> None:
    """Give a restored reminder the state it had in the backup: booking, done, email, UID.

    A UID this instance already uses (the same backup restored twice) is replaced, so
    calendar apps see two events, not one that two accounts overwrite.
    """
    values = checked_state(user, **state)
    if db.session.scalar(select(Reminder.id).where(Reminder.uid == values["uid"])):
        values["uid"] = uuid.uuid4().hex
    for name, value in values.items():
        setattr(reminder, name, value)
    db.session.flush()


@writes
def mark_done(reminder: Reminder, today: date) -> None:
    reminder.done_on = today
    db.session.flush()


@writes
def reopen(reminder: Reminder) -> None:
    reminder.done_on = None
    db.session.flush()


@writes
def dismiss(reminder: Reminder) -> None:
    reminder.dismissed_at = datetime.now(UTC).replace(tzinfo=None)
    db.session.flush()


@writes
def undismiss(reminder: Reminder) -> None:
    """Bring a dismissed reminder back (Undo)."""
    reminder.dismissed_at = None
    db.session.flush()


def as_json(reminder: Reminder, today: date) -> dict:
    """Return the reminder as `diary reminders list --json` and the API give it."""
    item = {
        "id": reminder.id,
        "kind": reminder.kind,
        "title": reminder.title,
        "due_on": reminder.due_on.isoformat(),
        "status": reminder.status(today),
        "booked_for": reminder.booked_for.isoformat() if reminder.booked_for else None,
        "done_on": reminder.done_on.isoformat() if reminder.done_on else None,
    }
    if reminder.kind == FOLLOW_UP and (treatment := reminder.treatment) is not None:
        item["treatment_id"] = treatment.id
        item["ended_on"] = treatment.ended_on.isoformat() if treatment.ended_on else None
    return item
