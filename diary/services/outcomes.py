"""Outcome figures of one treatment, exactly as the report defines them.

Pure functions of a treatment's dates and the user's classified days (diary/services/days.py)
and daily readings, so every definition can be checked on small hand-computed cases
(tests/test_outcomes.py, tests/test_before_after.py). Counts, rates, means and percentages
are exact fractions; only the 95% interval takes square roots, in floating point; what is
shown is rounded half away from zero to two decimals. A day whose status is "unknown" is not
known: it is never counted as headache-free or as zero. Only data up to the as-of date counts.

definitions() writes what each figure means from the constants below, with the source of
each (seeds/sources.json); the pages show exactly that text.
"""

import math
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction
from functools import cached_property
from itertools import pairwise
from typing import NamedTuple

from flask_babel import gettext as _
from flask_babel import lazy_gettext

from diary import reference
from diary.clock import shift
from diary.services.days import (
    AURA,
    FEATURES,
    HEADACHE,
    HEADACHE_FREE,
    MIGRAINE,
    UNKNOWN,
    DayStatus,
)

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
# Trials ask a daily diary to cover most of the baseline (commonly 80% of its days;
# Tassorelli et al. 2018): a period needs 23 known days of 28 for rates and responders.
MIN_KNOWN_SHARE = Fraction(4, 5)
MIN_KNOWN_DAYS = math.ceil(PERIOD_DAYS * MIN_KNOWN_SHARE)
# A day entered later than the day after it is recalled, not recorded (issue 26).
ENTERED_LATE_AFTER_DAYS = 1
# The responder thresholds of the IHS guidelines (Tassorelli et al. 2018), in percent.
RESPONDER_50, RESPONDER_30 = 50, 30
# The 95% interval: z of the normal distribution, and the most autocorrelation trusted.
Z_95 = 1.959964
RHO_MAX = Fraction(9, 10)
# A baseline this many moderate-severe days per 28 above the two 28-day windows before it
# is a flare (the windows are days 84 to 29 before the start).
FLARE_DAYS, FLARE_WINDOWS = 4, 2
# A 2-point fall on the 0-10 scale is a clinically important change (Farrar et al. 2001).
RESPONSE_DROP = 2
# Relief is looked for in whole weeks, up to 12 of them (day 84), each with 4 logged days.
WEEK_DAYS, RELIEF_WEEKS, WEEK_MIN_LOGGED = 7, 12, 4
RELIEF_CAP_DAYS = WEEK_DAYS * RELIEF_WEEKS
# The study's one-month follow-up: the 15 days centred on day 30 after discharge.
ONE_MONTH_FIRST, ONE_MONTH_LAST, ONE_MONTH_MIN_LOGGED = 23, 37, 3
SIDE_EFFECT_DAYS_AFTER = 14
# MIDAS asks about the last 3 months: an answer recalls the 90 days ending on the day it was
# given. Before a treatment: the latest answer at most 92 days before its start; after: the
# first answer from day 90 to day 150 after its end, whose recall lies wholly after the end.
MIDAS_RECALL_DAYS = 90
MIDAS_BEFORE_DAYS, MIDAS_AFTER_FIRST, MIDAS_AFTER_LAST = 92, MIDAS_RECALL_DAYS, 150
HEADACHE_DAY_MIN = 1
MODERATE_PAIN_MIN = reference.moderate_pain_min()

