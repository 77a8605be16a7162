"""Daily figures from the database, and the per-treatment report built on them."""

from collections import defaultdict
from datetime import date, datetime, timedelta
from fractions import Fraction

from flask_babel import gettext
from sqlalchemy import func, select, union_all
from sqlalchemy.orm import joinedload

from diary import reference
from diary.clock import shift, start_of
from diary.extensions import db
from diary.models import (
    Attack,
    DayMark,
    MedicationDose,
    QuestionnaireAnswer,
    Reminder,
    SideEffectReport,
    Treatment,
    User,
)
from diary.models.questionnaire import PGIC
from diary.models.reading import Reading
from diary.services.days import logged_days
from diary.services.outcomes import (
    HEADACHE_DAY_MIN,
    MODERATE_PAIN_MIN,
    PERIOD_DAYS,
    PERIOD_LABELS,
    Day,
    Span,
    midas_figures,
    questionnaire_figures,
    rounded,
    side_effect_counts,
    treatment_outcome,
)

ROLLING_DAYS = 7


def daily_stats(user: User, first: date, last: date) -> dict[date, Day]:
    """Return the logged days from first to last, each with its scores in the order taken."""
    rows = db.session.execute(
        select(Reading.recorded_at, Reading.pain)
        .where(
            Reading.user_id == user.id,
            Reading.recorded_at >= start_of(first),
            Reading.recorded_at < start_of(shift(last, 1)),
        )
        .order_by(Reading.recorded_at, Reading.id)
    )
    readings: dict[date, list[tuple[datetime, int]]] = defaultdict(list)
    for moment, pain in rows:
        readings[moment.date()].append((moment, pain))
    return {
        day: Day(tuple(pain for _, pain in taken), later_reading=taken[-1][0] > taken[0][0])
        for day, taken in readings.items()
    }


def medication_days(user: User, first: date, last: date) -> set[date]:
    """Return the days from first to last with any medicine logged, of any class."""
    return logged_days(user, MedicationDose.taken_at, first, last)


def range_summary(daily: dict[date, Day], first: date, last: date) -> dict:
    """Return the report's summary of first..last: days, logged days, mean, headache days."""
    logged = [d for day, d in daily.items() if first <= day <= last]
    mean = sum((d.mean for d in logged), Fraction(0)) / len(logged) if logged else None
    return {
        "days": (last - first).days + 1,
        "logged": len(logged),
        "mean": rounded(mean),
        "headache_days": sum(d.max >= HEADACHE_DAY_MIN for d in logged),
        "moderate_severe_days": sum(d.max >= MODERATE_PAIN_MIN for d in logged),
    }


def first_entry_day(user: User) -> date | None:
    """Return the first day with any entry of the user's diary, or None for an empty diary."""
    moments = union_all(
        *(
            select(func.min(column)).where(column.class_.user_id == user.id)
            for column in (
                Reading.recorded_at,
                SideEffectReport.recorded_at,
                MedicationDose.taken_at,
                Attack.started_at,
            )
        )
    )
    firsts = [moment.date() for moment in db.session.scalars(moments) if moment is not None]
    # Days, not moments: asked apart from the union, in one query.
    days = db.session.execute(
        select(
            *(
                select(func.min(column)).where(column.class_.user_id == user.id).scalar_subquery()
                for column in (Treatment.started_on, DayMark.day)
            )
        )
    ).one()
    return min([*firsts, *(day for day in days if day)], default=None)


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
    user: User,
    as_of: date,
    treatments: list[Treatment] | None = None,
    every: list[Treatment] | None = None,
) -> list[dict]:
    """Return the report's `treatments` list: each treatment's figures from data up to as_of.

    every is all the user's treatments up to as_of (the next treatment and overlaps
    come from it); the caller passes it when it has read them already.
    """
    every = treatments_until(user, as_of) if every is None else every
    treatments = every if treatments is None else treatments
    if not treatments:
        return []
    first = shift(min(t.started_on for t in treatments), -PERIOD_DAYS)
    daily = daily_stats(user, first, as_of)
    medicated = medication_days(user, first, as_of)
    effects = side_effect_days(user, first, as_of)
    # The picked treatments too: one that starts after as_of is in no list of "every" up to it.
    spans = {t.id: Span(t.started_on, t.ended_on) for t in [*every, *treatments]}
    pgic, midas = _answers(user, as_of)
    return [
        {
            "kind": t.kind,
            "started_on": t.started_on.isoformat(),
            "ended_on": t.ended_on.isoformat() if t.ended_on else None,
            **treatment_outcome(
                daily,
                medicated,
                effects,
                spans[t.id],
                [span for other_id, span in spans.items() if other_id != t.id],
                as_of,
            ),
            **questionnaire_figures(spans[t.id], pgic.get(t.id, []), midas, as_of),
        }
        for t in treatments
    ]


