"""Add, change and summarise pain readings."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from diary.clock import start_of
from diary.dbfunc import day_of
from diary.extensions import db
from diary.models import Reading, User
from diary.services.scoping import find_by_client_key


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


def add_reading(
    user: User, recorded_at: datetime, pain: int, note: str = "", client_key: str | None = None
) -> Reading:
    """Store a reading; a repeated client_key returns the reading stored the first time."""
    existing = find_by_client_key(Reading, user, client_key)
    if existing is not None:
        return existing
    reading = Reading(
        user_id=user.id,
        recorded_at=recorded_at.replace(second=0, microsecond=0),
        pain=pain,
        note=note,
        client_key=client_key or None,
    )
    db.session.add(reading)
    db.session.flush()
    return reading


def update_reading(reading: Reading, recorded_at: datetime, pain: int, note: str) -> None:
    reading.recorded_at = recorded_at.replace(second=0, microsecond=0)
    reading.pain = pain
    reading.note = note
    db.session.flush()


def delete_reading(reading: Reading) -> None:
    db.session.delete(reading)
    db.session.flush()


def readings_on(user: User, day: date) -> Sequence[Reading]:
    """Return the user's readings of one local day, in time order."""
    start = start_of(day)
    return db.session.scalars(
        select(Reading)
        .where(
            Reading.user_id == user.id,
            Reading.recorded_at >= start,
            Reading.recorded_at < start + timedelta(days=1),
        )
        .order_by(Reading.recorded_at, Reading.id)
    ).all()


def daily_summaries(user: User, first: date, last: date) -> list[DaySummary]:
    """Return one summary per calendar day from first to last; unlogged days have no values."""
    day = day_of(Reading.recorded_at)
    rows = db.session.execute(
        select(day, func.count(), func.avg(Reading.pain), func.max(Reading.pain))
        .where(
            Reading.user_id == user.id,
            Reading.recorded_at >= start_of(first),
            Reading.recorded_at < start_of(last + timedelta(days=1)),
        )
        .group_by(day)
    ).all()
    by_day = {row[0]: row for row in rows}
    summaries = []
    for offset in range((last - first).days + 1):
        current = first + timedelta(days=offset)
        row = by_day.get(current)
        if row is None:
            summaries.append(DaySummary(current, 0, None, None))
        else:
            summaries.append(DaySummary(current, row[1], float(row[2]), row[3]))
    return summaries


def logging_streak(user: User, today: date) -> int:
    """Count the consecutive logged days ending today, or yesterday if today is not logged yet."""
    day = day_of(Reading.recorded_at)
    days = db.session.scalars(
        select(day)
        .where(
            Reading.user_id == user.id,
            Reading.recorded_at < start_of(today + timedelta(days=1)),
        )
        .group_by(day)
        .order_by(day.desc())
    )
    expected = today
    streak = 0
    for logged in days:
        if streak == 0 and logged == today - timedelta(days=1):
            expected = logged
        if logged != expected:
            break
        streak += 1
        expected -= timedelta(days=1)
    return streak
