"""Acute medication doses, recent-medicine quick picks, and medication-overuse days."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select

from diary import reference
from diary.clock import shift, start_of
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
class OveruseWindow:
    """Days of intake in one 30-day window, per class, and the ICHD-3 8.2 flags they raise."""

    first_day: date
    last_day: date
    days_by_class: dict[str, int]
    any_class_days: int
    flags: list[str]

    def as_json(self) -> dict:
        return {
            "first_day": self.first_day.isoformat(),
            "last_day": self.last_day.isoformat(),
            "days_by_class": self.days_by_class,
            "flags": self.flags,
        }


@dataclass(frozen=True)
class OveruseReport(OveruseWindow):
    """The 30 days ending on the as-of day, the two windows before, and what all three flag."""

    previous: tuple[OveruseWindow, ...] = ()
    sustained_3_months: tuple[str, ...] = ()

    def as_json(self) -> dict:
        return super().as_json() | {
            "any_class_days": self.any_class_days,
            "previous": [window.as_json() for window in self.previous],
            "sustained_3_months": list(self.sustained_3_months),
        }


def _window(intake: dict[str, set[date]], first: date, last: date) -> OveruseWindow:
    classes = reference.medication_classes()
    days_by_class = {
        code: sum(first <= d <= last for d in intake.get(code, ())) for code in classes
    }
    flags = [
        code
        for code, entry in classes.items()
        if entry["overuse_days"] is not None and days_by_class[code] >= entry["overuse_days"]
    ]
    # ICHD-3 8.2.6: the overuse classes together, on distinct days, when none is overused alone.
    counted = {code for code, entry in classes.items() if entry["overuse_days"] is not None}
    any_days = {d for code in counted for d in intake.get(code, ()) if first <= d <= last}
    together = reference.overuse_rules()["multiple_classes"]
    if not flags and len(any_days) >= together["overuse_days"]:
        flags.append(together.code)
    return OveruseWindow(first, last, days_by_class, len(any_days), sorted(flags))


def overuse(user: User, as_of: date) -> OveruseReport:
    """Count days of intake per class in the 30 days ending on as_of and the two windows before.

    ICHD-3 8.2 counts days, not doses; a class is flagged at its threshold, several
    classes together at 10 days (8.2.6), and it asks for overuse of more than 3 months:
    sustained_3_months lists what is flagged in all three windows.
    """
    months = int(reference.overuse_rules()["more_than_3_months"]["months"])
    earliest = shift(as_of, -(OVERUSE_WINDOW_DAYS * months - 1))
    day = day_of(MedicationDose.taken_at)
    rows = db.session.execute(
        select(MedicationDose.med_class, day)
        .where(
            MedicationDose.user_id == user.id,
            MedicationDose.taken_at >= start_of(earliest),
            MedicationDose.taken_at < start_of(shift(as_of, 1)),
        )
        .distinct()
    )
    intake: dict[str, set[date]] = {}
    for med_class, taken_on in rows:
        intake.setdefault(med_class, set()).add(taken_on)
    windows = []
    for n in range(months):
        last = shift(as_of, -OVERUSE_WINDOW_DAYS * n)
        windows.append(_window(intake, shift(last, -(OVERUSE_WINDOW_DAYS - 1)), last))
    current, *previous = windows
    sustained = set(current.flags).intersection(*(w.flags for w in previous))
    return OveruseReport(
        **vars(current), previous=tuple(previous), sustained_3_months=tuple(sorted(sustained))
    )