# What each measure counts: known days with a status or flag, or days with a medicine.
DAY_MEASURES: dict[str, Callable[[DayStatus], bool]] = {
    "migraine_days": lambda day: day.status == MIGRAINE,
    "moderate_severe_days": lambda day: day.moderate_severe,
    "headache_days": lambda day: day.status in (MIGRAINE, HEADACHE),
    "headache_free_days": lambda day: day.status == HEADACHE_FREE,
}
MEDICINE_MEASURES: dict[str, Callable[[DayStatus], bool]] = {
    "acute_medication_days": lambda day: day.acute_medicine,
    "migraine_specific_medication_days": lambda day: day.migraine_specific_medicine,
}
# The measures an after-period compares with the baseline: change, responders, interval.
COMPARED = ("migraine_days", "moderate_severe_days", "headache_days")
# The row headings of the measures the period table shows.
MEASURE_LABELS = {
    "migraine_days": lazy_gettext("Migraine days"),
    "moderate_severe_days": lazy_gettext("Moderate–severe days"),
    "headache_days": lazy_gettext("Days with any headache"),
    "headache_free_days": lazy_gettext("Headache-free days"),
    "acute_medication_days": lazy_gettext("Acute-medicine days"),
    "migraine_specific_medication_days": lazy_gettext("Migraine-specific medicine days"),
}

# The figures the templates quote, from the constants above: one source.
DEFINITIONS = {
    "one_month_first": ONE_MONTH_FIRST,
    "one_month_last": ONE_MONTH_LAST,
    "one_month_min_logged": ONE_MONTH_MIN_LOGGED,
    "relief_cap_days": RELIEF_CAP_DAYS,
    "moderate_min": MODERATE_PAIN_MIN,
    "midas_before_days": MIDAS_BEFORE_DAYS,
    "midas_after_first": MIDAS_AFTER_FIRST,
    "midas_after_last": MIDAS_AFTER_LAST,
    "midas_recall_days": MIDAS_RECALL_DAYS,
    # The figures read this many days before a treatment's start (the flare's windows).
    "days_read_before": PERIOD_DAYS * (FLARE_WINDOWS + 1),
    "side_effect_days_after": SIDE_EFFECT_DAYS_AFTER,
    "flare_days": FLARE_DAYS,
}


@dataclass(frozen=True)
class Day:
    """One day with readings: their scores in the order they were taken.

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


class Pain(NamedTuple):
    """A day's pain: the mean and the highest of its readings (0 and 0 on a headache-free day)."""

    mean: Fraction
    highest: int


@dataclass
class Diary:
    """What the figures read of a user's days; days missing from statuses are not known."""

    statuses: dict[date, DayStatus]
    readings: dict[date, Day] = field(default_factory=dict)
    # Each known day, with the day its first entry about pain was saved (the account's zone).
    entered: dict[date, date] = field(default_factory=dict)
    side_effects: list[tuple[date, str]] = field(default_factory=list)

    def within(self, first: date, last: date) -> "Diary":
        """Return the diary of first..last only: nothing of a day before or after.

        One treatment's figures read its own days (figures_window): the work per treatment
        does not grow with the years of the diary.
        """
        days = list(_span_days(first, last))
        return Diary(
            {d: s for d in days if (s := self.statuses.get(d)) is not None},
            {d: r for d in days if (r := self.readings.get(d)) is not None},
            {d: e for d in days if (e := self.entered.get(d)) is not None},
            [(d, code) for d, code in self.side_effects if first <= d <= last],
        )

    @cached_property
    def pains(self) -> dict[date, Pain]:
        """Return each day with a pain value: its readings', or 0 on a headache-free day."""
        pains = {d: Pain(r.mean, r.max) for d, r in self.readings.items()}
        for d, status in self.statuses.items():
            if status.status == HEADACHE_FREE and d not in pains:
                pains[d] = Pain(Fraction(0), 0)
        return pains

    def known(self, first: date, last: date) -> list[DayStatus]:
        """Return the known days from first to last, in order."""
        return [
            s
            for d in _span_days(first, last)
            if (s := self.statuses.get(d)) is not None and s.status != UNKNOWN
        ]


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
    # A figure that rounds to nothing is 0, never "-0.0".
    return math.copysign(hundredths / 100, value) if hundredths else 0.0


def _mean(values: list) -> Fraction | None:
    return Fraction(sum(values), len(values)) if values else None


