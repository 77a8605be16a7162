"""Every outcome definition on small hand-computed cases (diary/services/outcomes.py)."""

from datetime import date, timedelta
from fractions import Fraction

import pytest

from diary.services.outcomes import (
    Day,
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


def after(n: int) -> date:
    return END + timedelta(days=n)


SPAN = Span(START, END)


def figures(days, span=SPAN, others=(), medication_days=(), as_of=AS_OF):
    return treatment_outcome(days, set(medication_days), [], span, list(others), as_of)


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
    }
    # 14/3 is 4.67, at most 7 - 2: the 2-point improvement was kept.
    assert study["sustained_one_month"] is True
    lost = logged(START, [7]) | logged(END, [4]) | logged(after(23), [5, 5, 6])
    assert figures(lost)["study"]["sustained_one_month"] is False
    not_responding = logged(START, [7]) | logged(END, [6]) | logged(after(23), [1, 1, 1])
    assert figures(not_responding)["study"]["sustained_one_month"] is None


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


@pytest.mark.parametrize(("count", "enough"), [(13, False), (14, True)])
def test_a_period_needs_14_logged_days(count, enough):
    base = figures(baseline(7, count))["periods"][0]
    assert (base["days_logged"], base["enough_data"]) == (count, enough)
    assert (base["pain_mean"] is not None) is enough
    assert (base["headache_days_per_28"] is not None) is enough
    # Raw counts stay whatever the count of logged days.
    assert base["headache_days"] == count


def test_period_figures_by_hand():
    # 14 logged days: 7 days of (2, 6) and 7 days of 0.
    days = logged(after(1), [(2, 6)] * 7 + [0] * 7)
    p = period("days_1_28", after(1), after(28), days, {after(1), after(2), after(30)}, AS_OF)
    assert p["days_logged"] == 14 and p["days_elapsed"] == 28 and p["enough_data"]
    assert p["pain_mean"] == Fraction(2)  # (7 x 4 + 7 x 0) / 14
    assert p["pain_max_mean"] == Fraction(3)  # (7 x 6) / 14
    assert (p["headache_days"], p["moderate_severe_days"]) == (7, 7)
    assert p["headache_days_per_28"] == 14  # 7 / 14 x 28
    assert p["acute_medication_days"] == 2
    assert p["acute_medication_days_per_28"] == 2  # 2 / 28 x 28


def test_moderate_to_severe_starts_at_five_as_the_pain_scale_source_says():
    days = logged(after(1), [4] * 7 + [5] * 7)
    p = period("days_1_28", after(1), after(28), days, set(), AS_OF)
    assert (p["headache_days"], p["moderate_severe_days"]) == (14, 7)


def test_an_as_of_date_inside_a_period_counts_only_its_days_so_far():
    days = logged(after(1), [3] * 20)
    p = period("days_1_28", after(1), after(28), days, {after(1), after(5)}, as_of=after(10))
    assert (p["days_elapsed"], p["days_logged"], p["enough_data"]) == (10, 10, False)
    assert p["acute_medication_days_per_28"] == Fraction(2 * 28, 10)


def test_after_periods_compare_with_the_baseline():
    # Baseline: 28 headache days per 28 (daily highest 7); after: 14 of 28 logged days at 0.
    days = baseline(7) | logged(after(1), [0, 3] * 14)
    out = figures(days)
    first = out["periods"][1]
    assert first["pain_change"] == -5.5  # 1.5 - 7
    assert first["headache_days_per_28"] == 14.0
    assert first["headache_days_change"] == -14.0
    assert first["headache_days_reduction_pct"] == 50.0
    assert (first["responder_50"], first["responder_30"]) == (True, True)


def test_no_reduction_against_a_baseline_without_headache_days():
    days = baseline(0) | logged(after(1), [3] * 14)
    first = figures(days)["periods"][1]
    assert first["headache_days_reduction_pct"] is None
    assert first["responder_50"] is None


def test_an_open_treatment_has_a_baseline_and_an_admission_and_nothing_after():
    out = figures(baseline() | logged(START, [8]), span=Span(START, None))
    assert [p["name"] for p in out["periods"]] == ["baseline"]
    assert out["study"]["admission_pain"] == 8
    assert out["study"]["discharge_pain"] is None and out["study"]["one_month"] is None
    assert out["relief"] == {"days": None, "ongoing": False, "capped_by": None}


