"""Treatments: list, add, edit, delete; the dose log and the medicines given."""

from typing import ClassVar

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.widgets import DateInput, NumberInput

from diary import reference
from diary.clock import local_today
from diary.forms import (
    EntryForm,
    MomentForm,
    catalogue_choices,
    form_page,
    owned_or_404,
    pgic_form,
    save,
)
from diary.fragments import kept_render
from diary.models import DoseChange, Treatment, TreatmentMedicine
from diary.models.questionnaire import PGIC
from diary.models.treatment import MedicineRole, RateUnit
from diary.rules import EntryError
from diary.services import questionnaires
from diary.services import treatments as service

bp = Blueprint("treatments", __name__, url_prefix="/treatments")


class TreatmentForm(EntryForm):
    kind = SelectField(_l("Kind of treatment"), validate_choice=False)
    name = StringField(_l("Name"))
    started_on = StringField(_l("Started on"), widget=DateInput())
    ended_on = StringField(_l("Ended on (empty while it runs)"), widget=DateInput())
    setting = StringField(_l("Where (optional)"))
    notes = TextAreaField(_l("Notes (optional)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = catalogue_choices(reference.treatment_kinds())

    def entered(self) -> dict:
        return self.values("kind", "name", "started_on", "ended_on", "setting", "notes")


class DoseForm(MomentForm):
    rate = StringField(_l("Rate"), widget=NumberInput(step="any"))
    unit = RadioField(
        _l("Unit"),
        choices=[SelectChoice(u) for u in service.RATE_UNITS],
        default=RateUnit.MG_PER_KG_H,
        validate_choice=False,
    )
    note = StringField(_l("Note (optional)"))
    shows: ClassVar[dict[str, str]] = MomentForm.shows | {"value": "rate"}


class MedicineForm(EntryForm):
    role = RadioField(
        _l("Given"),
        choices=[
            SelectChoice(MedicineRole.ADJUNCT, _l("during the treatment")),
            SelectChoice(MedicineRole.DISCHARGE, _l("prescribed at discharge")),
        ],
        default=MedicineRole.ADJUNCT,
        validate_choice=False,
    )
    name = StringField(_l("Medicine"))
    dose = StringField(_l("Dose (optional)"))
    note = StringField(_l("Note (optional)"))


def _detail(treatment: Treatment, dose_form=None, medicine_form=None):
    kind = reference.treatment_kinds()[treatment.kind]
    return render_template(
        "treatments/detail.html",
        treatment=treatment,
        kind=kind,
        protocol=reference.infusion_protocol(),
        adjuncts=reference.adjunct_medicines(),
        dose_form=dose_form or DoseForm.fresh(**DoseForm.defaults_now()),
        medicine_form=medicine_form or MedicineForm.fresh(),
        above_maximum=service.above_documented_maximum,
        pgic=reference.questionnaires()["pgic"],
        pgic_form=pgic_form(),
        pgic_answers=questionnaires.answers(current_user, PGIC, treatment),
        today=local_today(current_user.timezone),
    )


@bp.get("/")
@login_required
def index():
    today = local_today(current_user.timezone)
    cards = kept_render(
        "treatments",
        today,
        template="treatments/_list.html",
        context=lambda: {"treatments": service.user_treatments(current_user), "today": today},
    )
    return render_template("treatments/index.html", cards=cards)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    form = TreatmentForm.new_entry()
    if saved := save(
        form,
        lambda: service.add_treatment(
            current_user, client_key=form.client_key.data, **form.entered()
        ),
    ):
        flash(_("Treatment saved."), "success")
        return redirect(url_for("treatments.detail", treatment_id=saved.value.id))
    return form_page("treatments/form.html", form, treatment=None)


@bp.get("/<int:treatment_id>")
@login_required
def detail(treatment_id: int):
    return _detail(owned_or_404(Treatment, treatment_id))


@bp.route("/<int:treatment_id>/edit", methods=["GET", "POST"])
@login_required
def edit(treatment_id: int):
    treatment = owned_or_404(Treatment, treatment_id)
    form = TreatmentForm(obj=treatment)
    if save(form, lambda: service.update_treatment(current_user, treatment, **form.entered())):
        flash(_("Treatment updated; its follow-up reminder moved with it."), "success")
        return redirect(url_for("treatments.detail", treatment_id=treatment.id))
    return form_page("treatments/form.html", form, treatment=treatment)


@bp.post("/<int:treatment_id>/delete")
@login_required
def delete(treatment_id: int):
    service.delete_treatment(owned_or_404(Treatment, treatment_id))
    flash(_("Treatment deleted, with its dose log and follow-up reminder."), "info")
    return redirect(url_for("treatments.index"))


@bp.post("/<int:treatment_id>/doses")
@login_required
def add_dose(treatment_id: int):
    treatment = owned_or_404(Treatment, treatment_id)
    form = DoseForm.new_entry()
    try:
        form.require_valid()
        dose = service.add_dose_change(
            current_user,
            treatment,
            changed_at=form.moment,
            value=form.rate.data,
            **form.values("unit", "note", "client_key"),
        )
    except EntryError as exc:
        form.show(exc)
        return _detail(treatment, dose_form=form), 422
    if service.above_documented_maximum(dose):
        flash(
            _(
                "Saved. This rate is higher than the highest rate used in the study"
                " (1 mg/kg/h); the diary only records it."
            ),
            "warning",
        )
    else:
        flash(_("Rate change saved."), "success")
    return redirect(url_for("treatments.detail", treatment_id=treatment.id, _anchor="doses"))


@bp.post("/<int:treatment_id>/medicines")
@login_required
def add_medicine(treatment_id: int):
    treatment = owned_or_404(Treatment, treatment_id)
    form = MedicineForm.new_entry()
    try:
        form.require_valid()
        service.add_medicine(treatment, **form.values("role", "name", "dose", "note", "client_key"))
    except EntryError as exc:
        form.show(exc)
        return _detail(treatment, medicine_form=form), 422
    flash(_("Medicine saved."), "success")
    return redirect(url_for("treatments.detail", treatment_id=treatment.id, _anchor="medicines"))


@bp.post("/<int:treatment_id>/<any(doses, medicines):part>/<int:child_id>/delete")
@login_required
def delete_part(treatment_id: int, part: str, child_id: int):
    model = DoseChange if part == "doses" else TreatmentMedicine
    child = service.get_child(current_user, model, child_id)
    if child is None or child.treatment_id != treatment_id:
        abort(404)
    service.delete_part(child)
    flash(_("Removed."), "info")
    return redirect(url_for("treatments.detail", treatment_id=treatment_id, _anchor=part))
