"""Add, change and summarise pain readings."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from flask_babel import lazy_gettext
from sqlalchemy import select

from diary import rules
from diary.cache import per_user
from diary.clock import start_of
from diary.dbfunc import day_of
from diary.extensions import db
from diary.models import Reading, User
from diary.models.reading import PAIN_MAX, PAIN_MIN
from diary.rules import Checker
from diary.services.idempotency import check_key
from diary.services.outcomes import Day
from diary.services.rows import as_entered, change, remove, store_once
from diary.services.writes import writes

# A year and a day: the longest logging streak the home page counts out.
STREAK_WINDOW_DAYS = 366

# What an edit may change (the time keeps its fold).
EDITABLE = ("recorded_at", "pain", "note")
PAIN = lazy_gettext("Pain")


def user_readings(user: User):
    """Return a select() of the user's readings, newest first."""
    return (
        select(Reading)
        .where(Reading.user_id == user.id)
        .order_by(Reading.recorded_at.desc(), Reading.id.desc())
    )


def checked_reading(
    user: User | rules.Owner,
    *,
    recorded_at: Any = None,
    pain: Any,
    note: Any = "",
    client_key: Any = None,
    created_at: Any = None,
) -> dict[str, Any]:
    """Check a reading's values and return its columns; raise EntryError naming each problem.

    recorded_at may be a datetime or text (see rules.moment); None means now.
    """
    check = Checker()
    moment = check("recorded_at", rules.entry_time, recorded_at, user.timezone)
    values = {
        "user_id": user.id,
        "pain": check("pain", rules.whole, pain, PAIN, PAIN_MIN, PAIN_MAX),
        "note": check("note", rules.note, note),
        "client_key": check("client_key", check_key, client_key),
    }
    values.update(rules.kept(check, created_at))
    check.done()
    values.update(rules.with_fold("recorded_at", moment))
    return values


@writes
def add_reading(user: User, *, recorded_at: Any = None, **fields: Any) -> Reading:
    """Store a reading; a repeated client_key returns the reading stored the first time."""
    values = checked_reading(user, recorded_at=recorded_at, **fields)
    given = [*fields, *(("recorded_at", "fold") if recorded_at is not None else ())]
    return store_once(Reading, Reading.user_id == user.id, values, given)


class StaleEdit(ValueError):
    """The reading changed since the page that edits it was opened; nothing was saved."""

    def __init__(self, reading: Reading):
        super().__init__(
            "This reading was changed on another page or device since you opened it, so your"
            f" changes were not saved. It now says pain {reading.pain} at"
            f" {reading.recorded_at.isoformat(timespec='minutes').replace('T', ' ')}"
            + (f", note: “{reading.note}”" if reading.note else "")
            + ". Check it and save again if yours should stand."
        )
        self.reading = reading


@writes
def update_reading(
    user: User, reading: Reading, *, version: int | None = None, **changes: Any
) -> None:
    """Change some of a reading's values; refuse a save made over an older version."""
    if version is not None and version != reading.version:
        raise StaleEdit(reading)
    values = checked_reading(user, **(as_entered(reading, EDITABLE, "recorded_at") | changes))
    reading.version += 1
    change(reading, values, (*EDITABLE, "fold"))


@writes
def delete_reading(reading: Reading) -> None:
    remove(reading)


class Logged(NamedTuple):
    """A reading as home lists it: a plain value, which a cached glance can hold."""

    id: int
    recorded_at: datetime
    pain: int
    note: str


@dataclass(frozen=True)
class Glance:
    """What the home page shows: today's readings, the days at a glance, the streak."""

    today: list[Logged]
    # Each day of the window, oldest first, with its scores (the outcome figures' Day), or None.
    days: list[tuple[date, Day | None]]
    streak: int


@per_user
def glance(user: User, today: date, days: int) -> Glance:
    """Read the last `days` days once and derive today's list, the summaries and the streak.

    Kept until the user's next write (diary/cache.py).
    """
    first = today - timedelta(days=days - 1)
    rows = [
        Logged(*row)
        for row in db.session.execute(
            select(Reading.id, Reading.recorded_at, Reading.pain, Reading.note)
            .where(
                Reading.user_id == user.id,
                Reading.recorded_at >= start_of(first),
                Reading.recorded_at < start_of(today + timedelta(days=1)),
            )
            .order_by(Reading.recorded_at, Reading.id)
        )
    ]
    by_day: dict[date, list[int]] = {}
    for reading in rows:
        by_day.setdefault(reading.recorded_at.date(), []).append(reading.pain)
    summaries = [
        (d, Day(tuple(p)) if (p := by_day.get(d)) else None)
        for d in (first + timedelta(days=n) for n in range(days))
    ]
    streak = _streak(set(by_day), today)
    if streak >= days - 1:
        # Every day in view is logged: look further back.
        streak = logging_streak(user, today)
    return Glance([r for r in rows if r.recorded_at.date() == today], summaries, streak)


def _streak(logged: set[date], today: date) -> int:
    """Count the logged days back from today, or from yesterday if today is not logged yet."""
    current = today if today in logged else today - timedelta(days=1)
    streak = 0
    while current - timedelta(days=streak) in logged:
        streak += 1
    return streak


def logging_streak(user: User, today: date) -> int:
    """Count the consecutive logged days ending today, or yesterday if today is not logged yet.

    Looks back at most STREAK_WINDOW_DAYS, so that the work per request does not
    grow with years of history; the home page shows a full window as "over a year".
    """
    first = today - timedelta(days=STREAK_WINDOW_DAYS - 1)
    day = day_of(Reading.recorded_at)
    logged = set(
        db.session.scalars(
            select(day)
            .where(
                Reading.user_id == user.id,
                Reading.recorded_at >= start_of(first),
                Reading.recorded_at < start_of(today + timedelta(days=1)),
            )
            .distinct()
        )
    )
    return _streak(logged, today)
