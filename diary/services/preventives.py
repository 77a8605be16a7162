"""Preventive regimens: their schedules, the doses marked taken or missed, and adherence.

A scheduled dose that is not marked missed counts as taken: patients mark what they
missed, not every tablet. Adherence over a range is doses taken of doses due, exact.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext, ngettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from diary import rules
from diary.cache import while_empty
from diary.clock import local_today, shift
from diary.extensions import db
from diary.models import PreventiveDose, PreventiveRegimen, User
from diary.models.preventive import DOSE_STATUSES, MISSED
from diary.rules import NAME_MAX, Checker, EntryError
from diary.services.idempotency import check_key
from diary.services.rows import as_entered, change, remove, store_once
from diary.services.writes import writes

DAILY, TWICE_DAILY = "daily", "twice_daily"
# every_N_days and every_N_weeks with N a whole number: 1 to a year's worth.
_EVERY = re.compile(r"^every_([1-9][0-9]{0,2})_(days|weeks)$")
# The codes exactly, N included: every 1 to 366 days, every 1 to 52 weeks (EVERY_MOST).
SCHEDULE_PATTERN = (
    r"^(daily|twice_daily"
    r"|every_([1-9]|[1-9][0-9]|[12][0-9][0-9]|3[0-5][0-9]|36[0-6])_days"
    r"|every_([1-9]|[1-4][0-9]|5[0-2])_weeks)$"
)
EVERY_MOST = {"days": 366, "weeks": 52}
EDITABLE = ("name", "dose", "schedule", "started_on", "ended_on", "note")


@dataclass(frozen=True)
class Schedule:
    """How often a regimen's doses are due: per_day doses every `every` days."""

    code: str
    every: int
    per_day: int

    @property
    def daily(self) -> bool:
        return self.every == 1

    def label(self) -> str:
        """Return the schedule as a sentence part: "daily", "every 4 weeks"."""
        if self.code == DAILY:
            return _("daily")
        if self.code == TWICE_DAILY:
            return _("twice a day")
        if self.code.endswith("_weeks"):
            weeks = self.every // 7
            return ngettext("every %(num)s week", "every %(num)s weeks", weeks)
        return ngettext("every %(num)s day", "every %(num)s days", self.every)


def schedule_of(code: Any) -> Schedule:
    """Return the schedule a code names; refuse any other text."""
    if code == DAILY:
        return Schedule(DAILY, 1, 1)
    if code == TWICE_DAILY:
        return Schedule(TWICE_DAILY, 1, 2)
    found = _EVERY.match(code) if isinstance(code, str) else None
    if found is None or int(found[1]) > EVERY_MOST[found[2]]:
        raise ValueError(
            _(
                "%(value)s is not a schedule; use daily, twice_daily, every_N_days (N up to"
                " 366) or every_N_weeks (N up to 52).",
                value=rules.shown(code),
            )
        )
    n = int(found[1])
    return Schedule(code, n * 7 if found[2] == "weeks" else n, 1)


def checked_regimen(
    user: User,
    *,
    name: Any,
    dose: Any = "",
    schedule: Any,
    started_on: Any,
    ended_on: Any = None,
    note: Any = "",
    client_key: Any = None,
    created_at: Any = None,
) -> dict[str, Any]:
    """Check a preventive regimen's values and return its columns; raise EntryError."""
    today = local_today(user.timezone)
    check = Checker()
    values = {
        "user_id": user.id,
        "name": check(
            "name", rules.text, name, lazy_gettext("Medicine name"), NAME_MAX, required=True
        ),
        "dose": check("dose", rules.text, dose, lazy_gettext("Dose"), NAME_MAX),
        "schedule": schedule,
        "started_on": check(
            "started_on", rules.day, started_on, lazy_gettext("Start date"), today, planned=True
        ),
        "ended_on": None
        if ended_on in (None, "")
        else check("ended_on", rules.day, ended_on, lazy_gettext("End date"), today, planned=True),
        "note": check("note", rules.note, note),
        "client_key": check("client_key", check_key, client_key),
    } | rules.kept(check, created_at)
    check("schedule", schedule_of, schedule)
    started, ended = values["started_on"], values["ended_on"]
    if started and ended and ended < started:
        check.fail("ended_on", _("The end date is before the start date."))
    check.done()
    return values