def overlap_names(
    treatment: Treatment, overlaps: list[str], named: list[Treatment]
) -> list[tuple[str, date] | None]:
    """Return each overlap of treatment as (kind label, start day), None where not named.

    overlaps are the start days of the figures' `overlaps`; named are the treatments the
    reader may see (a shared report names only the shared ones).
    """
    kinds = reference.treatment_kinds()
    unnamed = [t for t in named if t.id != treatment.id]
    names: list[tuple[str, date] | None] = []
    for day in overlaps:
        match = next((t for t in unnamed if t.started_on.isoformat() == day), None)
        if match is None:
            names.append(None)
        else:
            unnamed.remove(match)
            names.append((kinds[match.kind].label, match.started_on))
    return names


def _answers(user: User, as_of: date) -> tuple[dict[int, list], list]:
    """Return PGIC answers by treatment id and all MIDAS answers up to as_of, oldest first."""
    rows = db.session.execute(
        select(
            QuestionnaireAnswer.instrument,
            QuestionnaireAnswer.treatment_id,
            QuestionnaireAnswer.answered_on,
            QuestionnaireAnswer.score,
            QuestionnaireAnswer.items,
        )
        .where(QuestionnaireAnswer.user_id == user.id, QuestionnaireAnswer.answered_on <= as_of)
        .order_by(QuestionnaireAnswer.answered_on, QuestionnaireAnswer.id)
    )
    pgic: dict[int, list] = defaultdict(list)
    midas = []
    for instrument, treatment_id, answered_on, score, items in rows:
        if instrument == PGIC:
            pgic[treatment_id].append((answered_on, score))
        else:
            midas.append((answered_on, items))
    return pgic, midas


def midas_history(user: User, as_of: date) -> list[dict]:
    """Return every MIDAS answer up to as_of with its total and grade, oldest first."""
    return [midas_figures(*answer) for answer in _answers(user, as_of)[1]]


def _days_since_min(day: date) -> int:
    """Days between the first date there is and day (a window must not run off the calendar)."""
    return (day - date.min).days


def pain_series(daily: dict[date, Day], first: date, last: date) -> list[dict]:
    """Return one point per calendar day: mean, max and the 7-day rolling mean of logged days."""
    points = []
    # The window's logged means and their exact sum, moved on one day at a time.
    before = [
        first - timedelta(days=k) for k in range(1, min(ROLLING_DAYS, _days_since_min(first) + 1))
    ]
    window: dict[date, Fraction] = {d: daily[d].mean for d in before if d in daily}
    total = sum(window.values(), Fraction(0))
    for n in range((last - first).days + 1):
        current = first + timedelta(days=n)
        today = daily.get(current)
        if today is not None:
            window[current] = today.mean
            total += today.mean
        if _days_since_min(current) >= ROLLING_DAYS:
            leaving = current - timedelta(days=ROLLING_DAYS)
            if leaving in window:
                total -= window.pop(leaving)
        points.append(
            {
                "date": current.isoformat(),
                "mean": rounded(today.mean) if today else None,
                "max": today.max if today else None,
                "rolling": rounded(total / len(window)) if window else None,
            }
        )
    return points


def headache_days_by_month(daily: dict[date, Day]) -> list[dict]:
    """Return per month: logged days, headache days and moderate-to-severe days (by daily max)."""
    months: dict[str, list[Day]] = defaultdict(list)
    for day, stats in sorted(daily.items()):
        months[day.isoformat()[:7]].append(stats)
    return [
        {
            "month": month,
            "logged": len(days),
            "headache": sum(d.max >= HEADACHE_DAY_MIN for d in days),
            "moderate_severe": sum(d.max >= MODERATE_PAIN_MIN for d in days),
        }
        for month, days in months.items()
    ]


def outcome_bars(figures: dict) -> list[dict]:
    """Return the bars of a treatment's before/after chart: admission, discharge, period means."""
    study, periods = figures["study"], figures["periods"]
    bars = [
        {"label": PERIOD_LABELS["baseline"], "value": periods[0]["pain_mean"], "kind": "before"}
    ]
    bars += [
        {
            "label": gettext("Admission (first reading)"),
            "value": study["admission_pain"],
            "kind": "day",
        },
        {
            "label": gettext("Discharge (last reading)"),
            "value": study["discharge_pain"],
            "kind": "day",
        },
    ]
    bars += [
        {"label": PERIOD_LABELS[p["name"]], "value": p["pain_mean"], "kind": "after"}
        for p in periods[1:]
    ]
    return bars


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
