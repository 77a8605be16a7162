"""Outcome figures of one treatment, defined exactly as the report explains them.

Everything here is a pure function of the daily figures, so every definition
can be checked on small hand-computed cases. A day without readings is
unlogged: it is absent from `daily`, never zero.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import fmean

from diary.clock import shift

BASELINE_DAYS = 28
BASELINE_MIN_LOGGED = 7
WINDOW_MIN_LOGGED = 3
RESPONSE_DROP = 2
# (name, first day after ended_on, last day after ended_on)
WINDOWS = (("days_1_14", 1, 14), ("days_15_28", 15, 28), ("days_29_90", 29, 90))
EFFECT_FIRST_DAY, EFFECT_WEEK, EFFECT_MIN_LOGGED = 7, 7, 4
SIDE_EFFECT_DAYS_AFTER = 14


@dataclass(frozen=True)
class Day:
    """One logged day: the mean and the maximum of its readings."""

    mean: float
    max: int


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def window(daily: dict[date, Day], first: date | None, last: date | None, min_logged: int) -> dict:
    """Return a window's figures; pain_mean is null with fewer than min_logged logged days."""
    if first is None or last is None:
        days = []
    else:
        days = [daily[d] for d in sorted(daily) if first <= d <= last]
    logged = len(days)

    def per_28(threshold: int) -> float | None:
        return _round(sum(d.max >= threshold for d in days) / logged * 28) if logged else None

    return {
        "first_day": first.isoformat() if first else None,
        "last_day": last.isoformat() if last else None,
        "days_logged": logged,
        "pain_mean": _round(fmean(d.mean for d in days))
        if logged >= min_logged and logged
        else None,
        "headache_days_per_28": per_28(1),
        "moderate_severe_days_per_28": per_28(4),
    }


def _at_most(value: float | None, limit: float | None) -> bool | None:
    if value is None or limit is None:
        return None
    return value <= limit


def effect_duration(
    daily: dict[date, Day], ended_on: date, baseline: float | None
) -> tuple[int | None, bool]:
    """Return (effect_duration_days, effect_ongoing) as the report defines them."""
    if baseline is None:
        return None, False
    after = sorted(d for d in daily if d > ended_on)
    if not after:
        return None, False
    first_evaluable = None
    day = shift(ended_on, EFFECT_FIRST_DAY)
    while day <= after[-1]:
        week = [
            daily[d]
            for d in (shift(day, -n) for n in range(EFFECT_WEEK))
            if d > ended_on and d in daily
        ]
        if len(week) >= EFFECT_MIN_LOGGED:
            first_evaluable = first_evaluable or day
            if fmean(d.mean for d in week) > baseline - RESPONSE_DROP:
                return (0 if day == first_evaluable else (day - ended_on).days - 1), False
        if day == date.max:
            break
        day += timedelta(days=1)
    if first_evaluable is None:
        return None, False
    return (after[-1] - ended_on).days, True


def treatment_outcome(
    daily: dict[date, Day],
    started_on: date,
    ended_on: date | None,
    side_effect_days: list[tuple[date, str]],
    as_of: date,
) -> dict:
    """Return the figures of one treatment from data up to as_of (later days are ignored)."""
    daily = {d: v for d, v in daily.items() if d <= as_of}
    baseline = window(
        daily,
        shift(started_on, -BASELINE_DAYS),
        shift(started_on, -1),
        BASELINE_MIN_LOGGED,
    )
    base = baseline["pain_mean"]
    discharge = _round(daily[ended_on].mean) if ended_on in daily else None
    windows = []
    for name, start, end in WINDOWS:
        first = shift(ended_on, start) if ended_on else None
        last = shift(ended_on, end) if ended_on else None
        figures = window(daily, first, last, WINDOW_MIN_LOGGED)
        mean = figures["pain_mean"]
        change = _round(mean - base) if mean is not None and base is not None else None
        windows.append({"name": name, **figures, "change": change})
    duration, ongoing = effect_duration(daily, ended_on, base) if ended_on else (None, False)
    limit = base - RESPONSE_DROP if base is not None else None
    return {
        "baseline": baseline,
        "discharge_pain": discharge,
        "windows": windows,
        "responder": _at_most(discharge, limit),
        "sustained_one_month": _at_most(windows[1]["pain_mean"], limit),
        "effect_duration_days": duration,
        "effect_ongoing": ongoing,
        "side_effects": side_effect_counts(side_effect_days, started_on, ended_on, as_of),
    }


def side_effect_counts(
    side_effect_days: list[tuple[date, str]], started_on: date, ended_on: date | None, as_of: date
) -> dict[str, int]:
    """Count reports per effect code from started_on through ended_on + 14 (or as_of while open)."""
    until = min(shift(ended_on, SIDE_EFFECT_DAYS_AFTER), as_of) if ended_on else as_of
    counted = Counter(code for day, code in side_effect_days if started_on <= day <= until)
    return dict(sorted(counted.items()))