def _span_days(first: date, last: date) -> Iterator[date]:
    """Yield the calendar days first..last (none when last is before first)."""
    for n in range((last - first).days + 1):
        yield first + timedelta(days=n)


def _with_pain(diary: Diary, first: date, last: date) -> list[Pain]:
    return [diary.pains[d] for d in _span_days(first, last) if d in diary.pains]


def _per_28(count: int | None, days: int, enough: bool) -> Fraction | None:
    return Fraction(count * PERIOD_DAYS, days) if enough and count is not None else None


def _entered_on_the_day(diary: Diary, known: list[DayStatus]) -> int:
    """Count the known days whose first pain entry was saved that day or the day after."""
    return sum(
        (diary.entered.get(s.day, s.day) - s.day).days <= ENTERED_LATE_AFTER_DAYS for s in known
    )


def period(name: str, first: date, last: date, diary: Diary, as_of: date) -> dict:
    """Return one 28-day period's figures, exact (Fractions); see PERIODS.

    Without a known day nothing is known: every count is None, never 0. Without enough
    known days the counts stay and every rate is None.
    """
    until = min(last, as_of)
    elapsed = max(0, (until - first).days + 1)
    known = diary.known(first, until)
    enough = len(known) >= MIN_KNOWN_DAYS
    measures = {}
    for key, counts in DAY_MEASURES.items():
        count = sum(map(counts, known)) if known else None
        measures[key] = {"count": count, "per_28": _per_28(count, len(known), enough)}
    every = [s for d in _span_days(first, until) if (s := diary.statuses.get(d))]
    for key, counts in MEDICINE_MEASURES.items():
        count = sum(map(counts, every)) if known else None
        measures[key] = {"count": count, "per_28": _per_28(count, elapsed, enough)}
    pains = _with_pain(diary, first, until)
    return {
        "name": name,
        "first_day": first.isoformat(),
        "last_day": last.isoformat(),
        "days_elapsed": elapsed,
        "days_known": len(known),
        "days_entered_on_the_day": _entered_on_the_day(diary, known),
        "coverage": Fraction(len(known), elapsed) if elapsed else None,
        "enough_data": enough,
        "pain_mean": _mean([p.mean for p in pains]) if enough else None,
        "pain_max_mean": _mean([p.highest for p in pains]) if enough else None,
        "measures": measures,
    }


def _difference(a, b):
    return a - b if a is not None and b is not None else None


def _series(diary: Diary, first: date, last: date, key: str) -> dict[date, int]:
    """Return the known days of first..last as 1 (the measure counts the day) or 0."""
    return {s.day: int(DAY_MEASURES[key](s)) for s in diary.known(first, last)}


def lag1_autocorrelation(*series: dict[date, int]) -> Fraction | float:
    """Return ρ over every pair of consecutive known days inside each series, in [0, RHO_MAX].

    Each day counts as its deviation d from its own series' proportion, so a change between
    the periods is not taken for autocorrelation: ρ = Σ d·d_next / √(Σ d² · Σ d_next²).
    """
    products = squares = next_squares = Fraction(0)
    for days in series:
        n, counted = len(days), sum(days.values())
        # n·d is a whole number, (value·n − counted): sum in integers, divide by n² once.
        pairs = multiplied = next_multiplied = 0
        for (day, value), (following, next_value) in pairwise(sorted(days.items())):
            if (following - day).days == 1:
                d, d_next = value * n - counted, next_value * n - counted
                pairs += d * d_next
                multiplied += d * d
                next_multiplied += d_next * d_next
        products += Fraction(pairs, n * n)
        squares += Fraction(multiplied, n * n)
        next_squares += Fraction(next_multiplied, n * n)
    if not squares or not next_squares or products <= 0:
        return Fraction(0)
    squared = products * products / (squares * next_squares)
    # The square root is the one step that leaves exact arithmetic.
    return RHO_MAX if squared >= RHO_MAX * RHO_MAX else math.sqrt(squared)


