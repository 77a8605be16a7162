"""Outcome figures of one treatment, exactly as the report defines them.

Pure functions of a treatment's dates and the user's daily readings, so every
definition can be checked on small hand-computed cases (tests/test_outcomes.py).
Every comparison is exact, on fractions of the stored whole-number scores;
only what is shown is rounded, to two decimals. A day without readings is
unlogged: it is absent from `days`, never zero. Only data up to the as-of
date counts.

Sources, named on the page beside each definition:
- "study": the Jefferson study (Pomeroy et al., Headache 2017;57(2)), as summarised in
  "Ketamine Infusions for Migraine" (seeds/sources.json "001"): pain at admission against
  pain at discharge, and a one-month follow-up.
- "periods": 28-day periods as the IHS guidelines for controlled trials of
  preventive treatment of chronic migraine count them (Tassorelli et al.,
  Cephalalgia 2018;38(5):815-832).
- the moderate-pain cut-off: seeds/pain_scale.json (Palos et al., J Pain 2006).
"""

import math
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from functools import cached_property

from flask_babel import lazy_gettext

from diary import reference
from diary.clock import shift

PERIOD_DAYS = 28
# (name, first day, last day): the baseline counts from started_on, the others from ended_on.
PERIODS = (
    ("baseline", -PERIOD_DAYS, -1),
    ("days_1_28", 1, 28),
    ("days_29_56", 29, 56),
    ("days_57_84", 57, 84),
)
PERIOD_LABELS = {
    "baseline": lazy_gettext("Baseline (28 days before)"),
    "days_1_28": lazy_gettext("Days 1 to 28 after"),
    "days_29_56": lazy_gettext("Days 29 to 56 after"),
    "days_57_84": lazy_gettext("Days 57 to 84 after"),
}
MIN_LOGGED_DAYS = 14
RESPONSE_DROP = 2
# The study's one-month follow-up: the 15 days centred on day 30 after discharge.
ONE_MONTH_FIRST, ONE_MONTH_LAST, ONE_MONTH_MIN_LOGGED = 23, 37, 3
RELIEF_CAP_DAYS, RELIEF_RUN = 84, 3
SIDE_EFFECT_DAYS_AFTER = 14
# MIDAS asks about the last 3 months: an answer recalls the 90 days ending on the day it was
# given. Before a treatment: the latest answer at most 92 days before its start; after: the
# first answer from day 90 to day 150 after its end, whose recall lies wholly after the end.
MIDAS_RECALL_DAYS = 90
MIDAS_BEFORE_DAYS, MIDAS_AFTER_FIRST, MIDAS_AFTER_LAST = 92, MIDAS_RECALL_DAYS, 150
HEADACHE_DAY_MIN = 1
MODERATE_PAIN_MIN = reference.moderate_pain_min()


# The figures the definitions on the page quote, from the constants above: one source.
DEFINITIONS = {
    "min_logged_days": MIN_LOGGED_DAYS,
    "one_month_first": ONE_MONTH_FIRST,
    "one_month_last": ONE_MONTH_LAST,
    "one_month_min_logged": ONE_MONTH_MIN_LOGGED,
    "relief_run": RELIEF_RUN,
    "relief_cap_days": RELIEF_CAP_DAYS,
    "moderate_min": MODERATE_PAIN_MIN,
    "moderate_source": reference.sources()["Palos2006"]["author"],
    "midas_before_days": MIDAS_BEFORE_DAYS,
    "midas_after_first": MIDAS_AFTER_FIRST,
    "midas_after_last": MIDAS_AFTER_LAST,
    "midas_recall_days": MIDAS_RECALL_DAYS,
    "period_days": PERIOD_DAYS,
    "side_effect_days_after": SIDE_EFFECT_DAYS_AFTER,
}


