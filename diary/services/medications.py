"""Acute medication doses, recent-medicine quick picks, and medication-overuse days."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from diary import reference
from diary.clock import start_of
from diary.dbfunc import day_of
from diary.extensions import db
from diary.models import MedicationDose, User
from diary.services.scoping import find_by_client_key
from diary.validation import check_note

# ICHD-3 looks at a month; the diary counts the 30 days ending on the day asked about.
OVERUSE_WINDOW_DAYS = 30
NAME_MAX = 200


def check_dose(name: str, dose: str, med_class: str, note: str) -> None:
    if not name.strip():
        raise ValueError("Give the medicine's name.")
    if len(name) > NAME_MAX or len(dose) > NAME_MAX:
        raise ValueError(f"Names and doses can be up to {NAME_MAX} characters.")
    if med_class not in reference.medication_classes():
        known = ", ".join(reference.medication_classes())
        raise ValueError(f"'{med_class}' is not a medication class; use one of: {known}.")
    check_note(note)


def add_dose(
    user: User,
    taken_at: datetime,
    name: str,
    dose: str,
    med_class: str,
    note: str = "",
    client_key: str | None = None,
) -> MedicationDose:
    values = _values(user, taken_at, name, dose, med_class, note, client_key)
    existing = find_by_client_key(MedicationDose, user, client_key)
    if existing is not None:
        return existing
    taken = MedicationDose(**values)
    db.session.add(taken)
    db.session.flush()
    return taken


def _values(user, taken_at, name, dose, med_class, note="", client_key=None) -> dict:
    """Check a new dose and return its column values."""
    check_dose(name, dose, med_class, note)
    return {
        "user_id": user.id,
        "taken_at": taken_at.replace(second=0, microsecond=0),
        "name": name.strip(),
        "dose": dose.strip(),
        "med_class": med_class,
        "note": note,
        "client_key": client_key or None,
    }


def dose_rows(user: User, records: Iterable[tuple[datetime, str, str, str, str]]) -> list[dict]:
    """Check and build the rows of many doses (taken_at, name, dose, class, note)."""
    return [_values(user, *record) for record in records]


def update_dose(taken: MedicationDose, taken_at, name, dose, med_class, note) -> None:
    check_dose(name, dose, med_class, note)
    taken.taken_at = taken_at.replace(second=0, microsecond=0)
    taken.name, taken.dose, taken.med_class, taken.note = (
        name.strip(),
        dose.strip(),
        med_class,
        note,
    )
    db.session.flush()


def user_doses(user: User):
    return (
        select(MedicationDose)
        .where(MedicationDose.user_id == user.id)
        .order_by(MedicationDose.taken_at.desc(), MedicationDose.id.desc())
    )


@dataclass(frozen=True)
class RecentMedicine:
    name: str
    dose: str
    med_class: str


def recent_medicines(user: User, limit: int = 6) -> list[RecentMedicine]:
    """Return the user's most recently taken distinct medicines, for one-tap logging."""
    rows = db.session.execute(
        select(MedicationDose.name, MedicationDose.dose, MedicationDose.med_class)
        .where(MedicationDose.user_id == user.id)
        .group_by(MedicationDose.name, MedicationDose.dose, MedicationDose.med_class)
        .order_by(func.max(MedicationDose.taken_at).desc())
        .limit(limit)
    )
    return [RecentMedicine(*row) for row in rows]


@dataclass(frozen=True)
class OveruseReport:
    first_day: date
    last_day: date
    days_by_class: dict[str, int]
    flags: list[str]

    def as_json(self) -> dict:
        return {
            "first_day": self.first_day.isoformat(),
            "last_day": self.last_day.isoformat(),
            "days_by_class": self.days_by_class,
            "flags": self.flags,
        }


def overuse(user: User, as_of: date) -> OveruseReport:
    """Count distinct days of intake per class over the 30 days ending on as_of (ICHD-3 8.2)."""
    first = as_of - timedelta(days=OVERUSE_WINDOW_DAYS - 1)
    day = day_of(MedicationDose.taken_at)
    rows = db.session.execute(
        select(MedicationDose.med_class, func.count(day.distinct()))
        .where(
            MedicationDose.user_id == user.id,
            MedicationDose.taken_at >= start_of(first),
            MedicationDose.taken_at < start_of(as_of + timedelta(days=1)),
        )
        .group_by(MedicationDose.med_class)
    )
    counted = {med_class: days for med_class, days in rows}
    classes = reference.medication_classes()
    days_by_class = {code: counted.get(code, 0) for code in classes}
    flags = sorted(
        code
        for code, entry in classes.items()
        if entry["overuse_days"] is not None and days_by_class[code] >= entry["overuse_days"]
    )
    return OveruseReport(first, as_of, days_by_class, flags)
