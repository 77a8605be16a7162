"""Acute medication doses, their effect at 2 hours, recent-medicine quick picks, and
medication-overuse days."""

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy import bindparam, delete, select

from diary import reference, rules
from diary.cache import per_user
from diary.clock import any_between, shift, start_of, start_of_yesterday
from diary.dbfunc import day_of
from diary.extensions import db
from diary.models import MedicationDose, User
from diary.models.symptoms import RELIEF_2H
from diary.rules import NAME_MAX, Checker
from diary.services.idempotency import check_key
from diary.services.rows import as_entered, change, remove, store_once
from diary.services.writes import writes

# ICHD-3 looks at a month; the diary counts the 30 days ending on the day asked about.
OVERUSE_WINDOW_DAYS = 30

# What an edit may change (the time keeps its fold).
EDITABLE = ("taken_at", "name", "dose", "med_class", "note", "relief_2h")
# The fields' names, as a refusal says them.
LABELS = {
    "name": lazy_gettext("Medicine name"),
    "dose": lazy_gettext("Dose"),
    "med_class": lazy_gettext("medication class"),
    "relief_2h": lazy_gettext("effect at 2 hours"),
}
# Home asks how a dose worked from 2 hours after it (the IHS endpoints' time) for a day.
RELIEF_ASKED_AFTER, RELIEF_ASKED_FOR = timedelta(hours=2), timedelta(hours=24)


def checked_dose(
    user: User | rules.Owner,
    *,
    taken_at: Any = None,
    name: Any,
    dose: Any = "",
    med_class: Any = None,
    note: Any = "",
    relief_2h: Any = None,
    client_key: Any = None,
    created_at: Any = None,
) -> dict[str, Any]:
    """Check a medication dose's values and return its columns; raise EntryError.

    A medicine of seeds/medicine_names.json gets its class from the list when none is
    chosen; any other needs its class chosen.
    """
    check = Checker()
    moment = check("taken_at", rules.entry_time, taken_at, user.timezone)
    name = check("name", rules.text, name, LABELS["name"], NAME_MAX, required=True)
    values = {
        "user_id": user.id,
        "name": name,
        "dose": check("dose", rules.text, dose, LABELS["dose"], NAME_MAX),
        "med_class": check("med_class", _med_class, med_class, name),
        "note": check("note", rules.note, note),
        "relief_2h": check.optional(
            "relief_2h", rules.choice, relief_2h, LABELS["relief_2h"], RELIEF_2H
        ),
        "client_key": check("client_key", check_key, client_key),
    }
    values.update(rules.kept(check, created_at))
    check.done()
    values.update(rules.with_fold("taken_at", moment))
    return values


def _med_class(value: Any, name: str | None) -> str:
    """Return the class chosen, else the listed medicine's; refuse to assume one otherwise."""
    # The class decides which overuse days a dose counts for: a default would count
    # an antiemetic as a triptan.
    if value is None or (isinstance(value, str) and not value.strip()):
        listed = reference.medicine_class(name) if name else None
        if listed is None:
            raise ValueError(
                _("This medicine is not in the diary's list: choose the kind of medicine.")
            )
        return listed
    return rules.choice(value, LABELS["med_class"], reference.medication_classes())


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
def answer_relief(user: User, taken: MedicationDose, relief_2h: Any) -> None:
    """Record how a dose worked 2 hours after it was taken."""
    update_dose(user, taken, relief_2h=relief_2h)


# Built once: home asks at every view (a statement built anew costs its cache key each time).
RELIEF_QUESTIONS = (
    select(MedicationDose)
    .where(
        MedicationDose.user_id == bindparam("user_id"),
        MedicationDose.relief_2h.is_(None),
        MedicationDose.taken_at <= bindparam("latest"),
        MedicationDose.taken_at > bindparam("since"),
    )
    .order_by(MedicationDose.taken_at, MedicationDose.id)
)


UNANSWERED_SINCE = select(MedicationDose.taken_at).where(
    MedicationDose.user_id == bindparam("user_id"),
    MedicationDose.relief_2h.is_(None),
    MedicationDose.taken_at >= bindparam("since"),
)


