"""Add, change and summarise pain readings."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from diary.clock import start_of
from diary.dbfunc import day_of
from diary.extensions import db
from diary.models import Reading, User
from diary.services.scoping import find_by_client_key
from diary.validation import check_note, check_pain

# A year and a day: the longest logging streak the home page counts out.
STREAK_WINDOW_DAYS = 366


@dataclass(frozen=True)
class DaySummary:
    day: date
    readings: int
    mean: float | None
    max: int | None

    @property
    def logged(self) -> bool:
        return self.readings > 0


def user_readings(user: User):
    """Return a select() of the user's readings, newest first."""
    return (
        select(Reading)
        .where(Reading.user_id == user.id)
        .order_by(Reading.recorded_at.desc(), Reading.id.desc())
    )


def _values(
    user: User, recorded_at: datetime, pain: int, note: str = "", client_key: str | None = None
) -> dict:
    """Check a new reading and return its column values."""
    check_pain(pain)
    check_note(note)
    return {
        "user_id": user.id,
        "recorded_at": recorded_at.replace(second=0, microsecond=0),
        "pain": pain,
        "note": note,
        "client_key": client_key or None,
    }


def add_reading(
    user: User, recorded_at: datetime, pain: int, note: str = "", client_key: str | None = None
) -> Reading:
    """Store a reading; a repeated client_key returns the reading stored the first time."""
    existing = find_by_client_key(Reading, user, client_key)
    if existing is not None:
        return existing
    reading = Reading(**_values(user, recorded_at, pain, note, client_key))
    db.session.add(reading)
    db.session.flush()
    return reading


def reading_rows(user: User, records: Iterable[tuple[datetime, int, str]]) -> list[dict]:
    """Check and build the rows of many readings (recorded_at, pain, note)."""
    return [_values(user, *record) for record in records]


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


def update_reading(
    reading: Reading, recorded_at: datetime, pain: int, note: str, version: int | None = None
) -> None:
    """Change a reading; with the version the editing page showed, refuse a stale save."""
    if version is not None and version != reading.version:
        raise StaleEdit(reading)
    reading.version += 1
    reading.recorded_at = recorded_at.replace(second=0, microsecond=0)
    reading.pain = pain
    reading.note = note
    db.session.flush()


def delete_reading(reading: Reading) -> None:
    db.session.delete(reading)
    db.session.flush()


@dataclass(frozen=True)
class Glance:
    """What the home page shows: today's readings, the days at a glance, the streak."""

    today: list[Reading]
    days: list[DaySummary]
    streak: int


def glance(user: User, today: date, days: int) -> Glance:
    """Read the last `days` days once and derive today's list, the summaries and the streak."""
    first = today - timedelta(days=days - 1)
    rows = db.session.scalars(
        select(Reading)
        .where(
            Reading.user_id == user.id,
            Reading.recorded_at >= start_of(first),
            Reading.recorded_at < start_of(today + timedelta(days=1)),
        )
        .order_by(Reading.recorded_at, Reading.id)
    ).all()
    by_day: dict[date, list[int]] = {}
    for reading in rows:
        by_day.setdefault(reading.recorded_at.date(), []).append(reading.pain)
    summaries = [
        DaySummary(d, len(p), sum(p) / len(p), max(p))
        if (p := by_day.get(d))
        else DaySummary(d, 0, None, None)
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
