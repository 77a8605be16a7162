"""daily.csv for the doctor: one row per calendar day, export only."""

from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import select

from diary import reference
from diary.clock import start_of
from diary.extensions import db
from diary.models import MedicationDose, Reading, SideEffectReport, Treatment, User
from diary.services.trends import daily_stats
from diary.transfer.cells import write_csv

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
)


def _by_day(user: User, moment, columns: tuple, first: date, last: date) -> dict[date, list]:
    """Return the user's rows of columns between first and last, grouped by the day of moment."""
    model = moment.class_
    rows = db.session.execute(
        select(moment, *columns)
        .where(
            model.user_id == user.id,
            moment >= start_of(first),
            moment < start_of(last + timedelta(days=1)),
        )
        .order_by(moment, model.id)
    )
    grouped = defaultdict(list)
    for when, *rest in rows:
        grouped[when.date()].append(rest)
    return grouped


def daily_csv(user: User, first: date, last: date) -> str:
    """Return daily.csv for first..last; unlogged days leave the pain cells empty."""
    stats = daily_stats(user, first, last)
    readings = _by_day(user, Reading.recorded_at, (Reading.note,), first, last)
    effects = _by_day(
        user,
        SideEffectReport.recorded_at,
        (SideEffectReport.effect, SideEffectReport.severity),
        first,
        last,
    )
    doses = _by_day(
        user, MedicationDose.taken_at, (MedicationDose.name, MedicationDose.dose), first, last
    )
    treatments = db.session.scalars(
        select(Treatment).where(Treatment.user_id == user.id, Treatment.started_on <= last)
    ).all()
    labels = reference.side_effects()
    kinds = reference.treatment_kinds()
    rows = []
    for n in range((last - first).days + 1):
        day = first + timedelta(days=n)
        today = stats.get(day)
        rows.append(
            (
                day.isoformat(),
                f"{today.mean:.2f}" if today else "",
                str(today.max) if today else "",
                str(len(readings[day])) if today else "",
                "; ".join(f"{labels[code].label} ({severity})" for code, severity in effects[day]),
                "; ".join(f"{name} {dose}".strip() for name, dose in doses[day]),
                "; ".join(
                    kinds[t.kind].label
                    for t in treatments
                    if t.started_on <= day <= (t.ended_on or last)
                ),
                " | ".join(note for (note,) in readings[day] if note),
            )
        )
    return write_csv(HEADER, rows)