@dataclass(frozen=True)
class Day:
    """One logged day: its readings' scores in the order they were taken.

    later_reading tells whether the last reading was taken later than the first (None: no
    times known, as in hand-built cases, where a second score counts as later).
    """

    scores: tuple[int, ...]
    later_reading: bool | None = None

    @property
    def has_later_reading(self) -> bool:
        return len(self.scores) > 1 if self.later_reading is None else self.later_reading

    @cached_property
    def mean(self) -> Fraction:
        return Fraction(sum(self.scores), len(self.scores))

    @property
    def max(self) -> int:
        return max(self.scores)


@dataclass(frozen=True)
class Span:
    """A treatment's dates; ended_on is None while it runs."""

    started_on: date
    ended_on: date | None


def rounded(value: Fraction | int | None) -> float | int | None:
    """Round a figure for output to two decimals, halves away from zero; whole scores stay whole."""
    if value is None or isinstance(value, int):
        return value
    # floor(|n/d| x 100 + 1/2) in whole numbers: exact, and quick enough for every chart point.
    n, d = abs(value.numerator), value.denominator
    hundredths = (200 * n + d) // (2 * d)
    return math.copysign(hundredths / 100, value)


def _mean(values: list) -> Fraction | None:
    return Fraction(sum(values), len(values)) if values else None


def _span_days(first: date, last: date) -> Iterator[date]:
    """Yield the calendar days first..last (none when last is before first)."""
    for n in range((last - first).days + 1):
        yield first + timedelta(days=n)


def _logged(days: dict[date, Day], first: date, last: date) -> list[Day]:
    return [days[d] for d in _span_days(first, last) if d in days]


def period(
    name: str,
    first: date,
    last: date,
    days: dict[date, Day],
    medication_days: set[date],
    as_of: date,
) -> dict:
    """Return one 28-day period's figures, exact (Fractions); see PERIODS.

    A period without a logged day has no data: every count and figure is None, never 0.
    """
    until = min(last, as_of)
    logged = _logged(days, first, until)
    enough = len(logged) >= MIN_LOGGED_DAYS
    elapsed = max(0, (until - first).days + 1)
    headache = moderate = medicated = None
    if logged:
        headache = sum(d.max >= HEADACHE_DAY_MIN for d in logged)
        moderate = sum(d.max >= MODERATE_PAIN_MIN for d in logged)
        medicated = sum(first <= d <= until for d in medication_days)
    return {
        "name": name,
        "first_day": first.isoformat(),
        "last_day": last.isoformat(),
        "days_elapsed": elapsed,
        "days_logged": len(logged),
        "enough_data": enough,
        "pain_mean": _mean([d.mean for d in logged]) if enough else None,
        "pain_max_mean": _mean([d.max for d in logged]) if enough else None,
        "headache_days": headache,
        "moderate_severe_days": moderate,
        "headache_days_per_28": _per_28(headache, len(logged)) if enough else None,
        "moderate_severe_days_per_28": _per_28(moderate, len(logged)) if enough else None,
        "acute_medication_days": medicated,
        "acute_medication_days_per_28": _per_28(medicated, elapsed),
    }


def _per_28(count: int | None, days: int) -> Fraction | None:
    return Fraction(count * PERIOD_DAYS, days) if count is not None and days else None


def _difference(a, b):
    return a - b if a is not None and b is not None else None


def compared_with_baseline(after: dict, baseline: dict) -> dict:
    """Add the after-period figures that compare it with the baseline."""
    base, now = baseline["headache_days_per_28"], after["headache_days_per_28"]
    reduction = (base - now) / base * 100 if base and now is not None else None
    return after | {
        "pain_change": _difference(after["pain_mean"], baseline["pain_mean"]),
        "headache_days_change": _difference(now, base),
        "headache_days_reduction_pct": reduction,
        "responder_50": reduction >= 50 if reduction is not None else None,
        "responder_30": reduction >= 30 if reduction is not None else None,
    }


