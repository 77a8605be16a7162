"""Charts of pain over time, and the printable report for the headache specialist."""

from datetime import date

from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required

from diary import reference
from diary.cache import per_user
from diary.charts import shortened
from diary.clock import local_today, shift
from diary.forms import owned_or_404
from diary.fragments import kept_render
from diary.models import Treatment, User
from diary.pdf import paper_size, pdf_response
from diary.ranges import asked_range
from diary.services import days as day_rules
from diary.services import preventives, shares, trends
from diary.services.outcomes import PERIODS
from diary.services.report import report_context
from diary.services.scoping import owned
from diary.services.spans import DayRange, bounded, whole_diary

bp = Blueprint("trends", __name__)

RANGES = {"30": 30, "90": 90, "365": 365, "all": None}
# The days listed one by one on the trends page, newest first: a month (the months count all).
EACH_DAY_SHOWN = 31


def _chart_page_data(first: date, last: date, treatments: list[Treatment]) -> dict:
    """Return what the chart script draws: one JSON block, no inline script."""
    pain = trends.pain_days(current_user, first, last)
    return {
        "pain": pain.points,
        "months": pain.months,
        # Each treatment's name shortened for its band, whole in the legend and the tooltip.
        "treatments": [
            t | {"short": shortened(t["label"])} for t in trends.chart_treatments(treatments)
        ],
        "preventives": trends.chart_preventives(
            preventives.user_regimens(current_user, first, last), last
        ),
        "effect_labels": {code: e.label for code, e in reference.side_effects().items()},
    }


@bp.get("/trends")
@login_required
def index():
    diary = whole_diary(current_user)
    chosen = request.args.get("range", "90")
    if chosen not in RANGES:
        chosen = "90"
    body = kept_render(
        "trends",
        chosen,
        diary.first,
        diary.last,
        template="trends/_index.html",
        context=lambda: _trends(diary, chosen),
    )
    return render_template("trends/index.html", body=body)


def _trends(diary: DayRange, chosen: str) -> dict:
    """Return what the trends page shows for a range of the diary's days."""
    today = diary.last
    days = RANGES[chosen]
    # "All" is the whole diary, which whole_diary() already holds to MAX_RANGE_DAYS.
    first = shift(today, -(days - 1)) if days else diary.first
    treatments = trends.treatments_until(current_user, today)
    in_range = [t for t in treatments if (t.ended_on or today) >= first]
    rule = day_rules.rule_of(current_user)
    classified = day_rules.classified(current_user, first, today, rule.code)
    return {
        "rule": rule,
        "months": day_rules.by_month(classified),
        "each_day": classified[-EACH_DAY_SHOWN:][::-1],
        "day_definitions": day_rules.definitions(rule),
        "sources": reference.sources(),
        "day_status_labels": day_rules.STATUS_LABELS,
        "criteria_labels": day_rules.CRITERIA_LABELS,
        "ranges": RANGES,
        "chosen": chosen,
        "first": first,
        "today": today,
        "chart": _chart_page_data(first, today, in_range)
        | {"side_effects": trends.side_effects_by_treatment(current_user, in_range, today)},
    }


@bp.get("/treatments/<int:treatment_id>/outcome")
@login_required
def outcome(treatment_id: int):
    label = _label_of(current_user, treatment_id)
    if label is None:
        abort(404)
    today = local_today(current_user.timezone)
    body = kept_render(
        "outcome",
        treatment_id,
        today,
        template="trends/_outcome.html",
        context=lambda: _outcome(owned_or_404(Treatment, treatment_id), today),
    )
    return render_template("trends/outcome.html", label=label, body=body)


@per_user
def _label_of(user: User, treatment_id: int) -> str | None:
    """Return the name of the user's treatment, or None when they have none of that id.

    Kept until the user's next write: only a write of theirs gives them a treatment or
    takes one away.
    """
    treatment = owned(Treatment, user, treatment_id)
    return treatment.label if treatment else None


def _outcome(treatment: Treatment, today: date) -> dict:
    """Return what a treatment's before/after page shows."""
    every = trends.treatments_until(current_user, today)
    figures = trends.treatment_figures(current_user, today, [treatment], every)[0]
    span = bounded(
        shift(treatment.started_on, PERIODS[0][1]),
        shift(treatment.ended_on or today, PERIODS[-1][2]),
        date.min,
        today,
    )
    return {
        "treatment": treatment,
        "kind": reference.treatment_kinds()[treatment.kind],
        "figures": figures,
        "day_rule": figures["day_rule"],
        "overlapping": trends.overlap_names(treatment, figures["overlaps"], every),
        "preventive_changes": trends.change_lines(
            treatment,
            trends.preventive_changes(treatment, preventives.user_regimens(current_user), today),
        ),
        "effects": reference.side_effects(),
        "chart": _chart_page_data(span.first, span.last, [treatment])
        | {"outcome": trends.outcome_bars(figures)},
        "study": reference.catalogue("study_outcomes"),
    }


def _asked_report() -> dict:
    """Return the report the request asks for: ?from=&to=, treatments as ?t= or ?treatment=.

    Without t or treatment the report shows the treatments running or still acting in the
    range, without p or preventive every preventive of the range.
    """
    span = asked_range(whole_diary(current_user), default_days=90)
    ids = request.args.getlist("t", type=int) + request.args.getlist("treatment", type=int)
    # The report form always sends an empty t and p, so that none ticked means none (not all).
    chosen = "t" in request.args or "treatment" in request.args
    named = request.args.getlist("p", type=int) + request.args.getlist("preventive", type=int)
    named_chosen = "p" in request.args or "preventive" in request.args
    with_appendix = request.args.get("appendix") == "1"
    context = report_context(
        current_user,
        span.first,
        span.last,
        ids if chosen else None,
        preventive_ids=named if named_chosen else None,
        with_appendix=with_appendix,
    )
    return context | {"shortened": span.shortened}


@bp.get("/report")
@login_required
def report():
    """The report page: the user picks the treatments and the range."""
    share_days = (shares.DAYS_MIN, shares.DAYS_MAX, shares.DAYS_DEFAULT)
    return render_template("trends/report.html", share_days=share_days, **_asked_report())


@bp.get("/report.pdf")
@login_required
def report_pdf():
    """The report as a PDF, A4 or (?paper=letter) Letter, drawn from the same template."""
    context = _asked_report()
    return pdf_response(
        render_template("trends/report_pdf.html", paper=paper_size(), **context),
        f"headache-report-{context['first']}-{context['last']}.pdf",
    )
