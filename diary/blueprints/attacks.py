"""Attacks from home in one tap each, their details form and list, and marks on today."""

from collections.abc import Callable
from typing import Any, ClassVar

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.widgets import DateInput, HiddenInput, TimeInput

from diary import reference
from diary.clock import local_now, local_today
from diary.forms import EntryForm, ServiceForm, form_page, fresh_key, owned_or_404
from diary.i18n import short_moment
from diary.models import Attack, MedicationDose
from diary.models.attack import AURA_KINDS, YES_NO
from diary.models.symptoms import RELIEF_LABELS
from diary.paging import paginate
from diary.rules import EntryError
from diary.services import attacks as service
from diary.services import medications
from diary.services.day_marks import day_mark, mark_day
from diary.services.scoping import owned

bp = Blueprint("attacks", __name__)

# A yes/no answer as the form sends it; anything else goes to the service as sent, to be refused.
ANSWERS = {"yes": True, "no": False, "": None}
MARKS = ("headache_free", "period")
# After this long open, home asks whether the attack is still going (a forgotten stop).
STILL_GOING_HOURS = 24


class DetailsForm(ServiceForm):
    start_day = StringField(_l("Started on"), widget=DateInput())
    start_time = StringField(_l("Time"), widget=TimeInput())
    end_day = StringField(_l("Stopped on"), widget=DateInput())
    end_time = StringField(_l("Time"), widget=TimeInput())
    aura_minutes = StringField(_l("Aura minutes"))
    new_trigger = StringField(_l("Another trigger"))
    location = StringField(_l("Where it hurts"))
    note = TextAreaField(_l("Note (optional)"))
    # The version the page shows, so that a save over a newer one is refused.
    version = IntegerField(widget=HiddenInput())
    shows: ClassVar[dict[str, str]] = {
        "started_at": "start_time",
        "ended_at": "end_time",
        "triggers": "new_trigger",
        "version": "",
    }

    @classmethod
    def showing(cls, attack: Attack) -> "DetailsForm":
        """Return the form filled with an attack's values."""
        end = attack.ended_at
        return cls(
            data={
                "start_day": attack.started_at.date().isoformat(),
                "start_time": f"{attack.started_at:%H:%M}",
                "end_day": end.date().isoformat() if end else "",
                "end_time": f"{end:%H:%M}" if end else "",
                "aura_minutes": "" if attack.aura_minutes is None else attack.aura_minutes,
                "location": attack.location,
                "note": attack.note,
                "version": attack.version,
            }
        )

    def changes(self) -> dict:
        """Return the values sent, as the service takes them."""
        sent = request.form
        triggers = sent.getlist("triggers")
        if (self.new_trigger.data or "").strip():
            triggers.append(self.new_trigger.data)
        # Both end fields left empty: the attack is still going.
        end = f"{self.end_day.data or ''}T{self.end_time.data or ''}".strip("T")
        changes = {
            "started_at": f"{self.start_day.data or ''}T{self.start_time.data or ''}",
            "ended_at": end or None,
            "peak_pain": sent.get("peak_pain", ""),
            "side": sent.get("side", ""),
            "aura": sent.getlist("aura"),
            "triggers": triggers,
            **self.values("aura_minutes", "location", "note"),
        }
        for name in YES_NO:
            answer = sent.get(name, "")
            changes[name] = ANSWERS.get(answer, answer)
        return changes


def _tap(form: ServiceForm, write: Callable[[], Any]) -> Any:
    """Run a one-tap write from home; on refusal show the reason there and return None."""
    try:
        form.require_valid()
        return write()
    except EntryError as exc:
        flash(exc.message, "error")
        return None


@bp.post("/attacks/start")
@login_required
def start():
    """ "Headache started": one tap from home, now."""
    form = EntryForm()
    _tap(form, lambda: service.add_attack(current_user, **form.values("client_key")))
    return redirect(url_for("readings.home"))


@bp.post("/attacks/stop")
@login_required
def stop():
    """ "It has stopped": one tap from home, now; the details can follow."""
    attack = _tap(ServiceForm(), lambda: service.stop_attack(current_user))
    if attack is None:
        return redirect(url_for("readings.home"))
    return redirect(url_for("readings.home", stopped=attack.id, _anchor="stopped"))


@bp.post("/days/today")
@login_required
def mark_today():
    """Mark today "no headache" or a period day, or take the mark back, in one tap."""
    mark = request.form.get("mark")
    if mark not in MARKS:
        abort(400)
    today = local_today(current_user.timezone)
    marked = {mark: request.form.get("value") == "yes"}
    _tap(ServiceForm(), lambda: mark_day(current_user, today, **marked))
    return redirect(url_for("readings.home"))


@bp.get("/attacks")
@login_required
def index():
    page = paginate(service.user_attacks(current_user))
    return render_template(
        "attacks/index.html",
        page=page,
        strength=service.intensities(current_user, page.items),
        lasted={a.id: service.minutes_lasted(a, current_user.timezone) for a in page.items},
        noted={a.id: noted(a) for a in page.items},
    )


