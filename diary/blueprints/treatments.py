"""Treatments: list, add, edit, delete; the dose log and the medicines given."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from diary import reference
from diary.blueprints.questionnaires import pgic_form
from diary.clock import local_today
from diary.extensions import db
from diary.forms import (
    CalendarDateField,
    MomentForm,
    NumberField,
    catalogue_choices,
    owned_or_404,
    text_of,
)
from diary.models import DoseChange, Treatment, TreatmentMedicine
from diary.models.questionnaire import PGIC
from diary.models.reading import NOTE_MAX_LENGTH
from diary.services import questionnaires
from diary.services import treatments as service

bp = Blueprint("treatments", __name__, url_prefix="/treatments")


class TreatmentForm(FlaskForm):
    kind = SelectField("Kind of treatment", validators=[InputRequired()])
    started_on = CalendarDateField("Started on", validators=[InputRequired("Give the start date.")])
    ended_on = CalendarDateField("Ended on (empty while it runs)", validators=[Optional()])
    setting = StringField("Where (optional)", validators=[Length(max=service.SETTING_MAX)])
    notes = TextAreaField("Notes (optional)", validators=[Length(max=NOTE_MAX_LENGTH)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = catalogue_choices(reference.treatment_kinds())

    def validate_started_on(self, field):
        # Runs whenever a start date was given; the end date may be empty (still running).
        if field.data is None:
            return
        try:
            service.check_dates(field.data, self.ended_on.data, local_today(current_user.timezone))
        except ValueError as exc:
            raise ValidationError(str(exc)) from None

    def values(self) -> tuple:
        return (
            self.kind.data,
            self.started_on.data,
            self.ended_on.data,
            text_of(self.setting),
            self.notes.data or "",
        )


class DoseForm(MomentForm):
    rate = NumberField(
        "Rate",
        places=3,
        validators=[
            InputRequired("Give the rate."),
            NumberRange(min=0, max=1000, message="Give a rate from 0 to 1000."),
        ],
    )
    unit = RadioField(
        "Unit", choices=[SelectChoice(u) for u in service.RATE_UNITS], default="mg/kg/h"
    )
    note = StringField("Note (optional)", validators=[Length(max=NOTE_MAX_LENGTH)])


class MedicineForm(FlaskForm):
    role = RadioField(
        "Given",
        choices=[
            SelectChoice("adjunct", "during the treatment"),
            SelectChoice("discharge", "prescribed at discharge"),
        ],
        default="adjunct",
    )
    name = StringField(
        "Medicine", validators=[InputRequired("Give the medicine."), Length(max=200)]
    )
    dose = StringField("Dose (optional)", validators=[Length(max=200)])
    note = StringField("Note (optional)", validators=[Length(max=NOTE_MAX_LENGTH)])


def _detail(treatment: Treatment, dose_form=None, medicine_form=None):
    kind = reference.treatment_kinds()[treatment.kind]
    return render_template(
        "treatments/detail.html",
        treatment=treatment,
        kind=kind,
        protocol=reference.infusion_protocol(),
        adjuncts=reference.adjunct_medicines(),
        dose_form=dose_form or DoseForm(formdata=None, data=DoseForm.defaults_now()),
        medicine_form=medicine_form or MedicineForm(formdata=None),
        above_maximum=service.above_documented_maximum,
        pgic=reference.questionnaires()["pgic"],
        pgic_form=pgic_form(),
        pgic_answers=questionnaires.answers(current_user, PGIC, treatment),
        today=local_today(current_user.timezone),
    )


@bp.get("/")
@login_required
def index():
    return render_template(
        "treatments/index.html",
        treatments=service.user_treatments(current_user),
        kinds=reference.treatment_kinds(),
        today=local_today(current_user.timezone),
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    form = TreatmentForm()
    if form.validate_on_submit():
        treatment = service.add_treatment(current_user, *form.values())
        db.session.commit()
        flash("Treatment saved.", "success")
        return redirect(url_for("treatments.detail", treatment_id=treatment.id))
    return render_template("treatments/form.html", form=form, treatment=None)


@bp.get("/<int:treatment_id>")
@login_required
def detail(treatment_id: int):
    return _detail(owned_or_404(Treatment, treatment_id))


@bp.route("/<int:treatment_id>/edit", methods=["GET", "POST"])
@login_required
def edit(treatment_id: int):
    treatment = owned_or_404(Treatment, treatment_id)
    form = TreatmentForm(obj=treatment)
    if form.validate_on_submit():
        service.update_treatment(treatment, *form.values())
        db.session.commit()
        flash("Treatment updated; its follow-up reminder moved with it.", "success")
        return redirect(url_for("treatments.detail", treatment_id=treatment.id))
    return render_template("treatments/form.html", form=form, treatment=treatment)


@bp.post("/<int:treatment_id>/delete")
@login_required
def delete(treatment_id: int):
    service.delete_treatment(owned_or_404(Treatment, treatment_id))
    db.session.commit()
    flash("Treatment deleted, with its dose log and follow-up reminder.", "info")
    return redirect(url_for("treatments.index"))


@bp.post("/<int:treatment_id>/doses")
@login_required
def add_dose(treatment_id: int):
    treatment = owned_or_404(Treatment, treatment_id)
    form = DoseForm()
    if form.validate():
        try:
            dose = service.add_dose_change(
                treatment,
                form.moment,
                float(form.rate.data),
                form.unit.data,
                current_user.weight_kg,
                form.note.data or "",
            )
        except ValueError as exc:
            form.rate.errors = [str(exc)]
        else:
            db.session.commit()
            if service.above_documented_maximum(dose):
                flash(
                    "Saved. This rate is higher than the highest rate used in the study"
                    " (1 mg/kg/h); the diary only records it.",
                    "warning",
                )
            else:
                flash("Rate change saved.", "success")
            return redirect(
                url_for("treatments.detail", treatment_id=treatment.id, _anchor="doses")
            )
    return _detail(treatment, dose_form=form), 422


@bp.post("/<int:treatment_id>/medicines")
@login_required
def add_medicine(treatment_id: int):
    treatment = owned_or_404(Treatment, treatment_id)
    form = MedicineForm()
    if form.validate():
        service.add_medicine(
            treatment,
            form.role.data,
            text_of(form.name),
            text_of(form.dose),
            form.note.data or "",
        )
        db.session.commit()
        flash("Medicine saved.", "success")
        return redirect(
            url_for("treatments.detail", treatment_id=treatment.id, _anchor="medicines")
        )
    return _detail(treatment, medicine_form=form), 422


@bp.post("/<int:treatment_id>/<any(doses, medicines):part>/<int:child_id>/delete")
@login_required
def delete_part(treatment_id: int, part: str, child_id: int):
    model = DoseChange if part == "doses" else TreatmentMedicine
    child = service.get_child(current_user, model, child_id)
    if child is None or child.treatment_id != treatment_id:
        abort(404)
    db.session.delete(child)
    db.session.commit()
    flash("Removed.", "info")
    return redirect(url_for("treatments.detail", treatment_id=treatment_id, _anchor=part))