@writes
def add_regimen(user: User, **fields: Any) -> PreventiveRegimen:
    """Store a regimen; a repeated client_key returns the one stored the first time."""
    values = checked_regimen(user, **fields)
    return store_once(PreventiveRegimen, PreventiveRegimen.user_id == user.id, values, fields)


@writes
def update_regimen(user: User, regimen: PreventiveRegimen, **changes: Any) -> None:
    """Change some of a regimen's values; doses marked outside its new dates are refused."""
    values = checked_regimen(user, **(as_entered(regimen, EDITABLE) | changes))
    stray = [d for d in regimen.doses if not _is_due(values, d.due_on)]
    if stray:
        raise EntryError(
            {
                "started_on": _(
                    "A dose marked on %(day)s would no longer be due: change that first.",
                    day=stray[0].due_on.isoformat(),
                )
            }
        )
    change(regimen, values, EDITABLE)


@writes
def change_dose(user: User, regimen: PreventiveRegimen, *, dose: Any, on: Any) -> PreventiveRegimen:
    """End a regimen the day before `on` and start the same medicine at a new dose on `on`."""
    check = Checker()
    day = check(
        "on", rules.day, on, _("Date of the change"), local_today(user.timezone), planned=True
    )
    check.done()
    if day <= regimen.started_on or (regimen.ended_on and day > regimen.ended_on):
        raise EntryError({"on": _("The change must fall after the start and before the end.")})
    later_end = regimen.ended_on
    update_regimen(user, regimen, ended_on=shift(day, -1))
    fields = {name: getattr(regimen, name) for name in ("name", "schedule", "note")}
    return add_regimen(user, **fields, dose=dose, started_on=day, ended_on=later_end)


@writes
def delete_regimen(regimen: PreventiveRegimen) -> None:
    remove(regimen)


def user_regimens(user: User, first: date | None = None, last: date | None = None):
    """Return the user's regimens (those taken some day from first to last), oldest first."""
    query = select(PreventiveRegimen).where(PreventiveRegimen.user_id == user.id)
    if last is not None:
        query = query.where(PreventiveRegimen.started_on <= last)
    if first is not None:
        query = query.where(
            (PreventiveRegimen.ended_on.is_(None)) | (PreventiveRegimen.ended_on >= first)
        )
    # Their marked doses with them: adherence and home read them for every regimen.
    return db.session.scalars(
        query.options(selectinload(PreventiveRegimen.doses)).order_by(
            PreventiveRegimen.started_on, PreventiveRegimen.id
        )
    ).all()


def taken_between(regimen: PreventiveRegimen, first: date, last: date) -> bool:
    """Tell whether a regimen was taken on some day from first to last."""
    return regimen.started_on <= last and (regimen.ended_on is None or regimen.ended_on >= first)


def _is_due(regimen: dict[str, Any], day: date) -> bool:
    """Tell whether a regimen's values (started_on, ended_on, schedule) have a dose due on day."""
    started, ended = regimen["started_on"], regimen["ended_on"]
    every = schedule_of(regimen["schedule"]).every
    return started <= day and (ended is None or day <= ended) and (day - started).days % every == 0


