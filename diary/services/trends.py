"""Daily figures from the database, and the per-treatment report built on them."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

from flask_babel import gettext
from sqlalchemy import func, or_, select, union_all
from sqlalchemy.orm import joinedload

from diary.cache import per_user
from diary.clock import local_now, local_today, shift, start_of
from diary.extensions import db
from diary.models import (
    Attack,
    DayMark,
    MedicationDose,
    PreventiveRegimen,
    QuestionnaireAnswer,
    Reminder,
    SideEffectReport,
    Treatment,
    User,
)
from diary.models.questionnaire import PGIC
from diary.models.reading import Reading
from diary.services import preventives
from diary.services.days import attack_days, classify_days, rule_of
from diary.services.outcomes import (
    HEADACHE_DAY_MIN,
    MODERATE_PAIN_MIN,
    PERIOD_LABELS,
    Day,
    Diary,
    Span,
    acting_until,
    confounding_window,
    figures_window,
    midas_figures,
    questionnaire_figures,
    rounded,
    side_effect_counts,
    treatment_outcome,
)

ROLLING_DAYS = 7


@dataclass(frozen=True)
class PainDays:
    """A range's pain as the charts and the report show it: a point a day, the months, the
    summary."""

    points: list[dict]
    months: list[dict]
    summary: dict


@per_user
def pain_days(user: User, first: date, last: date) -> PainDays:
    """Return the range's pain points, months and summary; kept until the user's next write."""
    daily = daily_stats(user, first, last)
    return PainDays(
        pain_series(daily, first, last),
        headache_days_by_month(daily, first, last),
        range_summary(daily, first, last),
    )


def daily_stats(user: User, first: date, last: date) -> dict[date, Day]:
    """Return the logged days from first to last, each with its scores in the order taken."""
    return readings_by_day(user, first, last)[0]


def readings_by_day(
    user: User, first: date, last: date
) -> tuple[dict[date, Day], dict[date, datetime]]:
    """Return the logged days from first to last, and when each day's first reading was saved.

    The save times are UTC, as stored; one query serves both.
    """
    rows = db.session.execute(
        select(Reading.recorded_at, Reading.pain, Reading.created_at)
        .where(
            Reading.user_id == user.id,
            Reading.recorded_at >= start_of(first),
            Reading.recorded_at < start_of(shift(last, 1)),
        )
        .order_by(Reading.recorded_at, Reading.id)
    )
    readings: dict[date, list[tuple[datetime, int]]] = defaultdict(list)
    saved: dict[date, datetime] = {}
    for moment, pain, created in rows:
        day = moment.date()
        readings[day].append((moment, pain))
        saved[day] = min(saved.get(day, created), created)
    days = {
        day: Day(tuple(pain for _, pain in taken), later_reading=taken[-1][0] > taken[0][0])
        for day, taken in readings.items()
    }
    return days, saved


def first_entered(
    user: User, first: date, last: date, saved: dict[date, datetime]
) -> dict[date, date]:
    """Return each day first..last with an entry about pain, and the day its first was saved.

    saved holds the readings' first save times by day (readings_by_day); attacks (on every
    day they occur) and "no headache" taps are added. A save time (UTC) is read as a day in
    the account's time zone.
    """
    saved = dict(saved)

    def note(day: date, created: datetime) -> None:
        if first <= day <= last and (day not in saved or created < saved[day]):
            saved[day] = created

    now = local_now(user.timezone)
    for attack in db.session.scalars(
        select(Attack).where(
            Attack.user_id == user.id,
            Attack.started_at < start_of(shift(last, 1)),
            or_(Attack.ended_at.is_(None), Attack.ended_at >= start_of(first)),
        )
    ):
        for when in attack_days(attack, now):
            note(when, attack.created_at)
    marks = db.session.execute(
        select(DayMark.day, DayMark.created_at).where(
            DayMark.user_id == user.id, DayMark.headache_free, DayMark.day.between(first, last)
        )
    )
    for when, created in marks:
        note(when, created)
    return {
        d: local_today(user.timezone, created.replace(tzinfo=UTC)) for d, created in saved.items()
    }


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


@per_user
def first_entry_day(user: User) -> date | None:
    """Return the first day with any entry of the user's diary, or None for an empty diary.

    Kept until the user's next write (diary/cache.py).
    """
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


def acting_in(treatments: list[Treatment], first: date, last: date) -> list[Treatment]:
    """Return the treatments running or still acting (to day 84 after their end) on a day of
    first..last: the ones whose figures describe days of the range."""
    return [
        t
        for t in treatments
        if t.started_on <= last and acting_until(Span(t.started_on, t.ended_on), last) >= first
    ]


def treatment_figures(
    user: User,
    as_of: date,
    treatments: list[Treatment] | None = None,
    every: list[Treatment] | None = None,
    regimens: Sequence[PreventiveRegimen] | None = None,
) -> list[dict]:
    """Return the report's `treatments` list: each treatment's figures from data up to as_of.

    every is all the user's treatments up to as_of (the next treatment and overlaps
    come from it), regimens all their preventive regimens; the caller passes them when it
    has read them already. Kept until the user's next write (diary/cache.py).
    """
    every = treatments_until(user, as_of) if every is None else every
    treatments = every if treatments is None else treatments
    if not treatments:
        return []
    ids = tuple(t.id for t in treatments)
    return _figures(user, as_of, ids, treatments=treatments, every=every, regimens=regimens)


@per_user
def _figures(
    user: User,
    as_of: date,
    _ids: tuple[int, ...],
    *,
    treatments: list[Treatment],
    every: list[Treatment],
    regimens: Sequence[PreventiveRegimen] | None,
) -> list[dict]:
    """Return the figures of the treatments (of these ids), computed from their own days."""
    # The picked treatments too: one that starts after as_of is in no list of "every" up to it.
    spans = {t.id: Span(t.started_on, t.ended_on) for t in [*every, *treatments]}
    # Only the days the treatments' figures read, not the whole diary up to as_of.
    windows = [figures_window(spans[t.id], as_of) for t in treatments]
    first, last = min(w[0] for w in windows), max(w[1] for w in windows)
    rule = rule_of(user)
    readings, saved = readings_by_day(user, first, last)
    diary = Diary(
        statuses={d.day: d for d in classify_days(user, first, last, rule)},
        readings=readings,
        entered=first_entered(user, first, last, saved),
        side_effects=side_effect_days(user, first, last),
    )
    pgic, midas = _answers(user, as_of)
    regimens = preventives.user_regimens(user) if regimens is None else regimens
    return [
        {
            "kind": t.kind,
            "started_on": t.started_on.isoformat(),
            "ended_on": t.ended_on.isoformat() if t.ended_on else None,
            "day_rule": rule.code,
            **treatment_outcome(
                diary,
                spans[t.id],
                [span for other_id, span in spans.items() if other_id != t.id],
                as_of,
            ),
            **questionnaire_figures(spans[t.id], pgic.get(t.id, []), midas, as_of),
            "preventive_changes": [
                change.as_json() for change in preventive_changes(t, regimens, as_of)
            ],
        }
        for t in treatments
    ]


def preventive_changes(
    treatment: Treatment, regimens: Sequence[PreventiveRegimen], as_of: date
) -> list[preventives.Change]:
    """Return the preventives started, stopped or changed from S-28 to E+84 of a treatment."""
    first, last = confounding_window(Span(treatment.started_on, treatment.ended_on), as_of)
    return preventives.changes(regimens, first, last)


@dataclass(frozen=True)
class ChangeLine:
    """A preventive change as a treatment's page says it: named, or not when not shared."""

    change: preventives.Change
    name: str | None
    # "before" the start, "during" the treatment or "after" its end, and by how many days.
    when: str
    days: int