@per_user
def _unanswered_since_yesterday(user: User, today: date) -> tuple[datetime, ...]:
    """Return when each dose since the start of yesterday not yet answered was taken (kept
    until the user's next write: the doses themselves are read only when one is in the
    window asked about now)."""
    asked = {"user_id": user.id, "since": start_of_yesterday(today)}
    return tuple(db.session.scalars(UNANSWERED_SINCE, asked))


def relief_questions(user: User, now: datetime) -> list[MedicationDose]:
    """Return the doses to ask about now: taken 2 to 24 hours ago and not answered, oldest first."""
    since, latest = now - RELIEF_ASKED_FOR, now - RELIEF_ASKED_AFTER
    unanswered = _unanswered_since_yesterday(user, now.date())
    if not any_between(unanswered, since, latest):
        return []
    asked = {"user_id": user.id, "latest": latest, "since": since}
    return list(db.session.scalars(RELIEF_QUESTIONS, asked))


def doses_between(user: User, first: datetime, last: datetime) -> list[MedicationDose]:
    """Return the doses taken from first to last (an attack's span), oldest first."""
    return list(
        db.session.scalars(
            select(MedicationDose)
            .where(
                MedicationDose.user_id == user.id,
                MedicationDose.taken_at >= first,
                MedicationDose.taken_at <= last,
            )
            .order_by(MedicationDose.taken_at, MedicationDose.id)
        )
    )


@dataclass(frozen=True)
class MedicineEffect:
    """One medicine's doses over a range and how they worked at 2 hours (of those answered)."""

    name: str
    med_class: str
    doses: int
    days: int
    answers: dict[str, int]

    @property
    def answered(self) -> int:
        return sum(self.answers.values())

    @property
    def unanswered(self) -> int:
        return self.doses - self.answered

    def share(self, *codes: str) -> Fraction | None:
        """Return the share of answered doses with one of these answers; None when none was."""
        if not self.answered:
            return None
        return Fraction(self.count(*codes), self.answered)

    @property
    def pain_free(self) -> Fraction | None:
        return self.share("pain_free")

    @property
    def better(self) -> Fraction | None:
        """Better at 2 hours, pain-free included (the IHS guidelines' relief counts both)."""
        return self.share("pain_free", "better")

    def count(self, *codes: str) -> int:
        return sum(self.answers.get(code, 0) for code in codes)


def medicine_effects(user: User, first: date, last: date) -> list[MedicineEffect]:
    """Return per medicine (its name, any case) the doses from first to last, most doses first."""
    rows = db.session.execute(
        select(
            MedicationDose.name,
            MedicationDose.med_class,
            MedicationDose.taken_at,
            MedicationDose.relief_2h,
        )
        .where(
            MedicationDose.user_id == user.id,
            MedicationDose.taken_at >= start_of(first),
            MedicationDose.taken_at < start_of(shift(last, 1)),
        )
        .order_by(MedicationDose.taken_at, MedicationDose.id)
    )
    taken: dict[str, list] = defaultdict(list)
    for name, med_class, taken_at, relief in rows:
        taken[name.strip().lower()].append((name, med_class, taken_at, relief))
    effects = []
    for doses in taken.values():
        answers = Counter(dose[3] for dose in doses if dose[3] is not None)
        name, med_class = doses[-1][0], doses[-1][1]
        days = len({dose[2].date() for dose in doses})
        effects.append(MedicineEffect(name, med_class, len(doses), days, dict(answers)))
    return sorted(effects, key=lambda e: (-e.doses, e.name.lower()))


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


@per_user
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


@per_user
def overuse(user: User, as_of: date) -> OveruseReport:
    """Count days of intake per class in the 30 days ending on as_of and the two windows before.

    ICHD-3 8.2 counts days, not doses; a class is flagged at its threshold, two or more
    classes together at 10 days in all when none is at its own (8.2.6), and it asks for
    overuse of more than 3 months: sustained_3_months lists what is flagged in all three.
    Kept until the user's next write (diary/cache.py).
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
