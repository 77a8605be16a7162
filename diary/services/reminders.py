"""Reminders: listing by status, the user's own, booking, done and dismissing."""

from collections.abc import Sequence
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from diary.extensions import db
from diary.models import Reminder, User
from diary.models.reminder import CUSTOM, FOLLOW_UP

TITLE_MAX = 200
# Due and overdue first, then upcoming, then done.
STATUS_ORDER = {"overdue": 0, "due": 1, "upcoming": 2, "done": 3}


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
    return [
        r for r in by_status(active_reminders(user), today) if r.status(today) in {"due", "overdue"}
    ]


def add_custom(user: User, title: str, due_on: date) -> Reminder:
    title = title.strip()
    if not title:
        raise ValueError("Give the reminder a title.")
    if len(title) > TITLE_MAX:
        raise ValueError(f"Titles can be up to {TITLE_MAX} characters.")
    reminder = Reminder(user_id=user.id, kind=CUSTOM, title=title, due_on=due_on)
    db.session.add(reminder)
    db.session.flush()
    return reminder


def mark_booked(reminder: Reminder, appointment_on: date) -> None:
    reminder.booked_for = appointment_on
    db.session.flush()


def mark_done(reminder: Reminder, today: date) -> None:
    reminder.done_on = today
    db.session.flush()


def reopen(reminder: Reminder) -> None:
    reminder.done_on = None
    db.session.flush()


def dismiss(reminder: Reminder) -> None:
    reminder.dismissed_at = datetime.now(UTC).replace(tzinfo=None)
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
    if reminder.kind == FOLLOW_UP:
        item["treatment_id"] = reminder.treatment_id
        item["ended_on"] = reminder.treatment.ended_on.isoformat()
    return item
