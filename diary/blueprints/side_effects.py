"""Side effects: tick several after an infusion day, list, edit, delete."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required
from wtforms import RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import ValidationError

from diary import reference
from diary.clock import local_today
from diary.forms import MomentForm, catalogue_choices, form_page, owned_or_404, save
from diary.models import SideEffectReport
from diary.models.symptoms import SEVERITIES, SEVERITY_LABELS
from diary.paging import paginate
from diary.rules import EntryError
from diary.services import side_effects as service
from diary.services.idempotency import derived_key
from diary.services.scoping import owned

bp = Blueprint("side_effects", __name__, url_prefix="/side-effects")


class TickForm(MomentForm):
    """One checkbox and one severity per catalogue entry; the rows are built from seeds/."""

    note = TextAreaField(_l("Note for all of them (optional)"))
    other_note = StringField(_l("Describe the other side effect"))

    def ticked(self) -> list[tuple[str, str]]:
        """Return (effect, severity) for each ticked row."""
        # Choosing a severity ticks the row too: one tap per side effect.
        return [
            (code, request.form.get(f"severity-{code}", ""))
            for code in reference.side_effects()
            if request.form.get(f"effect-{code}") == "y" or request.form.get(f"severity-{code}")
        ]

    def validate_note(self, field):
        # Which rows were ticked is this page's question; each report's values are the service's.
        ticked = self.ticked()
        if not ticked:
            raise ValidationError(_("Tick at least one side effect."))
        missing = [reference.side_effects()[c].label for c, s in ticked if s not in SEVERITIES]
        if missing:
            raise ValidationError(
                _("Choose how bad it was for: %(effects)s.", effects=", ".join(missing))
            )


class ReportForm(MomentForm):
    effect = SelectField(_l("Side effect"), validate_choice=False)
    severity = RadioField(
        _l("How bad"),
        choices=[SelectChoice(s, SEVERITY_LABELS[s]) for s in SEVERITIES],
        validate_choice=False,
    )
    note = TextAreaField(_l("Note (optional)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.effect.choices = catalogue_choices(reference.side_effects())


@bp.get("/")
@login_required
def index():
    page = paginate(service.user_reports(current_user))
    ids = request.args.getlist("saved", type=int)
    saved = [r for i in ids if (r := owned(SideEffectReport, current_user, i)) is not None]
    return render_template(
        "side_effects/index.html",
        page=page,
        effects=reference.side_effects(),
        saved=saved,
        **service.safety_context(saved),
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    if request.method != "POST":
        # The blank form of the day is kept (diary/fragments.py): built only when it is not.
        return render_template(
            "side_effects/new.html", form=None, blank=TickForm.blank_of_day, **_page_of(None)
        )
    form = TickForm.new_entry(**TickForm.defaults_now())
    if saved := save(form, lambda: [_add_ticked(form, *ticked) for ticked in form.ticked()]):
        reports = saved.value
        flash(
            ngettext("Saved %(num)s side effect.", "Saved %(num)s side effects.", len(reports)),
            "success",
        )
        return redirect(url_for("side_effects.index", saved=[r.id for r in reports]))
    return form_page("side_effects/new.html", form, **_page_of(form))


def _page_of(form: "TickForm | None") -> dict:
    """Return what the form's page shows besides the form: a blank one (None) or one sent."""
    return {
        "today": local_today(current_user.timezone),
        "effects": reference.side_effects(),
        "severities": SEVERITIES,
        "ticked": dict(form.ticked()) if form else {},
    }


def _add_ticked(form: TickForm, code: str, severity: str) -> SideEffectReport:
    """Store one ticked row; 'other' takes its own description as its note."""
    other = code == "other"
    notes = form.values("note", "other_note")
    try:
        return service.add_report(
            current_user,
            recorded_at=form.moment,
            effect=code,
            severity=severity,
            note=notes["other_note" if other else "note"],
            # One key per row, derived from the form's: a resent form stores each row once.
            client_key=derived_key(form.client_key.data or None, code),
        )
    except EntryError as exc:
        if other and "note" in exc.errors:
            exc.errors["other_note"] = exc.errors.pop("note")
        raise


@bp.route("/<int:report_id>/edit", methods=["GET", "POST"])
@login_required
def edit(report_id: int):
    report = owned_or_404(SideEffectReport, report_id)
    form = ReportForm(
        data=ReportForm.at(
            report.recorded_at, effect=report.effect, severity=report.severity, note=report.note
        )
    )
    values = form.values("effect", "severity", "note")
    if save(
        form,
        lambda: service.update_report(current_user, report, recorded_at=form.moment, **values),
    ):
        flash(_("Side effect updated."), "success")
        return redirect(url_for("side_effects.index", saved=report.id))
    return form_page("side_effects/edit.html", form, report=report)


@bp.post("/<int:report_id>/delete")
@login_required
def delete(report_id: int):
    service.delete_report(owned_or_404(SideEffectReport, report_id))
    flash(_("Side effect removed."), "info")
    return redirect(url_for("side_effects.index"))