def change_lines(
    treatment: Treatment, found: list[preventives.Change], named: set[int] | None = None
) -> list[ChangeLine]:
    """Return each change with its name (only the named regimens' when named is given) and
    where it falls: so many days before the start or after the end, or during it."""
    lines = []
    for change in found:
        if change.day < treatment.started_on:
            when, days = "before", (treatment.started_on - change.day).days
        elif treatment.ended_on and change.day > treatment.ended_on:
            when, days = "after", (change.day - treatment.ended_on).days
        else:
            when, days = "during", 0
        shown = named is None or change.regimen.id in named
        name = f"{change.regimen.name} {change.regimen.dose}".strip() if shown else None
        lines.append(ChangeLine(change, name, when, days))
    return lines


def chart_preventives(regimens: Sequence[PreventiveRegimen], last: date) -> list[dict]:
    """Return preventive regimens as the thin bands the charts draw under the treatments."""
    return [
        {
            "label": f"{r.name} {r.dose}".strip(),
            "start": r.started_on.isoformat(),
            "end": (r.ended_on or last).isoformat(),
        }
        for r in regimens
    ]


def overlap_names(
    treatment: Treatment, overlaps: list[str], named: list[Treatment]
) -> list[tuple[str, date] | None]:
    """Return each overlap of treatment as (kind label, start day), None where not named.

    overlaps are the start days of the figures' `overlaps`; named are the treatments the
    reader may see (a shared report names only the shared ones).
    """
    unnamed = [t for t in named if t.id != treatment.id]
    names: list[tuple[str, date] | None] = []
    for day in overlaps:
        match = next((t for t in unnamed if t.started_on.isoformat() == day), None)
        if match is None:
            names.append(None)
        else:
            unnamed.remove(match)
            names.append((match.label, match.started_on))
    return names


def _answers(user: User, as_of: date) -> tuple[dict[int | None, list], list]:
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
    pgic: dict[int | None, list] = defaultdict(list)
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


def headache_days_by_month(daily: dict[date, Day], first: date, last: date) -> list[dict]:
    """Return per month of first..last: logged days, headache and moderate-to-severe days.

    A month without a logged day is there too, its counts None (not known, never 0).
    """
    months: dict[str, list[Day]] = {}
    month = first.replace(day=1)
    while month <= last:
        months[month.isoformat()[:7]] = []
        month = (month + timedelta(days=31)).replace(day=1)
    for day, stats in sorted(daily.items()):
        months.setdefault(day.isoformat()[:7], []).append(stats)
    return [
        {
            "month": month,
            "logged": len(days),
            "headache": sum(d.max >= HEADACHE_DAY_MIN for d in days) if days else None,
            "moderate_severe": sum(d.max >= MODERATE_PAIN_MIN for d in days) if days else None,
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
    out = []
    for t in treatments:
        follow_up: Reminder | None = t.follow_up
        out.append(
            {
                "id": t.id,
                "label": t.label,
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
    return [
        {
            "label": f"{t.label} {t.started_on.isoformat()}",
            "counts": side_effect_counts(effects, t.started_on, t.ended_on, as_of),
        }
        for t in treatments
    ]
