"""Treatments, their dose log and medicines, and the follow-up reminder they carry."""

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import select

from diary import reference
from diary.clock import shift
from diary.extensions import db
from diary.models import DoseChange, Reminder, Treatment, TreatmentMedicine, User
from diary.models.reminder import FOLLOW_UP
from diary.urls import MAX_ID

FOLLOW_UP_DAYS = int(reference.infusion_protocol()["follow_up"]["value"])
MEDICINE_ROLES = ("adjunct", "discharge")
RATE_UNITS = ("mg/kg/h", "mg/h")


def check_kind(kind: str) -> str:
    if kind not in reference.treatment_kinds():
        known = ", ".join(reference.treatment_kinds())
        raise ValueError(f"'{kind}' is not a treatment kind; use one of: {known}.")
    return kind


SETTING_MAX = 200


def check_setting(setting: str) -> None:
    if len(setting) > SETTING_MAX:
        raise ValueError(f"The setting can be up to {SETTING_MAX} characters.")


def check_dates(started_on: date, ended_on: date | None, today: date) -> None:
    if started_on > today:
        raise ValueError(f"The start date {started_on} is in the future.")
    if ended_on is not None and ended_on < started_on:
        raise ValueError("The end date is before the start date.")
    if ended_on is not None and ended_on > today:
        raise ValueError(f"The end date {ended_on} is in the future; leave it empty while it runs.")


def user_treatments(user: User) -> Sequence[Treatment]:
    return db.session.scalars(
        select(Treatment)
        .where(Treatment.user_id == user.id)
        .order_by(Treatment.started_on.desc(), Treatment.id.desc())
    ).all()


def add_treatment(
    user: User,
    kind: str,
    started_on: date,
    ended_on: date | None,
    setting: str = "",
    notes: str = "",
) -> Treatment:
    treatment = Treatment(
        user_id=user.id,
        kind=check_kind(kind),
        started_on=started_on,
        ended_on=ended_on,
        setting=setting,
        notes=notes,
    )
    db.session.add(treatment)
    sync_follow_up(treatment)
    db.session.flush()
    return treatment


def update_treatment(
    treatment: Treatment,
    kind: str,
    started_on: date,
    ended_on: date | None,
    setting: str,
    notes: str,
) -> None:
    treatment.kind = check_kind(kind)
    treatment.started_on = started_on
    treatment.ended_on = ended_on
    treatment.setting = setting
    treatment.notes = notes
    sync_follow_up(treatment)
    db.session.flush()


def delete_treatment(treatment: Treatment) -> None:
    """Delete a treatment with its dose log, medicines and follow-up reminder."""
    db.session.delete(treatment)
    db.session.flush()


def follow_up_title(treatment: Treatment) -> str:
    label = reference.treatment_kinds()[treatment.kind].label
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


def to_mg_per_kg_h(value: float, unit: str, weight_kg: float | None) -> float:
    """Convert an entered infusion rate to mg/kg/h."""
    if unit == "mg/kg/h":
        return value
    if unit == "mg/h":
        if not weight_kg:
            raise ValueError("Add your body weight in Settings to enter rates in mg/h.")
        return value / weight_kg
    raise ValueError(f"'{unit}' is not a rate unit; use mg/kg/h or mg/h.")


def add_dose_change(
    treatment: Treatment,
    changed_at: datetime,
    value: float,
    unit: str,
    weight_kg: float | None,
    note: str = "",
) -> DoseChange:
    if value < 0:
        raise ValueError("A rate cannot be negative.")
    dose = DoseChange(
        treatment=treatment,
        changed_at=changed_at,
        rate_mg_per_kg_h=to_mg_per_kg_h(value, unit, weight_kg),
        entered_value=value,
        entered_unit=unit,
        note=note,
    )
    db.session.add(dose)
    db.session.flush()
    return dose


def above_documented_maximum(dose: DoseChange) -> bool:
    """Tell whether a ketamine infusion's logged rate is higher than the study's highest (seed 001).

    Other infusions (lidocaine, DHE) have no figures here to compare with.
    """
    kind = reference.treatment_kinds()[dose.treatment.kind]
    highest = reference.infusion_protocol()["max_rate"]["value"]
    # A rate converted from mg/h carries float noise; a millionth is far below any real step.
    return bool(kind.get("ketamine_protocol")) and dose.rate_mg_per_kg_h > highest + 1e-6


def add_medicine(treatment: Treatment, role: str, name: str, dose: str = "", note: str = ""):
    if role not in MEDICINE_ROLES:
        raise ValueError(f"'{role}' is not adjunct or discharge.")
    medicine = TreatmentMedicine(treatment=treatment, role=role, name=name, dose=dose, note=note)
    db.session.add(medicine)
    db.session.flush()
    return medicine


def get_child(user: User, model, child_id: int):
    """Return a dose change or medicine of one of the user's treatments, else None."""
    if not 1 <= child_id <= MAX_ID:
        return None
    return db.session.scalar(
        select(model)
        .join(Treatment, model.treatment_id == Treatment.id)
        .where(model.id == child_id, Treatment.user_id == user.id)
    )
