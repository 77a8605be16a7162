"""Acute medication doses, recent-medicine quick picks, and medication-overuse days."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy import delete, select

from diary import reference, rules
from diary.clock import shift, start_of
from diary.dbfunc import day_of
from diary.extensions import db
from diary.models import MedicationDose, User
from diary.rules import NAME_MAX, Checker
from diary.services.idempotency import check_key
from diary.services.rows import as_entered, change, remove, store_once
from diary.services.writes import writes

# ICHD-3 looks at a month; the diary counts the 30 days ending on the day asked about.
OVERUSE_WINDOW_DAYS = 30

# What an edit may change (the time keeps its fold).
EDITABLE = ("taken_at", "name", "dose", "med_class", "note")


def checked_dose(
    user: User,
    *,
    taken_at: Any = None,
    name: Any,
    dose: Any = "",
    med_class: Any,
    note: Any = "",
    client_key: Any = None,
    created_at: Any = None,
) -> dict[str, Any]:
    """Check a medication dose's values and return its columns; raise EntryError."""
    check = Checker()
    moment = check("taken_at", rules.entry_time, taken_at, user.timezone)
    values = {
        "user_id": user.id,
        "name": check(
            "name", rules.text, name, lazy_gettext("Medicine name"), NAME_MAX, required=True
        ),
        "dose": check("dose", rules.text, dose, lazy_gettext("Dose"), NAME_MAX),
        "med_class": check("med_class", _med_class, med_class),
        "note": check("note", rules.note, note),
        "client_key": check("client_key", check_key, client_key),
    } | rules.kept(check, created_at)
    check.done()
    return values | rules.with_fold("taken_at", moment)


def _med_class(value: Any) -> str:
    """Return the medication class chosen; refuse a missing one rather than assume it."""
    # The class decides which overuse days a dose counts for: a default would count
    # an antiemetic as a triptan.
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValueError(_("Choose the kind of medicine."))
    return rules.choice(value, lazy_gettext("medication class"), reference.medication_classes())


@writes
def add_dose(user: User, *, taken_at: Any = None, **fields: Any) -> MedicationDose:
    """Store a dose taken; a repeated client_key returns the dose stored the first time."""
    values = checked_dose(user, taken_at=taken_at, **fields)
    given = [*fields, *(("taken_at", "fold") if taken_at is not None else ())]
    return store_once(MedicationDose, MedicationDose.user_id == user.id, values, given)


@writes
def update_dose(user: User, taken: MedicationDose, **changes: Any) -> None:
    """Change some of the values of a MedicationDose entry."""
    values = checked_dose(user, **(as_entered(taken, EDITABLE, "taken_at") | changes))
    change(taken, values, (*EDITABLE, "fold"))


@writes
def delete_dose(taken: MedicationDose) -> None:
    remove(taken)


@writes
def delete_imported(user: User, client_keys: list[str]) -> None:
    """Delete the user's doses of these keys: an import replaces them with a more exact record."""
    for n in range(0, len(client_keys), 500):
        db.session.execute(
            delete(MedicationDose).where(
                MedicationDose.user_id == user.id,
                MedicationDose.client_key.in_(client_keys[n : n + 500]),
            )
        )


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


# The doses recent_medicines looks through, newest first: more than a year of daily doses,
# and the work stays the same however long the history grows.
RECENT_DOSES = 500


def recent_medicines(user: User, limit: int = 6) -> list[RecentMedicine]:
    """Return the distinct medicines of the user's last RECENT_DOSES doses, newest first."""
    newest = db.session.execute(
        select(MedicationDose.name, MedicationDose.dose, MedicationDose.med_class)
        .where(MedicationDose.user_id == user.id)
        .order_by(MedicationDose.taken_at.desc(), MedicationDose.id.desc())
        .limit(RECENT_DOSES)
    )
    distinct = dict.fromkeys(tuple(row) for row in newest)
    return [RecentMedicine(*row) for row in list(distinct)[:limit]]


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
    # ICHD-3 8.2.6: two or more classes, each taken on at least one day, on 10 or more
    # days in all, none of them at its own threshold. One class alone is never 8.2.6.
    counted = {code for code, entry in classes.items() if entry["overuse_days"] is not None}
    any_days = {d for code in counted for d in intake.get(code, ()) if first <= d <= last}
    taken = [code for code in counted if days_by_class[code]]
    together = reference.overuse_rules()["multiple_classes"]
    if not flags and len(taken) >= 2 and len(any_days) >= together["overuse_days"]:
        flags.append(together.code)
    return OveruseWindow(first, last, days_by_class, len(any_days), sorted(flags))


def overuse(user: User, as_of: date) -> OveruseReport:
    """Count days of intake per class in the 30 days ending on as_of and the two windows before.

    ICHD-3 8.2 counts days, not doses; a class is flagged at its threshold, two or more
    classes together at 10 days in all when none is at its own (8.2.6), and it asks for
    overuse of more than 3 months: sustained_3_months lists what is flagged in all three.
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
