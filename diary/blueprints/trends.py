"""Charts of pain over time, and the printable report for the headache specialist."""

from datetime import date

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from diary import reference
from diary.clock import local_today, shift
from diary.forms import owned_or_404
from diary.models import Treatment
from diary.ranges import asked_range, bounded, whole_diary
from diary.services import trends
from diary.services.medications import overuse
from diary.services.outcomes import PERIODS

bp = Blueprint("trends", __name__)

RANGES = {"30": 30, "90": 90, "365": 365, "all": None}


def _chart_page_data(first: date, last: date, treatments: list[Treatment], daily=None) -> dict:
    """Return what the chart script draws: one JSON block, no inline script."""
    daily = trends.daily_stats(current_user, first, last) if daily is None else daily
    return {
        "pain": trends.pain_series(daily, first, last),
        "months": trends.headache_days_by_month(daily),
        "treatments": trends.chart_treatments(treatments),
    }


@bp.get("/trends")
@login_required
def index():
    diary = whole_diary(current_user)
    today = diary.last
    chosen = request.args.get("range", "90")
    if chosen not in RANGES:
        chosen = "90"
    days = RANGES[chosen]
    # "All" is the whole diary, which whole_diary() already holds to MAX_RANGE_DAYS.
    first = shift(today, -(days - 1)) if days else diary.first
    treatments = trends.treatments_until(current_user, today)
    in_range = [t for t in treatments if (t.ended_on or today) >= first]
    return render_template(
        "trends/index.html",
        ranges=RANGES,
        chosen=chosen,
        first=first,
        today=today,
        chart=_chart_page_data(first, today, in_range)
        | {"side_effects": trends.side_effects_by_treatment(current_user, in_range, today)},
    )


@bp.get("/treatments/<int:treatment_id>/outcome")
@login_required
def outcome(treatment_id: int):
    treatment = owned_or_404(Treatment, treatment_id)
    today = local_today(current_user.timezone)
    figures = trends.treatment_figures(current_user, today, [treatment])[0]
    span = bounded(
        shift(treatment.started_on, PERIODS[0][1]),
        shift(treatment.ended_on or today, PERIODS[-1][2]),
        date.min,
        today,
    )
    return render_template(
        "trends/outcome.html",
        treatment=treatment,
        kind=reference.treatment_kinds()[treatment.kind],
        figures=figures,
        effects=reference.side_effects(),
        chart=_chart_page_data(span.first, span.last, [treatment])
        | {"outcome": trends.outcome_bars(figures)},
        study=reference.catalogue("study_outcomes"),
    )


@bp.get("/report")
@login_required
def report():
    """The printable report: the user picks the treatments and the range.

    Every figure on it is as of the range's last day: treatment figures and medication
    overuse alike.
    """
    span = asked_range(whole_diary(current_user), default_days=90)
    first, last, today = span.first, span.last, local_today(current_user.timezone)
    all_treatments = trends.treatments_until(current_user, last)
    picked_ids = request.args.getlist("t", type=int)
    picked = [t for t in all_treatments if t.id in picked_ids] if picked_ids else all_treatments
    figures = trends.treatment_figures(current_user, last, picked, every=all_treatments)
    daily = trends.daily_stats(current_user, first, last)
    return render_template(
        "trends/report.html",
        all_treatments=all_treatments,
        picked=picked,
        pairs=list(zip(picked, figures, strict=True)),
        first=first,
        last=last,
        today=today,
        shortened=span.shortened,
        summary=trends.range_summary(daily, first, last),
        overuse=overuse(current_user, last),
        classes=reference.medication_classes(),
        effects=reference.side_effects(),
        kinds=reference.treatment_kinds(),
        chart=_chart_page_data(first, last, picked, daily),
        study=reference.catalogue("study_outcomes"),
    )