def study_measures(days: dict[date, Day], span: Span, as_of: date) -> dict:
    """Return the study's measures (the Jefferson study): admission against discharge, one month.

    Discharge is the last reading on the end day, and only when it was taken later than the
    admission reading: a same-day session with one reading has no discharge pain.
    """
    admission = days[span.started_on].scores[0] if span.started_on in days else None
    ended = span.ended_on
    discharge = None
    if ended is not None and ended in days:
        end_day = days[ended]
        if ended != span.started_on or end_day.has_later_reading:
            discharge = end_day.scores[-1]
    drop = _difference(admission, discharge)
    responder = drop >= RESPONSE_DROP if drop is not None else None
    one_month = month_mean = None
    if ended is not None:
        first, last = shift(ended, ONE_MONTH_FIRST), shift(ended, ONE_MONTH_LAST)
        logged = _logged(days, first, min(last, as_of))
        if len(logged) >= ONE_MONTH_MIN_LOGGED:
            month_mean = _mean([d.mean for d in logged])
        one_month = {
            "first_day": first.isoformat(),
            "last_day": last.isoformat(),
            "days_logged": len(logged),
            "pain_mean": month_mean,
        }
    return {
        "admission_pain": admission,
        "discharge_pain": discharge,
        "drop": drop,
        "responder": responder,
        "one_month": one_month,
        "sustained_one_month": (
            month_mean <= admission - RESPONSE_DROP
            if responder is True and month_mean is not None and admission is not None
            else None
        ),
    }


def relief(
    days: dict[date, Day], ended_on: date, reference_mean: Fraction | None, caps: dict[str, date]
) -> dict:
    """Return how long the relief lasted after ended_on (see the definitions on the page).

    caps names the days the walk stops at (day_84, next_treatment, as_of); the earliest counts.
    """
    none = {"days": None, "ongoing": False, "capped_by": None}
    if reference_mean is None:
        return none
    cap_name, cap = min(caps.items(), key=lambda item: item[1])
    after = [d for d in _span_days(shift(ended_on, 1), cap) if d in days]
    if len(after) < RELIEF_RUN:
        return none
    relieved = [days[d].mean <= reference_mean - RESPONSE_DROP for d in after]
    for i in range(len(after) - RELIEF_RUN + 1):
        if not any(relieved[i : i + RELIEF_RUN]):
            return none | {"days": 0 if i == 0 else (after[i] - ended_on).days - 1}
    return {"days": (after[-1] - ended_on).days, "ongoing": True, "capped_by": cap_name}


def confounding_window(span: Span, as_of: date) -> tuple[date, date]:
    """Return the days a preventive change mixes into the figures: the baseline's first day
    to day 84 after the end (to as_of while the treatment runs, and never past it)."""
    last = shift(span.ended_on, RELIEF_CAP_DAYS) if span.ended_on else as_of
    return shift(span.started_on, -PERIOD_DAYS), min(last, as_of)


def overlaps(span: Span, others: list[Span], as_of: date) -> list[Span]:
    """Return the other treatments running or still acting during this one's baseline or after.

    Another treatment acts from its start to day 84 after its end (to as_of while it runs),
    so one whose after-period holds this one's baseline is named as well. Oldest first.
    """
    windows = [(shift(span.started_on, -PERIOD_DAYS), shift(span.started_on, -1))]
    if span.ended_on is not None:
        windows.append((shift(span.ended_on, 1), shift(span.ended_on, RELIEF_CAP_DAYS)))

    def acting_until(other: Span) -> date:
        return shift(other.ended_on, RELIEF_CAP_DAYS) if other.ended_on else as_of

    return sorted(
        (
            other
            for other in others
            if any(
                other.started_on <= last and acting_until(other) >= first for first, last in windows
            )
        ),
        key=lambda other: other.started_on,
    )


def side_effect_counts(
    side_effect_days: list[tuple[date, str]], started_on: date, ended_on: date | None, as_of: date
) -> dict[str, int]:
    """Count reports per effect code from started_on through ended_on + 14 (or as_of while open)."""
    until = min(shift(ended_on, SIDE_EFFECT_DAYS_AFTER), as_of) if ended_on else as_of
    counted = Counter(code for day, code in side_effect_days if started_on <= day <= until)
    return dict(sorted(counted.items()))


