"""Reminders: the automatic follow-up after a treatment, and the user's own."""

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, event, inspect
from sqlalchemy.orm import Mapped, mapped_column, relationship

from diary.clock import utcnow
from diary.extensions import db
from diary.i18n import gettext, lazy_pgettext


class ReminderKind(StrEnum):
    FOLLOW_UP = "follow_up"  # kept in step with its treatment
    CUSTOM = "custom"  # the user's own


class ReminderStatus(StrEnum):
    """Where a reminder stands on a day; due and overdue ones need doing."""

    UPCOMING = "upcoming"
    DUE = "due"
    OVERDUE = "overdue"
    DONE = "done"


FOLLOW_UP, CUSTOM = ReminderKind.FOLLOW_UP, ReminderKind.CUSTOM
NEEDS_DOING = frozenset({ReminderStatus.DUE, ReminderStatus.OVERDUE})
# How each status reads on the page (the codes stay in exports and the API).
STATUS_LABELS = {
    ReminderStatus.UPCOMING: lazy_pgettext("reminder", "upcoming"),
    ReminderStatus.DUE: lazy_pgettext("reminder", "due"),
    ReminderStatus.OVERDUE: lazy_pgettext("reminder", "overdue"),
    ReminderStatus.DONE: lazy_pgettext("reminder", "done"),
}


class Reminder(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    # "follow_up" (kept in step with its treatment) or "custom".
    kind: Mapped[str] = mapped_column(String(10))
    treatment_id: Mapped[int | None] = mapped_column(
        ForeignKey("treatment.id", ondelete="CASCADE"), unique=True
    )
    title: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[date]
    # The appointment date, once the visit is booked.
    booked_for: Mapped[date | None]
    done_on: Mapped[date | None]
    dismissed_at: Mapped[datetime | None]
    # The last effective date an email went out for, so `diary reminders send` sends once.
    emailed_for: Mapped[date | None]
    # Stable across edits, so that calendar apps update the event instead of adding another.
    uid: Mapped[str] = mapped_column(String(64), default=lambda: uuid.uuid4().hex, unique=True)
    # Idempotency key of the form or request that created it, so a resent form stores once.
    client_key: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When its calendar event last changed (UTC), and how many times it has: the feed's
    # DTSTAMP/LAST-MODIFIED and SEQUENCE (RFC 5545), so a calendar app sees what changed.
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    sequence: Mapped[int] = mapped_column(default=0, server_default="0")

    treatment: Mapped["Treatment | None"] = relationship(back_populates="follow_up")  # noqa: F821

    __table_args__ = (
        Index("ix_reminder_user_id_due_on", "user_id", "due_on"),
        UniqueConstraint("user_id", "client_key", name="uq_reminder_user_id_client_key"),
    )

    @property
    def shown_title(self) -> str:
        """Return the title in the reader's language: a follow-up's is the diary's own words."""
        if self.kind == FOLLOW_UP and self.treatment is not None:
            return gettext(
                "Follow up with your headache specialist after: %(treatment)s",
                treatment=self.treatment.label,
            )
        return self.title

    @property
    def effective_on(self) -> date:
        """The day that matters: the appointment once booked, else the due date."""
        return self.booked_for or self.due_on

    def status(self, today: date) -> ReminderStatus:
        """Return upcoming, due, overdue or done, as of the user's local today."""
        if self.done_on is not None:
            return ReminderStatus.DONE
        if self.effective_on > today:
            return ReminderStatus.UPCOMING
        return ReminderStatus.DUE if self.effective_on == today else ReminderStatus.OVERDUE


# The columns a calendar event is drawn from (a follow-up's title follows its treatment's kind).
EVENT_COLUMNS = ("title", "due_on", "booked_for", "done_on", "dismissed_at")


@event.listens_for(Reminder, "before_update")
def _count_event_change(mapper, connection, reminder: Reminder) -> None:
    """Stamp a change of the calendar event and count it; an email sent changes nothing."""
    changed = inspect(reminder).attrs
    if any(changed[name].history.has_changes() for name in EVENT_COLUMNS):
        reminder.changed_at = utcnow()
        reminder.sequence = (reminder.sequence or 0) + 1