def wilson(share: Fraction, n: float) -> tuple[float, float]:
    """Return the Wilson score 95% bounds of a proportion observed on n (effective) days."""
    z2 = Z_95 * Z_95
    scale = 1 + z2 / n
    centre = (float(share) + z2 / (2 * n)) / scale
    half = Z_95 * math.sqrt(float(share * (1 - share)) / n + z2 / (4 * n * n)) / scale
    return max(0.0, centre - half), min(1.0, centre + half)


def change_interval(before: dict[date, int], after: dict[date, int]) -> list[Fraction]:
    """Return Newcombe's hybrid score 95% interval (method 10) for the change, per 28 days.

    The day counts shrink to effective sizes n(1 - ρ) / (1 + ρ) for the autocorrelation ρ.
    """
    rho = lag1_autocorrelation(before, after)
    p0 = Fraction(sum(before.values()), len(before))
    p1 = Fraction(sum(after.values()), len(after))
    low0, high0 = wilson(p0, float(len(before) * (1 - rho) / (1 + rho)))
    low1, high1 = wilson(p1, float(len(after) * (1 - rho) / (1 + rho)))
    change = float(p1 - p0)
    low = change - math.sqrt((float(p1) - low1) ** 2 + (high0 - float(p0)) ** 2)
    high = change + math.sqrt((high1 - float(p1)) ** 2 + (float(p0) - low0) ** 2)
    return [Fraction(low * PERIOD_DAYS), Fraction(high * PERIOD_DAYS)]


def compared_with_baseline(after: dict, baseline: dict, diary: Diary, dates: tuple) -> dict:
    """Add to an after-period its changes, reductions, responders and intervals."""
    measures = dict(after["measures"])
    for key in COMPARED:
        base, now = baseline["measures"][key]["per_28"], measures[key]["per_28"]
        reduction = (base - now) / base * 100 if base and now is not None else None
        interval = None
        if base is not None and now is not None:
            (base_first, base_last), (first, last) = dates
            interval = change_interval(
                _series(diary, base_first, base_last, key), _series(diary, first, last, key)
            )
        measures[key] = measures[key] | {
            "change": _difference(now, base),
            "reduction_pct": reduction,
            "responder_50": reduction >= RESPONDER_50 if reduction is not None else None,
            "responder_30": reduction >= RESPONDER_30 if reduction is not None else None,
            "change_interval_95": interval,
        }
    return after | {
        "pain_change": _difference(after["pain_mean"], baseline["pain_mean"]),
        "measures": measures,
    }


def primary_measure(diary: Diary, baseline: dict, first: date, last: date) -> str:
    """Return the measure the page leads with: migraine days when the diary records migraine.

    That is, when the baseline has enough data and a migraine day by an attack's features
    or aura (not by a medicine alone); otherwise moderate-severe days.
    """
    recorded = any(FEATURES in s.criteria or AURA in s.criteria for s in diary.known(first, last))
    return "migraine_days" if baseline["enough_data"] and recorded else "moderate_severe_days"


def above_usual(diary: Diary, baseline: dict, started_on: date, as_of: date) -> bool | None:
    """Return whether the baseline was a flare against the two 28-day windows before it.

    None unless all three have enough data.
    """
    rates = [baseline["measures"]["moderate_severe_days"]["per_28"]]
    for n in range(1, FLARE_WINDOWS + 1):
        first = shift(started_on, -PERIOD_DAYS * (n + 1))
        window = period("window", first, shift(first, PERIOD_DAYS - 1), diary, as_of)
        rates.append(window["measures"]["moderate_severe_days"]["per_28"])
    if any(rate is None for rate in rates):
        return None
    return rates[0] - Fraction(sum(rates[1:]), FLARE_WINDOWS) >= FLARE_DAYS