def doses_due(regimen: PreventiveRegimen, first: date, last: date) -> int:
    """Count the doses due from first to last (inclusive), within the regimen's own dates."""
    schedule = schedule_of(regimen.schedule)
    first = max(first, regimen.started_on)
    last = min(last, regimen.ended_on) if regimen.ended_on else last
    if last < first:
        return 0
    # Due days are started_on + k * every: count the k that land from first to last.
    k_first = -(-(first - regimen.started_on).days // schedule.every)
    k_last = (last - regimen.started_on).days // schedule.every
    return max(0, k_last - k_first + 1) * schedule.per_day


@dataclass(frozen=True)
class Adherence:
    """A regimen over a range: the doses due, those marked missed, and the share taken."""

    regimen: PreventiveRegimen
    first: date
    last: date
    due: int
    missed: int

    @property
    def taken(self) -> int:
        return self.due - self.missed

    @property
    def share(self) -> Fraction | None:
        return Fraction(self.taken, self.due) if self.due else None


def adherence(regimen: PreventiveRegimen, first: date, last: date) -> Adherence:
    """Return doses taken of doses due from first to last; unmarked doses count as taken."""
    missed = sum(1 for d in regimen.doses if d.status == MISSED and first <= d.due_on <= last)
    return Adherence(regimen, first, last, doses_due(regimen, first, last), missed)


def range_adherence(user: User, first: date, last: date) -> list[Adherence]:
    """Return each regimen taken some day from first to last with its adherence to last."""
    return [adherence(r, first, last) for r in user_regimens(user, first, last)]


def checked_mark(
    user: User, regimen: PreventiveRegimen, *, due_on: Any, status: Any
) -> dict[str, Any]:
    """Check a dose marked taken or missed: a day the regimen has one due, not in the future."""
    check = Checker()
    day = check("due_on", rules.day, due_on, lazy_gettext("Due date"), local_today(user.timezone))
    check("status", rules.choice, status, lazy_gettext("dose status"), DOSE_STATUSES)
    if day is not None and not _is_due(as_entered(regimen, EDITABLE), day):
        check.fail("due_on", _("No dose of %(name)s is due on that day.", name=regimen.name))
    check.done()
    return {"due_on": day, "status": status}


@writes
def mark_dose(user: User, regimen: PreventiveRegimen, **fields: Any) -> PreventiveDose:
    """Mark a due dose taken or missed; marking a single day's dose again changes its mark."""
    values = checked_mark(user, regimen, **fields)
    marked = [d for d in regimen.doses if d.due_on == values["due_on"]]
    per_day = schedule_of(regimen.schedule).per_day
    if len(marked) >= per_day:
        if per_day > 1:
            raise EntryError({"due_on": _("Every dose of that day is marked already.")})
        change(marked[0], values, ("status",))
        return marked[0]
    dose = PreventiveDose(regimen=regimen, **values)
    db.session.add(dose)
    db.session.flush()
    return dose


@dataclass(frozen=True)
class DueToday:
    """A dose home asks about: a daily one of today, or an injection due and not yet marked."""

    regimen: PreventiveRegimen
    due_on: date


@while_empty
def due_on_home(user: User, today: date) -> list[DueToday]:
    """Return today's daily doses not yet all marked, and each interval regimen's latest due
    dose that is not marked (it stays until marked given or missed)."""
    found = []
    for regimen in user_regimens(user, today, today):
        schedule = schedule_of(regimen.schedule)
        since = (today - regimen.started_on).days
        day = shift(regimen.started_on, since - since % schedule.every)
        marked = sum(1 for d in regimen.doses if d.due_on == day)
        if marked < schedule.per_day:
            found.append(DueToday(regimen, day))
    return found


@dataclass(frozen=True)
class Change:
    """A preventive started, stopped or changed (a dose change: one ends, the next starts)."""

    day: date
    change: str
    regimen: PreventiveRegimen

    def as_json(self) -> dict[str, str]:
        return {"day": self.day.isoformat(), "change": self.change}


def changes(regimens: Sequence[PreventiveRegimen], first: date, last: date) -> list[Change]:
    """Return every preventive started, stopped or changed from first to last, by day.

    A regimen that starts the day after one of the same name ends is a change of that one.
    """

    def key(regimen: PreventiveRegimen) -> str:
        return regimen.name.strip().lower()

    ends = {(key(r), r.ended_on) for r in regimens if r.ended_on}
    starts = {(key(r), r.started_on) for r in regimens}
    found = []
    for r in regimens:
        if first <= r.started_on <= last:
            follows = (key(r), shift(r.started_on, -1)) in ends
            found.append(Change(r.started_on, "changed" if follows else "started", r))
        ended = r.ended_on
        if ended is not None and first <= ended <= last and (key(r), shift(ended, 1)) not in starts:
            found.append(Change(ended, "stopped", r))
    return sorted(found, key=lambda c: (c.day, c.regimen.id))
