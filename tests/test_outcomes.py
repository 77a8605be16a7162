"""Every outcome definition on small hand-computed cases."""

from datetime import date, timedelta

import pytest

from diary.services.outcomes import Day, effect_duration, treatment_outcome, window

START, END = date(2024, 3, 1), date(2024, 3, 5)


def logged(first: date, means: list, maxes: list | None = None) -> dict[date, Day]:
    """Daily figures from first on; None leaves a day unlogged."""
    maxes = maxes or [None] * len(means)
    return {
        first + timedelta(days=n): Day(float(m), int(x if x is not None else round(m)))
        for n, (m, x) in enumerate(zip(means, maxes, strict=True))
        if m is not None
    }


def after(days: int) -> date:
    return END + timedelta(days=days)


def baseline_of_seven() -> dict[date, Day]:
    # 10 logged days in the 28 before START (Feb 2 - Feb 29, 2024 is a leap year), all 7 with max 8.
    return logged(date(2024, 2, 20), [7] * 10, [8] * 10)


def test_the_whole_figure_set_of_a_responder():
    daily = baseline_of_seven()
    daily[END] = Day(4.0, 5)
    daily |= logged(after(1), [3, None, 4, None, 5], [0, None, 4, None, 6])
    daily |= logged(after(15), [2, 2], [1, 1])
    out = treatment_outcome(daily, START, END, [], as_of=date(2024, 12, 31))
    assert out["baseline"] == {
        "first_day": "2024-02-02",
        "last_day": "2024-02-29",
        "days_logged": 10,
        "pain_mean": 7.0,
        "headache_days_per_28": 28.0,
        "moderate_severe_days_per_28": 28.0,
    }
    assert out["discharge_pain"] == 4.0
    assert out["responder"] is True
    first, second, third = out["windows"]
    assert first == {
        "name": "days_1_14",
        "first_day": "2024-03-06",
        "last_day": "2024-03-19",
        "days_logged": 3,
        "pain_mean": 4.0,
        "headache_days_per_28": 18.67,
        "moderate_severe_days_per_28": 18.67,
        "change": -3.0,
    }
    # Two logged days are too few for a mean, but still count toward headache days.
    assert (second["name"], second["days_logged"], second["pain_mean"], second["change"]) == (
        "days_15_28", 2, None, None,
    )  # fmt: skip
    assert second["headache_days_per_28"] == 28.0
    assert second["moderate_severe_days_per_28"] == 0.0
    assert out["sustained_one_month"] is None
    assert third == {
        "name": "days_29_90",
        "first_day": "2024-04-03",
        "last_day": "2024-06-03",
        "days_logged": 0,
        "pain_mean": None,
        "headache_days_per_28": None,
        "moderate_severe_days_per_28": None,
        "change": None,
    }


def test_a_non_responder_and_a_sustained_improvement():
    daily = baseline_of_seven()
    daily[END] = Day(5.5, 6)
    daily |= logged(after(15), [4, 5, 5])
    out = treatment_outcome(daily, START, END, [], as_of=date(2024, 12, 31))
    assert out["responder"] is False  # 5.5 > 7 - 2
    assert out["windows"][1]["pain_mean"] == 4.67
    assert out["sustained_one_month"] is True  # 4.67 <= 5


def test_a_baseline_with_six_logged_days_has_no_mean_and_nothing_depends_on_it():
    daily = logged(date(2024, 2, 20), [7] * 6)
    daily[END] = Day(1.0, 1)
    daily |= logged(after(1), [1] * 30)
    out = treatment_outcome(daily, START, END, [], as_of=date(2024, 12, 31))
    assert out["baseline"]["days_logged"] == 6
    assert out["baseline"]["pain_mean"] is None
    assert out["baseline"]["headache_days_per_28"] == 28.0
    assert (out["responder"], out["sustained_one_month"]) == (None, None)
    assert out["windows"][0]["change"] is None
    assert (out["effect_duration_days"], out["effect_ongoing"]) == (None, False)