def test_data_after_the_as_of_date_does_not_count():
    days = baseline() | logged(END, [2])
    out = figures(days, as_of=END - timedelta(days=1))
    assert out["study"]["discharge_pain"] is None


# C. How long the relief lasted


def relieved_days(after_scores: list, reference: int = 7, caps=None) -> dict:
    days = logged(after(1), after_scores)
    return relief(days, END, Fraction(reference), caps or {"day_84": after(84), "as_of": AS_OF})


@pytest.mark.parametrize(
    ("relieved_for", "expected"),
    [(1, 1), (2, 2), (5, 5), (21, 21)],
)
def test_relief_that_steps_back_up_after_n_days(relieved_for, expected):
    out = relieved_days([3] * relieved_for + [7, 7, 7, 3])
    assert out == {"days": expected, "ongoing": False, "capped_by": None}


def test_relief_that_never_starts_is_zero_days():
    assert relieved_days([7, 6, 7, 3])["days"] == 0


def test_relief_counts_zero_when_the_first_logged_day_after_the_end_starts_a_run():
    assert relieved_days([None, None, 7, 7, 7])["days"] == 0


def test_unlogged_days_are_skipped_when_looking_for_three_in_a_row():
    # Relieved on days 1-3; days 4, 6, 9 are logged and not relieved: relief ends on day 4.
    out = relieved_days([3, 3, 3, 7, None, 7, None, None, 7])
    assert out["days"] == 3


def test_two_bad_days_do_not_end_the_relief():
    out = relieved_days([3, 7, 7, 3, 3])
    assert out == {"days": 5, "ongoing": True, "capped_by": "day_84"}


def test_relief_is_capped_by_the_as_of_date():
    out = relieved_days([3] * 10, caps={"day_84": after(84), "as_of": after(6)})
    assert out == {"days": 6, "ongoing": True, "capped_by": "as_of"}


def test_a_day_exactly_two_below_a_one_decimal_reference_is_relieved():
    # Reference 5.1 (20 days: 18 of 5, 2 of 6); a day of mean 3.1 is exactly 2 below.
    point_one = (3, 3, 3, 3, 3, 3, 3, 3, 3, 4)
    days = logged(after(1), [point_one] * 3)
    out = relief(days, END, Fraction(102, 20), {"day_84": after(84), "as_of": AS_OF})
    assert out["ongoing"] is True
    assert float(Fraction(102, 20)) - 2 < 3.1  # the float comparison would have said no


def test_relief_is_capped_by_day_84():
    out = relieved_days([3] * 100)
    assert out == {"days": 84, "ongoing": True, "capped_by": "day_84"}


def test_relief_is_capped_by_the_next_treatment():
    later = Span(after(30), after(31))
    days = baseline() | logged(after(1), [3] * 60)
    out = figures(days, others=[later])
    assert out["relief"] == {"days": 29, "ongoing": True, "capped_by": "next_treatment"}
    assert out["overlaps"] == ["2024-04-04"]


def test_relief_is_null_without_a_baseline_mean_or_with_fewer_than_three_days():
    assert figures(logged(after(1), [3] * 10))["relief"]["days"] is None
    assert figures(baseline() | logged(after(1), [3, 3]))["relief"]["days"] is None


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
    [(Fraction(14, 3), 4.67), (Fraction(-1, 200), -0.01), (Fraction(1, 200), 0.01), (7, 7)],
)
def test_figures_are_rounded_half_away_from_zero_to_two_decimals(value, shown):
    assert rounded(value) == shown


def test_study_measures_without_readings_are_null_not_zero():
    study = study_measures({}, Span(START, END), AS_OF)
    assert study["admission_pain"] is None and study["responder"] is None


def test_a_period_with_no_logged_day_has_no_data_not_zero():
    # A medicine on a day of the period, but no pain logged in it: nothing is known.
    p = period("days_1_28", after(1), after(28), {}, {after(3)}, AS_OF)
    assert p["days_logged"] == 0
    counts = ("headache_days", "moderate_severe_days", "acute_medication_days")
    assert all(p[key] is None and p[f"{key}_per_28"] is None for key in counts)
    assert p["pain_mean"] is None and p["pain_max_mean"] is None


def test_a_period_with_one_logged_day_keeps_its_raw_counts():
    p = period("days_1_28", after(1), after(28), logged(after(2), [4]), set(), AS_OF)
    assert (p["headache_days"], p["acute_medication_days"]) == (1, 0)
    assert p["acute_medication_days_per_28"] == 0
