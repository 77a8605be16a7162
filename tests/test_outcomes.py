"""Every outcome definition on small hand-computed cases (diary/services/outcomes.py)."""

from datetime import date, timedelta
from fractions import Fraction

import pytest

from diary.services.days import HEADACHE, HEADACHE_FREE, DayStatus
from diary.services.outcomes import (
    RELIEF_KEYS,
    Day,
    Diary,
    Span,
    overlaps,
    period,
    relief,
    rounded,
    study_measures,
    treatment_outcome,
)

START, END = date(2024, 3, 1), date(2024, 3, 5)
AS_OF = date(2024, 12, 31)


def logged(first: date, scores: list) -> dict[date, Day]:
    """Days from first on: an int is one reading, a tuple several, None an unlogged day."""
    return {
        first + timedelta(days=n): Day(s if isinstance(s, tuple) else (s,))
        for n, s in enumerate(scores)
        if s is not None
    }


def status(day: date, readings: Day, medicine: bool = False) -> DayStatus:
    """A day as the classification reads readings alone: headache from 1, moderate from 5."""
    return DayStatus(
        day=day,
        status=HEADACHE if readings.max >= 1 else HEADACHE_FREE,
        moderate_severe=readings.max >= 5,
        criteria=(),
        acute_medicine=medicine,
        migraine_specific_medicine=False,
        period=False,
    )


def diary_of(days: dict[date, Day], medication_days=()) -> Diary:
    statuses = {d: status(d, r, d in medication_days) for d, r in days.items()}
    for d in medication_days:
        # A medicine alone does not make a day known.
        statuses.setdefault(d, DayStatus(d, "unknown", False, (), True, False, False))
    return Diary(statuses, days)


def after(n: int) -> date:
    return END + timedelta(days=n)


SPAN = Span(START, END)


def figures(days, span=SPAN, others=(), medication_days=(), as_of=AS_OF):
    return treatment_outcome(diary_of(days, medication_days), span, list(others), as_of)


def baseline(score: int = 7, count: int = 28) -> dict[date, Day]:
    """count logged days of the same score, ending the day before START."""
    return logged(START - timedelta(days=count), [score] * count)


# A. The study's measures


def test_admission_and_discharge_are_the_first_reading_of_the_start_and_last_of_the_end():
    days = logged(START, [(8, 6), None, None, None, (5, 4, 3)])
    study = figures(days)["study"]
    assert (study["admission_pain"], study["discharge_pain"]) == (8, 3)
    assert (study["drop"], study["responder"]) == (5, True)


def test_a_same_day_session_compares_the_reading_before_with_the_one_after():
    day = date(2024, 5, 1)
    study = figures(logged(day, [(8, 2)]), span=Span(day, day))["study"]
    assert (study["admission_pain"], study["discharge_pain"], study["drop"]) == (8, 2, 6)
    assert study["responder"] is True


def test_a_same_day_session_with_one_reading_has_no_discharge_and_no_verdict():
    day = date(2024, 5, 1)
    study = figures(logged(day, [7]), span=Span(day, day))["study"]
    assert study["admission_pain"] == 7
    assert (study["discharge_pain"], study["drop"], study["responder"]) == (None, None, None)


def test_a_same_day_reading_at_the_admission_minute_is_not_a_discharge():
    day = date(2024, 5, 1)
    same_minute = {day: Day((7, 3), later_reading=False)}
    assert figures(same_minute, span=Span(day, day))["study"]["discharge_pain"] is None


@pytest.mark.parametrize(("discharge", "responder"), [(5, True), (6, False)])
def test_a_drop_of_exactly_two_counts(discharge, responder):
    days = logged(START, [7]) | logged(END, [discharge])
    assert figures(days)["study"]["responder"] is responder


def test_a_patient_who_starts_the_diary_at_admission_gets_the_study_figures():
    days = logged(START, [8, 7, 6, 5, 4])
    study = figures(days)["study"]
    assert (study["admission_pain"], study["discharge_pain"], study["responder"]) == (8, 4, True)