def test_unlogged_discharge_day_is_null_not_zero():
    out = treatment_outcome(baseline_of_seven(), START, END, [], as_of=date(2024, 12, 31))
    assert out["discharge_pain"] is None
    assert out["responder"] is None


def test_the_baseline_is_exactly_the_28_days_before_the_start():
    daily = logged(START - timedelta(days=29), [9]) | logged(START - timedelta(days=28), [1] * 7)
    daily[START] = Day(9.0, 9)
    assert (
        treatment_outcome(daily, START, END, [], date(2024, 12, 31))["baseline"]["pain_mean"] == 1.0
    )


def test_a_single_day_treatment():
    day = date(2024, 5, 10)
    daily = logged(day - timedelta(days=7), [6] * 7) | {day: Day(3.0, 4)}
    daily |= logged(day + timedelta(days=1), [3, 3, 3])
    out = treatment_outcome(daily, day, day, [], date(2024, 12, 31))
    assert out["discharge_pain"] == 3.0
    assert out["responder"] is True
    assert out["windows"][0]["first_day"] == "2024-05-11"
    assert out["windows"][0]["pain_mean"] == 3.0


def test_data_after_the_as_of_date_does_not_count():
    daily = baseline_of_seven() | logged(after(1), [3] * 14)
    out = treatment_outcome(daily, START, END, [], as_of=after(2))
    assert out["windows"][0]["days_logged"] == 2
    assert out["windows"][0]["pain_mean"] is None


def test_an_open_treatment_has_a_baseline_but_no_after_figures():
    out = treatment_outcome(baseline_of_seven(), START, None, [], date(2024, 12, 31))
    assert out["baseline"]["pain_mean"] == 7.0
    assert out["discharge_pain"] is None
    assert [w["first_day"] for w in out["windows"]] == [None, None, None]
    assert (out["effect_duration_days"], out["effect_ongoing"]) == (None, False)


def test_side_effects_count_from_start_through_day_14_after_the_end():
    reports = [
        (START - timedelta(days=1), "nausea"),
        (START, "nausea"),
        (END, "dizziness"),
        (after(14), "nausea"),
        (after(15), "nausea"),
    ]
    out = treatment_outcome({}, START, END, reports, date(2024, 12, 31))
    assert out["side_effects"] == {"dizziness": 1, "nausea": 2}


@pytest.mark.parametrize(
    ("means", "expected"),
    [
        # Relief all along: ongoing, lasting to the last logged day.
        ([3] * 20, (20, True)),
        # Lost at E+13: the week E+7..E+13 averages (4*3 + 3*8)/7 = 5.14 > 7 - 2.
        ([3] * 10 + [8] * 5, (12, False)),
        # Lost at the first evaluable day.
        ([8] * 10, (0, False)),
        # Never 4 logged days in any week from E+7 on: not evaluable.
        ([3, 3, 3], (None, False)),
        ([3, None, None, None, None, None, None, None, 3, 3, 3], (None, False)),
    ],
)
def test_effect_duration(means, expected):
    daily = logged(after(1), means)
    assert effect_duration(daily, END, 7.0) == expected


def test_effect_duration_tolerates_gaps_with_four_days_a_week():
    # Logged on E+2, E+4, E+6, E+7 (mean 3): E+7 is evaluable; then relief lasts to E+7.
    daily = logged(after(1), [None, 3, None, 3, None, 3, 3])
    assert effect_duration(daily, END, 7.0) == (7, True)


def test_window_headache_day_thresholds():
    daily = logged(date(2024, 1, 1), [0, 1, 3, 4], [0, 1, 3, 4])
    figures = window(daily, date(2024, 1, 1), date(2024, 1, 4), 3)
    assert figures["headache_days_per_28"] == 21.0  # 3 of 4 days with max >= 1
    assert figures["moderate_severe_days_per_28"] == 7.0  # 1 of 4 days with max >= 4
