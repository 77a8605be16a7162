"""Acute medicines: one-tap logging of recent ones, the full form, the 2-hour question, and
overuse days."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import SelectChoice, SelectField, StringField, TextAreaField

from diary import reference
from diary.clock import local_today
from diary.forms import (
    EntryForm,
    MomentForm,
    catalogue_choices,
    form_page,
    fresh_key,
    one_tap,
    owned_or_404,
    save,
)
from diary.i18n import clock_time
from diary.models import MedicationDose
from diary.models.symptoms import RELIEF_LABELS
from diary.paging import paginate
from diary.rules import EntryError
from diary.services import medications as service

bp = Blueprint("medications", __name__, url_prefix="/medications")


class DoseForm(MomentForm):
    name = StringField(_l("Medicine"))
    dose = StringField(_l("Dose (optional)"))
    med_class = SelectField(_l("Kind of medicine"), validate_choice=False)
    relief_2h = SelectField(_l("2 hours after, the headache was"), validate_choice=False)
    note = TextAreaField(_l("Note (optional)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Nothing chosen until the patient chooses: the class counts for overuse days.
        self.med_class.choices = [
            SelectChoice("", _l("Choose…")),
            *catalogue_choices(reference.medication_classes()),
        ]
        self.relief_2h.choices = [
            SelectChoice("", _l("not answered")),
            *(SelectChoice(code, label) for code, label in RELIEF_LABELS.items()),
        ]


def medicine_choices() -> tuple[tuple[str, str], ...]:
    """Return the name picker's (name, class) in the page's language, then the rest."""
    locale = get_locale()
    return reference.medicine_choices(locale.language if locale else "en")


class QuickDoseForm(EntryForm):
    name = StringField()
    dose = StringField()
    med_class = StringField()


@bp.get("/")
@login_required
def index():
    page = paginate(service.user_doses(current_user))
    return render_template(
        "medications/index.html",
        page=page,
        recent=service.recent_medicines(current_user),
        quick_key=fresh_key(),
        classes=reference.medication_classes(),
        relief_labels=RELIEF_LABELS,
        overuse=service.overuse(current_user, local_today(current_user.timezone)),
    )


@bp.post("/quick")
@login_required
def quick():
    """Log a recent medicine as taken now, in one tap."""
    form = QuickDoseForm()
    try:
        form.require_valid()
        taken = service.add_dose(
            current_user, **form.values("name", "dose", "med_class", "client_key")
        )
    except EntryError as exc:
        flash(str(exc), "error")
    else:
        flash(
            _(
                "Saved: %(medicine)s at %(time)s.",
                medicine=f"{taken.name} {taken.dose}".strip(),
                time=clock_time(taken.taken_at),
            ),
            "success",
        )
    return redirect(url_for("medications.index"))


def _page(form: DoseForm, taken: MedicationDose | None):
    def write():
        values = form.values("name", "dose", "med_class", "note", "relief_2h")
        if taken is None:
            return service.add_dose(
                current_user, taken_at=form.moment, client_key=form.client_key.data, **values
            )
        return service.update_dose(current_user, taken, taken_at=form.moment, **values)

    if save(form, write):
        flash(_("Medicine saved."), "success")
        return redirect(url_for("medications.index"))
    return form_page("medications/form.html", form, taken=taken, names=medicine_choices())


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    return _page(DoseForm.new_entry(**DoseForm.defaults_now()), None)


@bp.route("/<int:dose_id>/edit", methods=["GET", "POST"])
@login_required
def edit(dose_id: int):
    taken = owned_or_404(MedicationDose, dose_id)
    return _page(DoseForm(obj=taken, data=DoseForm.at(taken.taken_at)), taken)


@bp.post("/<int:dose_id>/relief")
@login_required
def relief(dose_id: int):
    """Answer how a dose worked 2 hours after it was taken."""
    taken = owned_or_404(MedicationDose, dose_id)
    relief_2h = request.form.get("relief_2h", "")
    return one_tap(
        lambda: service.answer_relief(current_user, taken, relief_2h),
        _("Thank you: saved."),
        "medications.index",
    )


@bp.post("/<int:dose_id>/delete")
@login_required
def delete(dose_id: int):
    service.delete_dose(owned_or_404(MedicationDose, dose_id))
    flash(_("Medicine removed."), "info")
    return redirect(url_for("medications.index"))