def midas_figures(answered_on: date, items: list[int]) -> dict:
    """Return one MIDAS answer with its recall period, total and grade (Stewart et al. 2001)."""
    total = sum(items)
    grade = next(
        g
        for g in reference.questionnaires()["midas"]["grades"]
        if total >= g["min"] and (g["max"] is None or total <= g["max"])
    )
    return {
        "answered_on": answered_on.isoformat(),
        "recall_first_day": shift(answered_on, 1 - MIDAS_RECALL_DAYS).isoformat(),
        "recall_last_day": answered_on.isoformat(),
        "items": list(items),
        "total": total,
        "grade": grade["grade"],
    }


def questionnaire_figures(
    span: Span, pgic: list[tuple[date, int]], midas: list[tuple[date, list[int]]], as_of: date
) -> dict:
    """Return a treatment's PGIC answers and the MIDAS answers before and after it.

    pgic holds this treatment's answers, midas all the user's; both oldest first.
    """
    labels = reference.questionnaires()["pgic"]["answers"]
    before = [
        m for m in midas if shift(span.started_on, -MIDAS_BEFORE_DAYS) <= m[0] <= span.started_on
    ]
    after = []
    if span.ended_on is not None:
        first, last = (
            shift(span.ended_on, MIDAS_AFTER_FIRST),
            shift(span.ended_on, MIDAS_AFTER_LAST),
        )
        after = [m for m in midas if first <= m[0] <= min(last, as_of)]
    return {
        "pgic": [
            {"answered_on": on.isoformat(), "score": score, "label": labels[str(score)]}
            for on, score in pgic
            if on <= as_of
        ],
        "midas_before": midas_figures(*before[-1]) if before else None,
        "midas_after": midas_figures(*after[0]) if after else None,
    }


def _rounded_all(figures):
    """Round every Fraction in nested figures for output."""
    if isinstance(figures, dict):
        return {key: _rounded_all(value) for key, value in figures.items()}
    if isinstance(figures, list):
        return [_rounded_all(value) for value in figures]
    return rounded(figures) if isinstance(figures, Fraction) else figures


def treatment_outcome(
    days: dict[date, Day],
    medication_days: set[date],
    side_effect_days: list[tuple[date, str]],
    span: Span,
    others: list[Span],
    as_of: date,
) -> dict:
    """Return one treatment's figures (rounded for output) from data up to as_of."""
    days = {d: v for d, v in days.items() if d <= as_of}
    periods: list[dict] = []
    for name, first, last in PERIODS:
        # The baseline counts from the start; the others from the end, once there is one.
        anchor = span.started_on if not periods else span.ended_on
        if anchor is None:
            break
        figures = period(
            name, shift(anchor, first), shift(anchor, last), days, medication_days, as_of
        )
        periods.append(compared_with_baseline(figures, periods[0]) if periods else figures)
    baseline = periods[0]
    relieved = {"days": None, "ongoing": False, "capped_by": None}
    if span.ended_on is not None:
        later = [o.started_on for o in others if o.started_on > span.started_on]
        caps = {"day_84": shift(span.ended_on, RELIEF_CAP_DAYS), "as_of": as_of}
        if later:
            caps = {"day_84": caps["day_84"], "next_treatment": shift(min(later), -1)} | caps
        relieved = relief(days, span.ended_on, baseline["pain_mean"], caps)
    return _rounded_all(
        {
            "study": study_measures(days, span, as_of),
            "periods": periods,
            "relief": relieved,
            "overlaps": [o.started_on.isoformat() for o in overlaps(span, others, as_of)],
            "side_effects": side_effect_counts(
                side_effect_days, span.started_on, span.ended_on, as_of
            ),
        }
    )
