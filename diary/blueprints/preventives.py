"""Preventive regimens: add, change the dose, stop, and mark doses taken or missed."""

from typing import ClassVar

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import SelectChoice, SelectField, StringField, TextAreaField
from wtforms.widgets import DateInput, NumberInput

from diary import reference
from diary.clock import local_today, shift
from diary.forms import EntryForm, form_page, one_tap, owned_or_404, save
from diary.models import PreventiveRegimen
from diary.rules import EntryError
from diary.services import preventives as service

bp = Blueprint("preventives", __name__, url_prefix="/preventives")

# The adherence the list shows: the last four weeks.
ADHERENCE_DAYS = 28
EVERY_DAYS, EVERY_WEEKS = "every_days", "every_weeks"


class RegimenForm(EntryForm):
    name = StringField(_l("Medicine"))
    dose = StringField(_l("Dose (optional)"))
    how_often = SelectField(
        _l("How often"),
        choices=[
            SelectChoice(service.DAILY, _l("Once a day")),
            SelectChoice(service.TWICE_DAILY, _l("Twice a day")),
            SelectChoice(EVERY_DAYS, _l("Every few days")),
            SelectChoice(EVERY_WEEKS, _l("Every few weeks (injections)")),
        ],
        validate_choice=False,
    )
    every = StringField(_l("Every how many days or weeks"), widget=NumberInput(min=1))
    started_on = StringField(_l("Started on"), widget=DateInput())
    ended_on = StringField(_l("Stopped on (last day taken; empty while taken)"), widget=DateInput())
    note = TextAreaField(_l("Note (optional)"))
    shows: ClassVar[dict[str, str]] = {"schedule": "how_often"}

    @property
    def schedule(self) -> str:
        """Return the schedule code the two fields make: daily, every_4_weeks..."""
        how = self.how_often.data or ""
        if how in (EVERY_DAYS, EVERY_WEEKS):
            return f"every_{(self.every.data or '').strip()}_{how.removeprefix('every_')}"
        return how

    @classmethod
    def showing(cls, regimen: PreventiveRegimen) -> "RegimenForm":
        """Return the form filled with a regimen's values, its schedule split in two."""
        schedule = service.schedule_of(regimen.schedule)
        how, every = schedule.code, ""
        if schedule.code not in (service.DAILY, service.TWICE_DAILY):
            _, every, unit = schedule.code.split("_")
            how = f"every_{unit}"
        return cls(obj=regimen, data={"how_often": how, "every": every})

    def entered(self) -> dict:
        return self.values("name", "dose", "started_on", "ended_on", "note") | {
            "schedule": self.schedule
        }


class ChangeDoseForm(EntryForm):
    dose = StringField(_l("New dose"))
    on = StringField(_l("From"), widget=DateInput())


def _choices() -> list[tuple[str, str]]:
    """Return the names the picker offers, with the schedule each usually has."""
    return [(e.label, e["usual_schedule"]) for e in reference.preventives().values()]


@bp.get("/")
@login_required
def index():
    today = local_today(current_user.timezone)
    first = shift(today, 1 - ADHERENCE_DAYS)
    regimens = list(reversed(service.user_regimens(current_user)))
    return render_template(
        "preventives/index.html",
        regimens=regimens,
        adherence={r.id: service.adherence(r, first, today) for r in regimens},
        first=first,
        today=today,
        schedule_of=service.schedule_of,
    )


def _page(form: RegimenForm, regimen: PreventiveRegimen | None):
    def write():
        if regimen is None:
            return service.add_regimen(
                current_user, client_key=form.client_key.data, **form.entered()
            )
        return service.update_regimen(current_user, regimen, **form.entered())

    if save(form, write):
        flash(_("Preventive saved."), "success")
        return redirect(url_for("preventives.index"))
    return form_page(
        "preventives/form.html",
        form,
        regimen=regimen,
        choices=_choices(),
        change_form=ChangeDoseForm.fresh(on=local_today(current_user.timezone).isoformat()),
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    today = local_today(current_user.timezone).isoformat()
    return _page(RegimenForm.new_entry(started_on=today), None)


@bp.route("/<int:regimen_id>/edit", methods=["GET", "POST"])
@login_required
def edit(regimen_id: int):
    regimen = owned_or_404(PreventiveRegimen, regimen_id)
    form = RegimenForm.showing(regimen) if request.method == "GET" else RegimenForm()
    return _page(form, regimen)


@bp.post("/<int:regimen_id>/dose")
@login_required
def change_dose(regimen_id: int):
    """End the regimen the day before and start the same medicine at the new dose."""
    regimen = owned_or_404(PreventiveRegimen, regimen_id)
    form = ChangeDoseForm()
    try:
        form.require_valid()
        service.change_dose(current_user, regimen, dose=form.dose.data, on=form.on.data)
    except EntryError as exc:
        flash(" ".join(exc.errors.values()), "error")
        return redirect(url_for("preventives.edit", regimen_id=regimen.id))
    flash(_("Dose changed: the earlier dose ends the day before."), "success")
    return redirect(url_for("preventives.index"))


@bp.post("/<int:regimen_id>/mark")
@login_required
def mark(regimen_id: int):
    """Mark a due dose taken (given) or missed."""
    regimen = owned_or_404(PreventiveRegimen, regimen_id)
    marked = {name: request.form.get(name, "") for name in ("due_on", "status")}
    return one_tap(
        lambda: service.mark_dose(current_user, regimen, **marked),
        _("Marked: %(name)s.", name=regimen.name),
        "preventives.index",
    )


@bp.post("/<int:regimen_id>/delete")
@login_required
def delete(regimen_id: int):
    service.delete_regimen(owned_or_404(PreventiveRegimen, regimen_id))
    flash(_("Preventive removed."), "info")
    return redirect(url_for("preventives.index"))