def study_measures(diary: Diary, span: Span, as_of: date, baseline_mean: Fraction | None) -> dict:
    """Return the study's measures (the Jefferson study): admission against discharge, one month.

    Discharge is the last reading on the end day, and only when it was taken later than the
    admission reading: a same-day session with one reading has no discharge pain.
    """
    readings = diary.readings
    admission = readings[span.started_on].scores[0] if span.started_on in readings else None
    ended = span.ended_on
    discharge = None
    if ended is not None and ended in readings:
        end_day = readings[ended]
        if ended != span.started_on or end_day.has_later_reading:
            discharge = end_day.scores[-1]
    drop = _difference(admission, discharge)
    responder = drop >= RESPONSE_DROP if drop is not None else None
    one_month = month_mean = None
    if ended is not None:
        first, last = shift(ended, ONE_MONTH_FIRST), shift(ended, ONE_MONTH_LAST)
        pains = _with_pain(diary, first, min(last, as_of))
        if len(pains) >= ONE_MONTH_MIN_LOGGED:
            month_mean = _mean([p.mean for p in pains])
        one_month = {
            "first_day": first.isoformat(),
            "last_day": last.isoformat(),
            "days_logged": len(pains),
            "pain_mean": month_mean,
            # A single admission reading is often a peak: the month against the baseline too.
            "baseline_pain_mean": baseline_mean,
            "change_from_baseline": _difference(month_mean, baseline_mean),
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


RELIEF_KEYS = ("weeks", "ongoing", "capped_by", "relieved_days", "logged_days")


def relief(
    diary: Diary, ended_on: date, reference_mean: Fraction | None, caps: dict[str, date]
) -> dict:
    """Return how many weeks the relief lasted after ended_on (see definitions()).

    caps names the days the walk stops at (day_84, next_treatment, as_of); the earliest counts.
    """
    nothing = dict.fromkeys(RELIEF_KEYS)
    if reference_mean is None:
        return nothing
    cap_name, cap = min(caps.items(), key=lambda item: item[1])
    relieved_below = reference_mean - RESPONSE_DROP
    complete = [k for k in range(1, RELIEF_WEEKS + 1) if shift(ended_on, WEEK_DAYS * k) <= cap]
    counted, ended_in = 0, None
    for k in complete:
        first = shift(ended_on, WEEK_DAYS * (k - 1) + 1)
        week = _with_pain(diary, first, shift(ended_on, WEEK_DAYS * k))
        if len(week) < WEEK_MIN_LOGGED:
            continue
        counted += 1
        if sum(p.mean for p in week) / len(week) > relieved_below:
            ended_in = k
            break
    if not counted:
        return nothing
    logged = _with_pain(diary, shift(ended_on, 1), cap)
    days = {
        "relieved_days": sum(p.mean <= relieved_below for p in logged),
        "logged_days": len(logged),
    }
    if ended_in is not None:
        return {"weeks": ended_in - 1, "ongoing": False, "capped_by": None} | days
    return {"weeks": len(complete), "ongoing": True, "capped_by": cap_name} | days


def acting_until(span: Span, as_of: date) -> date:
    """Return the last day a treatment acts: day 84 after its end, or as_of while it runs."""
    return shift(span.ended_on, RELIEF_CAP_DAYS) if span.ended_on else as_of


def figures_window(span: Span, as_of: date) -> tuple[date, date]:
    """Return the days a treatment's figures read: the flare's first window before the
    start to day 84 after the end (to as_of while it runs, and never past as_of)."""
    first = shift(span.started_on, -PERIOD_DAYS * (FLARE_WINDOWS + 1))
    return first, min(acting_until(span, as_of), as_of)


def confounding_window(span: Span, as_of: date) -> tuple[date, date]:
    """Return the days a preventive change mixes into the figures: the baseline's first day
    to day 84 after the end (to as_of while the treatment runs, and never past it)."""
    return shift(span.started_on, -PERIOD_DAYS), min(acting_until(span, as_of), as_of)


def overlaps(span: Span, others: list[Span], as_of: date) -> list[Span]:
    """Return the other treatments running or still acting during this one's baseline or after.

    Another treatment acts from its start to day 84 after its end (to as_of while it runs),
    so one whose after-period holds this one's baseline is named as well. Oldest first.
    """
    windows = [(shift(span.started_on, -PERIOD_DAYS), shift(span.started_on, -1))]
    if span.ended_on is not None:
        windows.append((shift(span.ended_on, 1), shift(span.ended_on, RELIEF_CAP_DAYS)))

    return sorted(
        (
            other
            for other in others
            if any(
                other.started_on <= last and acting_until(other, as_of) >= first
                for first, last in windows
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


def _periods(diary: Diary, span: Span, as_of: date) -> list[dict]:
    """Return the baseline and each after-period that has begun to be counted, compared."""
    periods: list[dict] = []
    dates = []
    for name, first, last in PERIODS:
        # The baseline counts from the start; the others from the end, once there is one.
        anchor = span.started_on if not periods else span.ended_on
        if anchor is None:
            break
        first_day, last_day = shift(anchor, first), shift(anchor, last)
        dates.append((first_day, min(last_day, as_of)))
        figures = period(name, first_day, last_day, diary, as_of)
        if periods:
            figures = compared_with_baseline(figures, periods[0], diary, (dates[0], dates[-1]))
        periods.append(figures)
    return periods


def treatment_outcome(diary: Diary, span: Span, others: list[Span], as_of: date) -> dict:
    """Return one treatment's figures (rounded for output) from data up to as_of."""
    diary = diary.within(*figures_window(span, as_of))
    periods = _periods(diary, span, as_of)
    baseline = periods[0]
    relieved = dict.fromkeys(RELIEF_KEYS)
    if span.ended_on is not None:
        later = [o.started_on for o in others if o.started_on > span.started_on]
        caps = {"day_84": shift(span.ended_on, RELIEF_CAP_DAYS), "as_of": as_of}
        if later:
            caps = {"day_84": caps["day_84"], "next_treatment": shift(min(later), -1)} | caps
        relieved = relief(diary, span.ended_on, baseline["pain_mean"], caps)
    first, last = shift(span.started_on, -PERIOD_DAYS), shift(span.started_on, -1)
    return _rounded_all(
        {
            "primary": primary_measure(diary, baseline, first, last),
            "baseline_above_usual": above_usual(diary, baseline, span.started_on, as_of),
            "relief": relieved,
            "study": study_measures(diary, span, as_of, baseline["pain_mean"]),
            "periods": periods,
            "overlaps": [o.started_on.isoformat() for o in overlaps(span, others, as_of)],
            "side_effects": side_effect_counts(
                diary.side_effects, span.started_on, span.ended_on, as_of
            ),
        }
    )


def definitions() -> list[tuple[str, str, tuple[str, ...]]]:
    """Return what each before/after figure means, as (term, definition, source ids).

    Written from the constants the functions above use, so the page says what the code does.
    """
    return [
        (
            _("A day's pain"),
            _(
                "The mean and the highest of its readings (0–10); 0 on a headache-free day"
                " without readings, none on other days without readings. Mean pain and mean"
                " daily highest: means over a period's days with a pain value."
            ),
            (),
        ),
        (
            _("Days known"),
            _(
                "Baseline: the %(days)s days before the start day; then days %(after)s after"
                " the end day, each up to the report's end date. A day is known unless it is"
                " “not known”. A period needs %(known)s known days (%(share)s%% of %(days)s, as"
                " trials ask of a daily diary) for rates and responders; otherwise it shows only"
                " counts and “n of %(days)s days known”. Entered on the day: known days first"
                " entered that day or the next (the account's time zone).",
                days=PERIOD_DAYS,
                after=", ".join(f"{first}–{last}" for _name, first, last in PERIODS[1:]),
                known=MIN_KNOWN_DAYS,
                share=int(MIN_KNOWN_SHARE * 100),
            ),
            ("Tassorelli2018",),
        ),
        (
            _("Days per %(days)s", days=PERIOD_DAYS),
            _(
                "Migraine, moderate–severe, any-headache and headache-free days ÷ known days ×"
                " %(days)s; acute-medicine and migraine-specific medicine days ÷ the period's"
                " days so far × %(days)s. Exact, rounded half away from zero to 2 decimals.",
                days=PERIOD_DAYS,
            ),
            ("Tassorelli2018",),
        ),
        (
            _("The primary measure"),
            _(
                "Migraine days if the baseline has enough data and a migraine day by an"
                " attack's features or aura; otherwise moderate–severe days. Days with any"
                " headache come last."
            ),
            ("Tassorelli2018",),
        ),
        (
            _("Against the baseline"),
            _(
                "Change: the period's days per %(days)s minus the baseline's. Reduction: the"
                " baseline's minus the period's, in %% of the baseline's (none if it is 0);"
                " %(r50)s%% or more: %(r50)s%% responder; %(r30)s%% or more: %(r30)s%%"
                " responder.",
                days=PERIOD_DAYS,
                r50=RESPONDER_50,
                r30=RESPONDER_30,
            ),
            ("Tassorelli2018",),
        ),
        (
            _("Likely range (95%)"),
            _(
                "With x₀ of n₀ known baseline days and x₁ of n₁ known days after, p = x ÷ n."
                " ρ: lag-1 autocorrelation over every pair of consecutive known days inside the"
                " two periods, a day being d = (1 if counted, else 0) − its period's p:"
                " ρ = Σ d·d_next ÷ √(Σ d² · Σ d_next²); 0 if undefined; held to 0–%(rho_max)s."
                " n′ = n(1 − ρ) ÷ (1 + ρ); Wilson 95%% bounds (z = %(z)s) of p₀ on n₀′ and p₁"
                " on n₁′; Newcombe's hybrid score interval for p₁ − p₀ (method 10) × %(days)s."
                " Only square roots use floating point. Needs enough data in both periods. It"
                " describes this patient's days, not what the treatment does for others.",
                rho_max=float(RHO_MAX),
                z=Z_95,
                days=PERIOD_DAYS,
            ),
            ("Wilson1927", "Newcombe1998", "BayleyHammersley1946"),
        ),
        (
            _("Above the usual level"),
            _(
                "The baseline's moderate–severe days per %(days)s are %(flare)s or more above"
                " the mean of the %(windows)s periods of %(days)s days before it (days %(far)s"
                " to %(near)s before the start), all with enough data: part of any improvement"
                " may be a return to the usual level (regression to the mean).",
                days=PERIOD_DAYS,
                flare=FLARE_DAYS,
                windows=FLARE_WINDOWS,
                far=PERIOD_DAYS * (FLARE_WINDOWS + 1),
                near=PERIOD_DAYS + 1,
            ),
            ("Barnett2005",),
        ),
        (
            _("Relief in weeks"),
            _(
                "Week k (1–%(weeks)s): days %(week)sk − %(back)s to %(week)sk after the end day;"
                " complete if it ends by the cap (day %(cap)s, the day before the next treatment"
                " or the report's end date, whichever is first); counted with %(logged)s or more"
                " days with a pain value; relieved if counted and its mean pain is %(drop)s or"
                " more below the baseline's. Relief lasts the complete weeks before the first"
                " counted week not relieved, skipping uncounted weeks; with none, it is still"
                " going. Relieved on x of y logged days: of the days 1 to the cap with a pain"
                " value, those %(drop)s or more below the baseline's mean pain.",
                weeks=RELIEF_WEEKS,
                week=WEEK_DAYS,
                back=WEEK_DAYS - 1,
                cap=RELIEF_CAP_DAYS,
                logged=WEEK_MIN_LOGGED,
                drop=RESPONSE_DROP,
            ),
            ("Farrar2001",),
        ),
    ]
