"""Treatments, their dose log and medicines, and the follow-up reminder they carry."""

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from diary import reference, rules
from diary.clock import local_today, shift
from diary.extensions import db
from diary.models import DoseChange, Reminder, Treatment, TreatmentMedicine, User
from diary.models.reminder import FOLLOW_UP
from diary.models.treatment import MedicineRole, RateUnit
from diary.rules import NAME_MAX, Checker
from diary.services.idempotency import check_key
from diary.services.rows import as_entered, change, remove, store_once
from diary.services.writes import writes
from diary.urls import MAX_ID

FOLLOW_UP_DAYS = int(reference.infusion_protocol()["follow_up"]["value"])
MEDICINE_ROLES = tuple(MedicineRole)
RATE_UNITS = tuple(RateUnit)
# No infusion comes near this; a larger number is a typing slip.
RATE_MAX = 1000
SETTING_MAX = 200
# What an edit may change.
EDITABLE = ("kind", "name", "started_on", "ended_on", "setting", "notes")


def checked_treatment(
    user: User,
    *,
    kind: Any,
    started_on: Any,
    name: Any = "",
    ended_on: Any = None,
    setting: Any = "",
    notes: Any = "",
    client_key: Any = None,
    created_at: Any = None,
) -> dict[str, Any]:
    """Check a treatment's values and return its columns; raise EntryError naming each problem.

    A treatment may be planned up to two years ahead; its end is never before its start.
    """
    today = local_today(user.timezone)
    check = Checker()
    values = {
        "user_id": user.id,
        "kind": check(
            "kind", rules.choice, kind, lazy_gettext("treatment kind"), reference.treatment_kinds()
        ),
        "name": check("name", rules.text, name, lazy_gettext("Name"), NAME_MAX),
        "started_on": check(
            "started_on", rules.day, started_on, lazy_gettext("Start date"), today, planned=True
        ),
        "ended_on": None
        if ended_on in (None, "")
        else check("ended_on", rules.day, ended_on, lazy_gettext("End date"), today, planned=True),
        "setting": check("setting", rules.text, setting, lazy_gettext("Setting"), SETTING_MAX),
        "notes": check("notes", rules.note, notes, lazy_gettext("Notes")),
        "client_key": check("client_key", check_key, client_key),
    } | rules.kept(check, created_at)
    started, ended = values["started_on"], values["ended_on"]
    if started and ended and ended < started:
        check.fail("ended_on", _("The end date is before the start date."))
    check.done()
    return values


def user_treatments(user: User) -> Sequence[Treatment]:
    """Return the user's treatments, newest first, with their follow-ups (the list shows them)."""
    return db.session.scalars(
        select(Treatment)
        .where(Treatment.user_id == user.id)
        # One query for every follow-up, not one per treatment.
        .options(selectinload(Treatment.follow_up))
        .order_by(Treatment.started_on.desc(), Treatment.id.desc())
    ).all()


@writes
def add_treatment(user: User, **fields: Any) -> Treatment:
    """Store a treatment with its follow-up reminder; a repeated client_key stores it once."""
    values = checked_treatment(user, **fields)
    treatment = store_once(Treatment, Treatment.user_id == user.id, values, fields)
    sync_follow_up(treatment)
    db.session.flush()
    return treatment


@writes
def update_treatment(user: User, treatment: Treatment, **changes: Any) -> None:
    """Change some of a treatment's values; its follow-up reminder moves with the end date."""
    values = checked_treatment(user, **(as_entered(treatment, EDITABLE) | changes))
    change(treatment, values, EDITABLE)
    sync_follow_up(treatment)
    db.session.flush()


@writes
def delete_treatment(treatment: Treatment) -> None:
    """Delete a treatment with its dose log, medicines and follow-up reminder."""
    remove(treatment)


@writes
def settle_past_follow_up(treatment: Treatment, today: date) -> None:
    """Mark done a follow-up that fell due before today: a treatment brought in from history.

    A year of imported treatments would otherwise make visits months ago things to do now.
    """
    if treatment.follow_up is not None and treatment.follow_up.due_on < today:
        treatment.follow_up.done_on = today
        db.session.flush()


def follow_up_title(treatment: Treatment) -> str:
    """Return the stored title, in English: pages show Reminder.shown_title in their language."""
    label = reference.treatment_kinds()[treatment.kind].words
    return f"Follow up with your headache specialist after: {label}"


