"""Acute medicines: one-tap logging of recent ones, the full form, and overuse days."""

import uuid

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from diary import reference
from diary.clock import local_now, local_today
from diary.extensions import db
from diary.forms import MomentForm, catalogue_choices, owned_or_404, text_of
from diary.models import MedicationDose
from diary.models.reading import NOTE_MAX_LENGTH
from diary.paging import paginate
from diary.services import medications as service

bp = Blueprint("medications", __name__, url_prefix="/medications")


class DoseForm(MomentForm):
    name = StringField(
        "Medicine", validators=[InputRequired("Give the medicine's name."), Length(max=200)]
    )
    dose = StringField("Dose (optional)", validators=[Length(max=200)])
    med_class = SelectField("Kind of medicine", validators=[InputRequired()])
    note = TextAreaField("Note (optional)", validators=[Length(max=NOTE_MAX_LENGTH)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.med_class.choices = catalogue_choices(reference.medication_classes())


class QuickDoseForm(FlaskForm):
    name = StringField(validators=[InputRequired(), Length(max=200)])
    dose = StringField(validators=[Length(max=200)])
    med_class = StringField(validators=[InputRequired()])
    client_key = HiddenField(validators=[Length(max=40)])


@bp.get("/")
@login_required
def index():
    page = paginate(service.user_doses(current_user))
    return render_template(
        "medications/index.html",
        page=page,
        recent=service.recent_medicines(current_user),
        quick=QuickDoseForm(formdata=None, client_key=uuid.uuid4().hex),
        classes=reference.medication_classes(),
        overuse=service.overuse(current_user, local_today(current_user.timezone)),
    )


@bp.post("/quick")
@login_required
def quick():
    """Log a recent medicine as taken now, in one tap."""
    form = QuickDoseForm()
    if form.validate():
        try:
            taken = service.add_dose(
                current_user,
                local_now(current_user.timezone),
                text_of(form.name),
                text_of(form.dose),
                form.med_class.data,
                client_key=form.client_key.data or None,
            )
        except ValueError as exc:
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(f"Saved: {taken.name} {taken.dose} at {taken.taken_at:%H:%M}.", "success")
    else:
        flash("That medicine could not be logged.", "error")
    return redirect(url_for("medications.index"))


def _save(form: DoseForm, taken: MedicationDose | None):
    values = (
        form.moment,
        text_of(form.name),
        text_of(form.dose),
        form.med_class.data,
        form.note.data or "",
    )
    try:
        if taken is None:
            service.add_dose(current_user, *values)
        else:
            service.update_dose(taken, *values)
    except ValueError as exc:
        form.name.errors = [str(exc)]
        return None
    db.session.commit()
    flash("Medicine saved.", "success")
    return redirect(url_for("medications.index"))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    form = DoseForm(data=DoseForm.defaults_now())
    if form.validate_on_submit() and (done := _save(form, None)):
        return done
    return render_template("medications/form.html", form=form, taken=None)


@bp.route("/<int:dose_id>/edit", methods=["GET", "POST"])
@login_required
def edit(dose_id: int):
    taken = owned_or_404(MedicationDose, dose_id)
    form = DoseForm(obj=taken, data=DoseForm.at(taken.taken_at))
    if form.validate_on_submit() and (done := _save(form, taken)):
        return done
    return render_template("medications/form.html", form=form, taken=taken)


@bp.post("/<int:dose_id>/delete")
@login_required
def delete(dose_id: int):
    db.session.delete(owned_or_404(MedicationDose, dose_id))
    db.session.commit()
    flash("Medicine removed.", "info")
    return redirect(url_for("medications.index"))
