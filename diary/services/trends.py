"""Daily figures from the database, and the per-treatment report built on them."""

from collections import defaultdict
from datetime import date, datetime, timedelta
from statistics import fmean

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from diary import reference
from diary.clock import shift, start_of
from diary.dbfunc import day_of
from diary.extensions import db
from diary.models import MedicationDose, Reminder, SideEffectReport, Treatment, User
from diary.models.reading import Reading
from diary.services.outcomes import BASELINE_DAYS, Day, side_effect_counts, treatment_outcome

ROLLING_DAYS = 7


def daily_stats(user: User, first: date | None, last: date) -> dict[date, Day]:
    """Return the logged days from first (or the beginning) to last with their mean and max."""
    day = day_of(Reading.recorded_at)
    query = (
        select(day, func.avg(Reading.pain), func.max(Reading.pain))
        .where(Reading.user_id == user.id, Reading.recorded_at < start_of(last + timedelta(days=1)))
        .group_by(day)
    )
    if first is not None:
        query = query.where(Reading.recorded_at >= start_of(first))
    return {d: Day(float(mean), int(peak)) for d, mean, peak in db.session.execute(query)}


def first_entry_day(user: User) -> date | None:
    """Return the first day with any entry of the user's diary, or None for an empty diary."""
    firsts = [
        db.session.scalar(select(func.min(column)).where(column.class_.user_id == user.id))
        for column in (
            Reading.recorded_at,
            SideEffectReport.recorded_at,
            MedicationDose.taken_at,
            Treatment.started_on,
        )
    ]
    days = [v.date() if isinstance(v, datetime) else v for v in firsts if v is not None]
    return min(days, default=None)


def side_effect_days(user: User, first: date, last: date) -> list[tuple[date, str]]:
    rows = db.session.execute(
        select(SideEffectReport.recorded_at, SideEffectReport.effect).where(
            SideEffectReport.user_id == user.id,
            SideEffectReport.recorded_at >= start_of(first),
            SideEffectReport.recorded_at < start_of(last + timedelta(days=1)),
        )
    )
    return [(moment.date(), effect) for moment, effect in rows]


def treatments_until(user: User, as_of: date, ids: list[int] | None = None) -> list[Treatment]:
    query = (
        select(Treatment)
        .where(Treatment.user_id == user.id, Treatment.started_on <= as_of)
        # The charts mark each follow-up date: load them with the treatments.
        .options(joinedload(Treatment.follow_up))
        .order_by(Treatment.started_on, Treatment.id)
    )
    if ids is not None:
        query = query.where(Treatment.id.in_(ids))
    return list(db.session.scalars(query))


def treatment_figures(
    user: User, as_of: date, treatments: list[Treatment] | None = None
) -> list[dict]:
    """Return the report's `treatments` list: each treatment's figures from data up to as_of."""
    treatments = treatments_until(user, as_of) if treatments is None else treatments
    if not treatments:
        return []
    first = min(t.started_on for t in treatments)
    daily = daily_stats(user, shift(first, -BASELINE_DAYS), as_of)
    effects = side_effect_days(user, first, as_of)
    return [
        {
            "kind": t.kind,
            "started_on": t.started_on.isoformat(),
            "ended_on": t.ended_on.isoformat() if t.ended_on else None,
            **treatment_outcome(daily, t.started_on, t.ended_on, effects, as_of),
        }
        for t in treatments
    ]


def pain_series(daily: dict[date, Day], first: date, last: date) -> list[dict]:
    """Return one point per calendar day: mean, max and the 7-day rolling mean of logged days."""
    points = []
    for n in range((last - first).days + 1):
        current = first + timedelta(days=n)
        week = [daily[d] for d in (shift(current, -k) for k in range(ROLLING_DAYS)) if d in daily]
        today = daily.get(current)
        points.append(
            {
                "date": current.isoformat(),
                "mean": round(today.mean, 2) if today else None,
                "max": today.max if today else None,
                "rolling": round(fmean(d.mean for d in week), 2) if week else None,
            }
        )
    return points


def headache_days_by_month(daily: dict[date, Day]) -> list[dict]:
    """Return per month: logged days, headache days (max >= 1), moderate-severe days (max >= 4)."""
    months: dict[str, list[Day]] = defaultdict(list)
    for day, stats in sorted(daily.items()):
        months[day.isoformat()[:7]].append(stats)
    return [
        {
            "month": month,
            "logged": len(days),
            "headache": sum(d.max >= 1 for d in days),
            "moderate_severe": sum(d.max >= 4 for d in days),
        }
        for month, days in months.items()
    ]


def chart_treatments(treatments: list[Treatment]) -> list[dict]:
    """Return treatments as bands and follow-up markers for the charts."""
    kinds = reference.treatment_kinds()
    out = []
    for t in treatments:
        follow_up: Reminder | None = t.follow_up
        out.append(
            {
                "id": t.id,
                "label": kinds[t.kind].label,
                "start": t.started_on.isoformat(),
                "end": (t.ended_on or t.started_on).isoformat(),
                "open": t.ended_on is None,
                "follow_up": follow_up.effective_on.isoformat() if follow_up else None,
            }
        )
    return out


def side_effects_by_treatment(user: User, treatments: list[Treatment], as_of: date) -> list[dict]:
    """Return, per treatment, its label and the side effects counted for it (for a chart)."""
    if not treatments:
        return []
    effects = side_effect_days(user, min(t.started_on for t in treatments), as_of)
    kinds = reference.treatment_kinds()
    return [
        {
            "label": f"{kinds[t.kind].label} {t.started_on.isoformat()}",
            "counts": side_effect_counts(effects, t.started_on, t.ended_on, as_of),
        }
        for t in treatments
    ]