def test_one_month_is_days_23_to_37_and_sustained_is_asked_only_of_responders():
    days = logged(START, [7]) | logged(END, [4]) | logged(after(23), [5, None, 5, 4])
    days |= {after(22): Day((0,)), after(38): Day((0,))}  # outside: ignored
    study = figures(days)["study"]
    assert study["one_month"] == {
        "first_day": "2024-03-28",
        "last_day": "2024-04-11",
        "days_logged": 3,
        "pain_mean": 4.67,
        # No baseline logged: the month has nothing but admission to compare with.
        "baseline_pain_mean": None,
        "change_from_baseline": None,
    }
    # 14/3 is 4.67, at most 7 - 2: the 2-point improvement was kept.
    assert study["sustained_one_month"] is True
    lost = logged(START, [7]) | logged(END, [4]) | logged(after(23), [5, 5, 6])
    assert figures(lost)["study"]["sustained_one_month"] is False
    not_responding = logged(START, [7]) | logged(END, [6]) | logged(after(23), [1, 1, 1])
    assert figures(not_responding)["study"]["sustained_one_month"] is None


def test_one_month_stands_against_the_baseline_mean_too():
    # Baseline 28 days of 6; admission 9, a peak; the month's mean 5 is 1 below the baseline.
    days = baseline(6) | logged(START, [9]) | logged(END, [4]) | logged(after(23), [5, 5, 5])
    month = figures(days)["study"]["one_month"]
    assert (month["pain_mean"], month["baseline_pain_mean"]) == (5.0, 6.0)
    assert month["change_from_baseline"] == -1.0


def test_one_month_needs_three_logged_days():
    days = logged(START, [7]) | logged(END, [4]) | logged(after(23), [3, 3])
    study = figures(days)["study"]
    assert study["one_month"]["pain_mean"] is None
    assert study["sustained_one_month"] is None


# B. 28-day periods


def test_periods_are_the_28_days_before_the_start_and_three_after_the_end():
    out = figures(baseline())
    assert [(p["name"], p["first_day"], p["last_day"]) for p in out["periods"]] == [
        ("baseline", "2024-02-02", "2024-02-29"),
        ("days_1_28", "2024-03-06", "2024-04-02"),
        ("days_29_56", "2024-04-03", "2024-04-30"),
        ("days_57_84", "2024-05-01", "2024-05-28"),
    ]


def test_moderate_to_severe_starts_at_five_as_the_pain_scale_source_says():
    days = logged(after(1), [4] * 14 + [5] * 14)
    p = period("days_1_28", after(1), after(28), diary_of(days), AS_OF)["measures"]
    assert (p["headache_days"]["count"], p["moderate_severe_days"]["count"]) == (28, 14)


def test_an_as_of_date_inside_a_period_counts_only_its_days_so_far():
    days = logged(after(1), [3] * 20)
    medicated = {after(1), after(5)}
    p = period("days_1_28", after(1), after(28), diary_of(days, medicated), as_of=after(10))
    assert (p["days_elapsed"], p["days_known"], p["enough_data"]) == (10, 10, False)
    assert p["coverage"] == 1
    assert p["measures"]["acute_medication_days"] == {"count": 2, "per_28": None}


def test_an_open_treatment_has_a_baseline_and_an_admission_and_nothing_after():
    out = figures(baseline() | logged(START, [8]), span=Span(START, None))
    assert [p["name"] for p in out["periods"]] == ["baseline"]
    assert out["study"]["admission_pain"] == 8
    assert out["study"]["discharge_pain"] is None and out["study"]["one_month"] is None
    assert out["relief"] == dict.fromkeys(RELIEF_KEYS)


def test_data_after_the_as_of_date_does_not_count():
    days = baseline() | logged(END, [2])
    out = figures(days, as_of=END - timedelta(days=1))
    assert out["study"]["discharge_pain"] is None


# C. Relief in weeks (tests/test_before_after.py has the boundaries on a real diary)


def relieved_weeks(after_scores: list, reference: int = 7, caps=None) -> dict:
    days = logged(after(1), after_scores)
    caps = caps or {"day_84": after(84), "as_of": AS_OF}
    return relief(diary_of(days), END, Fraction(reference), caps)


def test_relief_is_capped_by_day_84_after_twelve_weeks():
    out = relieved_weeks([3] * 100)
    assert out == {
        "weeks": 12, "ongoing": True, "capped_by": "day_84", "relieved_days": 84, "logged_days": 84,
    }  # fmt: skip


