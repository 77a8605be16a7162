"""daily.csv for the doctor: one row per calendar day, export only."""

from collections.abc import Iterator
from datetime import date, timedelta
from fractions import Fraction
from functools import lru_cache
from itertools import chain

from sqlalchemy import select

from diary import reference
from diary.clock import shift, start_of
from diary.extensions import db
from diary.models import MedicationDose, Reading, SideEffectReport, Treatment, User
from diary.services.days import DayStatus, classified, rule_of
from diary.services.outcomes import rounded
from diary.transfer.cells import EXACT, Convention, csv_chunks

FILENAME = "daily.csv"
HEADER = (
    "date",
    "pain_mean",
    "pain_max",
    "readings",
    "side_effects",
    "medications",
    "treatment",
    "notes",
    # How the account's day rule classifies the day (diary/services/days.py), and the
    # criteria that made it a migraine day, joined by ";" (empty on other days).
    "status",
    "migraine",
)
NUMBERS = frozenset({"pain_mean", "pain_max", "readings"})


class _DayStream:
    """The user's rows of some columns in first..last, read in time order and handed out by day.

    One query per table, a thousand rows at a time: a diary with a hundred readings
    a day for twenty years streams through in bounded memory.
    """

    def __init__(self, user: User, moment, columns: tuple, first: date, last: date):
        model = moment.class_
        rows = db.session.execute(
            select(moment, *columns)
            .where(
                model.user_id == user.id,
                moment >= start_of(first),
                moment < start_of(shift(last, 1)),
            )
            .order_by(moment, model.id)
            .execution_options(yield_per=1000)
        )
        # A thousand rows at a time, each handed out from a plain list.
        self._rows = chain.from_iterable(rows.partitions())
        self._row = next(self._rows, None)

    def take(self, day: date) -> list[tuple]:
        """Return the rows of day (without their time); days must be asked in order."""
        # Most days of a long diary have no side effect or medicine: ask for nothing.
        row, rows = self._row, []
        while row is not None and row[0].date() == day:
            rows.append(row[1:])
            row = next(self._rows, None)
        self._row = row
        return rows


def daily_chunks(
    user: User, first: date, last: date, convention: Convention = EXACT
) -> Iterator[str]:
    """Yield daily.csv for first..last; unlogged days leave the pain cells empty."""
    # The days' classes are worked out now, in the request's unit of work, where they are
    # kept until the user's next write (as the trends page keeps them); the rows stream after.
    statuses = classified(user, first, last, rule_of(user).code)
    return csv_chunks(HEADER, _daily_rows(user, first, last, statuses), convention, NUMBERS)


def _daily_rows(user: User, first: date, last: date, statuses: list[DayStatus]) -> Iterator[tuple]:
    treatments = [
        (t.started_on, t.ended_on or last, t.label)
        for t in db.session.scalars(
            select(Treatment).where(Treatment.user_id == user.id, Treatment.started_on <= last)
        )
    ]
    readings = _DayStream(user, Reading.recorded_at, (Reading.pain, Reading.note), first, last)
    effects = _DayStream(
        user,
        SideEffectReport.recorded_at,
        (SideEffectReport.effect, SideEffectReport.severity),
        first,
        last,
    )
    doses = _DayStream(
        user, MedicationDose.taken_at, (MedicationDose.name, MedicationDose.dose), first, last
    )
    labels = reference.side_effects()
    for n in range((last - first).days + 1):
        day = first + timedelta(days=n)
        status = statuses[n]
        logged = readings.take(day)
        pains = [pain for pain, _ in logged]
        yield (
            day.isoformat(),
            _mean(sum(pains), len(pains)) if pains else "",
            str(max(pains)) if pains else "",
            str(len(pains)) if pains else "",
            "; ".join(f"{labels[code].label} ({severity})" for code, severity in effects.take(day)),
            "; ".join(f"{name} {dose}".strip() for name, dose in doses.take(day)),
            "; ".join(label for start, end, label in treatments if start <= day <= end),
            " | ".join(note for _, note in logged if note),
            status.status,
            ";".join(status.criteria),
        )


@lru_cache(maxsize=1024)
def _mean(total: int, count: int) -> str:
    """Return a day's mean pain as the report rounds it: exactly, halves away from zero."""
    # A day's readings give few sums and counts: each is rounded once.
    return f"{rounded(Fraction(total, count)):.2f}"