def sync_follow_up(treatment: Treatment) -> None:
    """Keep the follow-up reminder due FOLLOW_UP_DAYS after the end date (seed 000).

    Every way a treatment changes goes through here, so the reminder moves with
    the end date and goes away while the treatment has none.
    """
    if treatment.ended_on is None:
        treatment.follow_up = None
        return
    due_on = shift(treatment.ended_on, FOLLOW_UP_DAYS)
    if treatment.follow_up is None:
        treatment.follow_up = Reminder(user_id=treatment.user_id, kind=FOLLOW_UP, due_on=due_on)
    elif treatment.follow_up.due_on != due_on:
        # A new date is a new reminder to act on: forget the old booking and email.
        treatment.follow_up.due_on = due_on
        treatment.follow_up.emailed_for = None
    treatment.follow_up.title = follow_up_title(treatment)


def checked_dose_change(
    user: User,
    treatment: Treatment,
    *,
    changed_at: Any,
    value: Any,
    unit: Any,
    note: Any = "",
    client_key: Any = None,
    rate_mg_per_kg_h: Any = None,
) -> dict[str, Any]:
    """Check a rate change and return its columns, the rate also in mg/kg/h; raise EntryError.

    rate_mg_per_kg_h is the converted rate a restore keeps (an mg/h rate was converted
    with the body weight of the day); otherwise it is converted with today's weight.
    """
    check = Checker()
    moment = check("changed_at", rules.entry_time, changed_at, user.timezone)
    rate = check("value", rules.number, value, lazy_gettext("Rate"), 0, RATE_MAX)
    unit = check("unit", rules.choice, unit, lazy_gettext("rate unit"), RATE_UNITS)
    if unit == RateUnit.MG_PER_H and not user.weight_kg and rate_mg_per_kg_h is None:
        check.fail("unit", _("Add your body weight in Settings to enter rates in mg/h."))
    values = {
        "treatment_id": treatment.id,
        "note": check("note", rules.note, note),
        "client_key": check("client_key", check_key, client_key),
    }
    check.done()
    if rate_mg_per_kg_h is not None:
        per_kg_h = check(
            "rate_mg_per_kg_h", rules.number, rate_mg_per_kg_h, lazy_gettext("Rate"), 0, RATE_MAX
        )
        check.done()
    elif unit == RateUnit.MG_PER_KG_H:
        per_kg_h = rate
    else:
        per_kg_h = rate / Decimal(str(user.weight_kg))
    return values | {
        "changed_at": moment.replace(fold=0),
        "entered_value": float(rate),
        "entered_unit": unit,
        "rate_mg_per_kg_h": float(per_kg_h),
    }


@writes
def add_dose_change(user: User, treatment: Treatment, **fields: Any) -> DoseChange:
    """Log a change of infusion rate; a repeated client_key stores it once."""
    values = checked_dose_change(user, treatment, **fields)
    given = ("changed_at", "entered_value", "entered_unit", "note")
    return store_once(DoseChange, DoseChange.treatment_id == treatment.id, values, given)


def above_documented_maximum(dose: DoseChange) -> bool:
    """Tell whether a ketamine infusion's logged rate is higher than the study's highest (seed 001).

    Other infusions (lidocaine, DHE) have no figures here to compare with.
    """
    kind = reference.treatment_kinds()[dose.treatment.kind]
    highest = reference.infusion_protocol()["max_rate"]["value"]
    # A rate converted from mg/h carries float noise; a millionth is far below any real step.
    return bool(kind.get("ketamine_protocol")) and dose.rate_mg_per_kg_h > highest + 1e-6


def checked_medicine(
    treatment: Treatment,
    *,
    role: Any,
    name: Any,
    dose: Any = "",
    note: Any = "",
    client_key: Any = None,
) -> dict[str, Any]:
    """Check a medicine given with a treatment and return its columns; raise EntryError."""
    check = Checker()
    values = {
        "treatment_id": treatment.id,
        "role": check("role", rules.choice, role, lazy_gettext("medicine role"), MEDICINE_ROLES),
        "name": check(
            "name", rules.text, name, lazy_gettext("Medicine name"), NAME_MAX, required=True
        ),
        "dose": check("dose", rules.text, dose, lazy_gettext("Dose"), NAME_MAX),
        "note": check("note", rules.note, note),
        "client_key": check("client_key", check_key, client_key),
    }
    check.done()
    return values


@writes
def add_medicine(treatment: Treatment, **fields: Any) -> TreatmentMedicine:
    """Record a medicine given during a treatment or at discharge."""
    values = checked_medicine(treatment, **fields)
    owner = TreatmentMedicine.treatment_id == treatment.id
    return store_once(TreatmentMedicine, owner, values, fields)


@writes
def delete_part(part: DoseChange | TreatmentMedicine) -> None:
    """Remove a rate change or a medicine from its treatment."""
    remove(part)


def get_child(user: User, model, child_id: int):
    """Return a dose change or medicine of one of the user's treatments, else None."""
    if not 1 <= child_id <= MAX_ID:
        return None
    return db.session.scalar(
        select(model)
        .join(Treatment, model.treatment_id == Treatment.id)
        .where(model.id == child_id, Treatment.user_id == user.id)
    )
