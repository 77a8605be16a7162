"""The report for the headache specialist: one set of figures for its page, PDF and shared link."""

from datetime import date

from diary import charts, reference
from diary.clock import local_today
from diary.models import User
from diary.services import trends
from diary.services.medications import overuse


def report_context(
    user: User,
    first: date,
    last: date,
    treatment_ids: list[int] | None,
    *,
    shared: bool = False,
) -> dict:
    """Return what the report shows for a user's range and chosen treatments (None: all).

    Every figure is as of the range's last day. A shared report names no treatment the
    patient did not choose, not even as an overlap.
    """
    all_treatments = trends.treatments_until(user, last)
    picked = (
        [t for t in all_treatments if t.id in treatment_ids]
        if treatment_ids is not None
        else all_treatments
    )
    figures = trends.treatment_figures(
        user, last, picked, every=picked if shared else all_treatments
    )
    daily = trends.daily_stats(user, first, last)
    return {
        "owner": user,
        "all_treatments": [] if shared else all_treatments,
        "picked": picked,
        "sections": [
            (t, f, charts.outcome_chart(trends.outcome_bars(f)))
            for t, f in zip(picked, figures, strict=True)
        ],
        "pain_chart": charts.pain_chart(
            trends.pain_series(daily, first, last), trends.chart_treatments(picked), first, last
        ),
        "first": first,
        "last": last,
        "today": local_today(user.timezone),
        "summary": trends.range_summary(daily, first, last),
        "overuse": overuse(user, last),
        "classes": reference.medication_classes(),
        "effects": reference.side_effects(),
        "kinds": reference.treatment_kinds(),
        "study": reference.catalogue("study_outcomes"),
    }
