"""Side effects: tick several after an infusion day, list, edit, delete."""

import uuid

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms import HiddenField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, ValidationError

from diary import reference
from diary.extensions import db
from diary.forms import MomentForm, catalogue_choices, owned_or_404, text_of
from diary.models import SideEffectReport
from diary.models.reading import NOTE_MAX_LENGTH
from diary.models.symptoms import SEVERITIES
from diary.paging import paginate
from diary.services import side_effects as service
from diary.services.scoping import owned

bp = Blueprint("side_effects", __name__, url_prefix="/side-effects")


class TickForm(MomentForm):
    """One checkbox and one severity per catalogue entry; the rows are built from seeds/."""

    note = TextAreaField(
        "Note for all of them (optional)", validators=[Length(max=NOTE_MAX_LENGTH)]
    )
    other_note = StringField(
        "Describe the other side effect", validators=[Length(max=NOTE_MAX_LENGTH)]
    )
    client_key = HiddenField(validators=[Length(max=40)])

    def ticked(self) -> list[tuple[str, str]]:
        """Return (effect, severity) for each ticked row."""
        # Choosing a severity ticks the row too: one tap per side effect.
        return [
            (code, request.form.get(f"severity-{code}", ""))
            for code in reference.side_effects()
            if request.form.get(f"effect-{code}") == "y" or request.form.get(f"severity-{code}")
        ]

    def validate_note(self, field):
        ticked = self.ticked()
        if not ticked:
            raise ValidationError("Tick at least one side effect.")
        missing = [reference.side_effects()[c].label for c, s in ticked if s not in SEVERITIES]
        if missing:
            raise ValidationError("Choose how bad it was for: " + ", ".join(missing) + ".")
        if any(c == "other" for c, _ in ticked) and not text_of(self.other_note):
            raise ValidationError("Describe the other side effect.")


class ReportForm(MomentForm):
    effect = SelectField("Side effect", validators=[InputRequired()])
    severity = RadioField("How bad", choices=[SelectChoice(s) for s in SEVERITIES])
    note = TextAreaField("Note (optional)", validators=[Length(max=NOTE_MAX_LENGTH)])

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
    form = TickForm(data=TickForm.defaults_now(client_key=uuid.uuid4().hex))
    if form.validate_on_submit():
        key = form.client_key.data or None
        reports = [
            service.add_report(
                current_user,
                form.moment,
                code,
                severity,
                text_of(form.other_note) if code == "other" else form.note.data or "",
                client_key=f"{key}:{code}" if key else None,
            )
            for code, severity in form.ticked()
        ]
        db.session.commit()
        flash(f"Saved {len(reports)} side effect{'s' if len(reports) != 1 else ''}.", "success")
        return redirect(url_for("side_effects.index", saved=[r.id for r in reports]))
    return render_template(
        "side_effects/new.html",
        form=form,
        effects=reference.side_effects(),
        severities=SEVERITIES,
        ticked=dict(form.ticked()) if request.method == "POST" else {},
    )


@bp.route("/<int:report_id>/edit", methods=["GET", "POST"])
@login_required
def edit(report_id: int):
    report = owned_or_404(SideEffectReport, report_id)
    form = ReportForm(
        data=ReportForm.at(
            report.recorded_at, effect=report.effect, severity=report.severity, note=report.note
        )
    )
    if form.validate_on_submit():
        try:
            service.update_report(
                report, form.moment, form.effect.data, form.severity.data, form.note.data or ""
            )
        except ValueError as exc:
            form.note.errors = [str(exc)]
        else:
            db.session.commit()
            flash("Side effect updated.", "success")
            return redirect(url_for("side_effects.index", saved=report.id))
    return render_template("side_effects/edit.html", form=form, report=report)


@bp.post("/<int:report_id>/delete")
@login_required
def delete(report_id: int):
    db.session.delete(owned_or_404(SideEffectReport, report_id))
    db.session.commit()
    flash("Side effect removed.", "info")
    return redirect(url_for("side_effects.index"))