def test_relief_is_capped_by_the_next_treatment():
    later = Span(after(30), after(31))
    days = baseline() | logged(after(1), [3] * 60)
    out = figures(days, others=[later])
    # The cap is day 29: four complete weeks, all relieved.
    assert out["relief"] == {
        "weeks": 4, "ongoing": True, "capped_by": "next_treatment",
        "relieved_days": 29, "logged_days": 29,
    }  # fmt: skip
    assert out["overlaps"] == ["2024-04-04"]


def test_a_week_exactly_two_below_a_one_decimal_reference_is_relieved():
    # Reference 5.1 (102/20); a week of days of mean 3.1 is exactly 2 below.
    point_one = (3, 3, 3, 3, 3, 3, 3, 3, 3, 4)
    days = logged(after(1), [point_one] * 7)
    out = relief(diary_of(days), END, Fraction(102, 20), {"day_84": after(84), "as_of": after(7)})
    assert (out["weeks"], out["ongoing"]) == (1, True)
    assert float(Fraction(102, 20)) - 2 < 3.1  # the float comparison would have said no


def test_relief_is_null_without_a_reference_or_a_counted_week():
    assert figures(logged(after(1), [3] * 10))["relief"] == dict.fromkeys(RELIEF_KEYS)
    # Three logged days in each week: no week is counted.
    assert relieved_weeks([3, 3, 3, None, None, None, None] * 12) == dict.fromkeys(RELIEF_KEYS)


# D. Overlaps


def starts(spans: list[Span]) -> list[str]:
    return [s.started_on.isoformat() for s in spans]


def test_overlapping_treatments_are_those_running_or_still_acting():
    span = Span(START, END)
    others = [
        Span(date(2024, 2, 10), date(2024, 2, 11)),  # in the baseline
        Span(date(2023, 1, 1), None),  # started 14 months before and still runs
        Span(after(84), None),  # open, starts on the last day after
        Span(after(85), after(86)),  # after day 84
    ]
    assert starts(overlaps(span, others, AS_OF)) == ["2023-01-01", "2024-02-10", "2024-05-28"]


def test_a_baseline_inside_an_earlier_treatment_s_84_days_after_is_flagged():
    # The earlier one ended 2023-11-20: it acts until day 84 after, 2024-02-12, inside the
    # baseline (2024-02-02 .. 2024-02-29) of this one.
    earlier = Span(date(2023, 11, 18), date(2023, 11, 20))
    assert starts(overlaps(SPAN, [earlier], AS_OF)) == ["2023-11-18"]
    # Ending 11 days earlier, it stops acting the day before the baseline starts.
    gone = Span(date(2023, 11, 8), date(2023, 11, 9))
    assert overlaps(SPAN, [gone], AS_OF) == []
    # The later one started after the earlier one's 84 days: the earlier figures are its own.
    assert overlaps(earlier, [SPAN], AS_OF) == []


# Output


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Fraction(14, 3), 4.67),
        (Fraction(-1, 200), -0.01),
        (Fraction(1, 200), 0.01),
        (Fraction(-1, 201), 0.0),
        (7, 7),
    ],
)
def test_figures_are_rounded_half_away_from_zero_to_two_decimals(value, shown):
    # As JSON writes them: a figure that rounds to nothing is "0.0", never "-0.0".
    assert repr(rounded(value)) == repr(shown)


def test_study_measures_without_readings_are_null_not_zero():
    study = study_measures(Diary({}), Span(START, END), AS_OF, None)
    assert study["admission_pain"] is None and study["responder"] is None


def test_a_period_with_no_known_day_has_no_data_not_zero():
    # A medicine on a day of the period, but no pain logged in it: nothing is known.
    p = period("days_1_28", after(1), after(28), diary_of({}, {after(3)}), AS_OF)
    assert (p["days_known"], p["days_entered_on_the_day"], p["enough_data"]) == (0, 0, False)
    assert all(m == {"count": None, "per_28": None} for m in p["measures"].values())
    assert p["pain_mean"] is None and p["pain_max_mean"] is None


def test_a_period_with_one_known_day_keeps_its_raw_counts():
    p = period("days_1_28", after(1), after(28), diary_of(logged(after(2), [4])), AS_OF)
    assert p["measures"]["headache_days"] == {"count": 1, "per_28": None}
    assert p["measures"]["acute_medication_days"] == {"count": 0, "per_28": None}