def noted(attack: Attack) -> list[str]:
    """Return what was noted about an attack, in words: "left", "no nausea", "aura: visual"."""
    words = [str(service.SIDE_LABELS[attack.side])] if attack.side else []
    for name in YES_NO:
        label = service.LABELS[name]
        if getattr(attack, name) is True:
            words.append(str(label))
        elif getattr(attack, name) is False:
            words.append(_("%(feature)s: no", feature=label))
    if attack.aura:
        kinds = ", ".join(str(service.AURA_LABELS[k]) for k in attack.aura_kinds)
        if attack.aura_minutes is not None:
            kinds = _("%(kinds)s, %(minutes)s min", kinds=kinds, minutes=attack.aura_minutes)
        words.append(_("aura: %(kinds)s", kinds=kinds))
    catalogue = reference.triggers()
    words += [t.own.name if t.own else catalogue[t.code].label for t in attack.triggers]
    return words


def doses_during(attack: Attack) -> tuple[list[MedicationDose], list[MedicationDose]]:
    """Return the doses taken while an attack lasted (so far): those 2 hours old or more,
    whose effect at 2 hours can be answered, and the later ones."""
    now = local_now(current_user.timezone)
    doses = medications.doses_between(current_user, attack.started_at, attack.ended_at or now)
    asked_from = now - medications.RELIEF_ASKED_AFTER
    answerable = [d for d in doses if d.taken_at <= asked_from]
    return answerable, [d for d in doses if d.taken_at > asked_from]


def relief_answers(doses: list[MedicationDose]) -> dict[int, str]:
    """Return each dose's effect at 2 hours as the page shows it: as sent, else as stored."""
    return {d.id: request.form.get(f"relief_2h-{d.id}", d.relief_2h or "") for d in doses}


def answer_reliefs(doses: list[MedicationDose], answers: dict[int, str]) -> None:
    """Save the effects at 2 hours that the page changed, each through the dose's service."""
    for dose in doses:
        if answers[dose.id] != (dose.relief_2h or ""):
            medications.answer_relief(current_user, dose, answers[dose.id])


@bp.route("/attacks/<int:attack_id>/edit", methods=["GET", "POST"])
@login_required
def edit(attack_id: int):
    attack = owned_or_404(Attack, attack_id)
    # The doses of the span the page showed, before a save moves it.
    doses, too_recent = doses_during(attack)
    answers = relief_answers(doses)
    form = DetailsForm.showing(attack) if request.method == "GET" else DetailsForm()
    if form.validate_on_submit():
        try:
            service.update_attack(current_user, attack, version=form.version.data, **form.changes())
            answer_reliefs(doses, answers)
        except EntryError as exc:
            if "version" in exc.errors:
                # Keep what this page typed; the next save is made over the version shown now.
                form.version.raw_data, form.version.data = None, attack.version
            form.show(exc)
        else:
            flash(
                _("Saved the attack of %(moment)s.", moment=short_moment(attack.started_at)),
                "success",
            )
            return redirect(url_for("attacks.index"))
    chosen = service.as_entered(attack) | {"aura": attack.aura_kinds}
    if request.method == "POST":
        chosen = form.changes()
    return form_page(
        "attacks/form.html",
        form,
        attack=attack,
        chosen=chosen,
        labels=service.LABELS,
        sides=service.SIDE_LABELS,
        auras=service.AURA_LABELS,
        aura_kinds=AURA_KINDS,
        yes_no=YES_NO,
        triggers=service.trigger_choices(current_user),
        trigger_source=reference.sources()["Kelman2007"],
        doses=doses,
        too_recent=too_recent,
        answers=answers,
        relief_labels=RELIEF_LABELS,
        asked_after=medications.RELIEF_ASKED_AFTER,
    )


@bp.post("/attacks/<int:attack_id>/delete")
@login_required
def delete(attack_id: int):
    attack = owned_or_404(Attack, attack_id)
    service.delete_attack(attack)
    flash(_("Removed the attack of %(moment)s.", moment=short_moment(attack.started_at)), "info")
    return redirect(url_for("attacks.index"))


def home_context(user, now) -> dict:
    """Return what home shows of attacks and today's marks: the running attack, its length."""
    running = service.open_attack(user)
    stopped = request.args.get("stopped", type=int)
    just_stopped = owned(Attack, user, stopped) if stopped else None
    return {
        "running": running,
        "running_minutes": service.minutes_lasted(running, user.timezone, now) if running else 0,
        "still_going_after": STILL_GOING_HOURS * 60,
        "just_stopped": just_stopped,
        "stopped_minutes": (
            service.minutes_lasted(just_stopped, user.timezone) if just_stopped else 0
        ),
        "mark": day_mark(user, now.date()),
        "attack_key": fresh_key(),
    }
