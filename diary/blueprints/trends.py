"""Charts of pain over time, and the printable report for the headache specialist."""

from datetime import date, timedelta

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from diary import reference
from diary.clock import local_today
from diary.forms import owned_or_404
from diary.models import Treatment
from diary.services import trends
from diary.services.medications import overuse
from diary.services.outcomes import BASELINE_DAYS, WINDOWS

bp = Blueprint("trends", __name__)

RANGES = {"30": 30, "90": 90, "365": 365, "all": None}


def _first_day(today: date, days: int | None) -> date:
    if days is None:
        return trends.first_logged_day(current_user) or today
    return today - timedelta(days=days - 1)


def _chart_page_data(first: date, last: date, treatments: list[Treatment]) -> dict:
    """Return what the chart script draws: one JSON block, no inline script."""
    daily = trends.daily_stats(current_user, first, last)
    return {
        "pain": trends.pain_series(daily, first, last),
        "months": trends.headache_days_by_month(daily),
        "treatments": trends.chart_treatments(treatments),
    }


@bp.get("/trends")
@login_required
def index():
    today = local_today(current_user.timezone)
    chosen = request.args.get("range", "90")
    days = RANGES.get(chosen, 90)
    first = _first_day(today, days)
    treatments = trends.treatments_until(current_user, today)
    in_range = [t for t in treatments if (t.ended_on or today) >= first]
    return render_template(
        "trends/index.html",
        ranges=RANGES,
        chosen=chosen if chosen in RANGES else "90",
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
    first = treatment.started_on - timedelta(days=BASELINE_DAYS)
    last = min(today, (treatment.ended_on or today) + timedelta(days=WINDOWS[-1][2]))
    return render_template(
        "trends/outcome.html",
        treatment=treatment,
        kind=reference.treatment_kinds()[treatment.kind],
        figures=figures,
        effects=reference.side_effects(),
        chart=_chart_page_data(first, max(first, last), [treatment]) | {"outcome": figures},
        study=reference.catalogue("study_outcomes"),
    )


@bp.get("/report")
@login_required
def report():
    """The printable report: the user picks the treatments and the range."""
    today = local_today(current_user.timezone)
    all_treatments = trends.treatments_until(current_user, today)
    picked_ids = request.args.getlist("t", type=int)
    picked = [t for t in all_treatments if t.id in picked_ids] if picked_ids else all_treatments
    first = request.args.get("from", type=date.fromisoformat) or _first_day(today, 90)
    last = min(request.args.get("to", type=date.fromisoformat) or today, today)
    first = min(first, last)
    figures = trends.treatment_figures(current_user, today, picked)
    daily = trends.daily_stats(current_user, first, last)
    logged = list(daily.values())
    return render_template(
        "trends/report.html",
        all_treatments=all_treatments,
        picked=picked,
        pairs=list(zip(picked, figures, strict=True)),
        first=first,
        last=last,
        today=today,
        summary={
            "days": (last - first).days + 1,
            "logged": len(logged),
            "mean": round(sum(d.mean for d in logged) / len(logged), 1) if logged else None,
            "headache_days": sum(d.max >= 1 for d in logged),
            "moderate_severe_days": sum(d.max >= 4 for d in logged),
        },
        overuse=overuse(current_user, last),
        classes=reference.medication_classes(),
        effects=reference.side_effects(),
        kinds=reference.treatment_kinds(),
        chart=_chart_page_data(first, last, picked),
        study=reference.catalogue("study_outcomes"),
    )
