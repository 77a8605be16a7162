"""Marks on whole days: "No headache today" and, when the patient keeps it, a period day."""

import re
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy import select

from diary import rules
from diary.cache import while_empty
from diary.clock import local_today
from diary.extensions import db
from diary.models import DayMark, User
from diary.rules import Checker, EntryError
from diary.services.rows import remove
from diary.services.writes import writes

UNCHANGED: Any = object()


def _yes_or_no(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(
            _("A day's mark must be yes or no, not %(value)s.", value=rules.shown(value))
        )
    return value


def _day(value: Any, zone_name: str) -> date:
    """Return the day given as a date, as YYYY-MM-DD, or as a moment (the offline queue's tap)."""
    if isinstance(value, str) and re.match(rules.MOMENT_PATTERN, value):
        return rules.moment(value, _("Time"), zone_name).date()
    return rules.day(value, lazy_gettext("Day"), local_today(zone_name))


def checked_day_mark(
    user: User, *, day: Any, headache_free: Any = False, period: Any = False
) -> dict[str, Any]:
    """Check a whole day's marks as a file or a backup gives them; a row marks something."""
    check = Checker()
    values = {
        "day": check("day", _day, day, user.timezone),
        "headache_free": check("headache_free", _yes_or_no, headache_free),
        "period": check("period", _yes_or_no, period),
    }
    check.done()
    if not (values["headache_free"] or values["period"]):
        raise EntryError(
            {"day": _("Mark the day headache-free, a period day, or both; it marks nothing.")}
        )
    return values


@while_empty
def day_mark(user: User, day: date) -> DayMark | None:
    return db.session.scalar(select(DayMark).where(DayMark.user_id == user.id, DayMark.day == day))


@writes
def mark_day(
    user: User, day: Any, *, headache_free: Any = UNCHANGED, period: Any = UNCHANGED
) -> DayMark | None:
    """Set what the patient says about a day (the marks not given stay).

    day is a date, YYYY-MM-DD, or a moment whose local day it is (a tap queued offline).
    Marking again what is marked changes nothing, so a tap sent twice stores once.
    A day with no mark left has no row. Returns the day's row, or None.
    """
    check = Checker()
    when = check("day", _day, day, user.timezone)
    given = {"headache_free": headache_free, "period": period}
    marks = {name: check(name, _yes_or_no, v) for name, v in given.items() if v is not UNCHANGED}
    check.done()
    row = day_mark(user, when)
    if row is None:
        row = DayMark(user_id=user.id, day=when, headache_free=False, period=False)
        db.session.add(row)
    for name, value in marks.items():
        setattr(row, name, value)
    if not (row.headache_free or row.period):
        if row.id is not None:
            remove(row)
        else:
            db.session.expunge(row)
        return None
    db.session.flush()
    return row


@writes
def mark_headache_free(user: User, days: list[date]) -> int:
    """Mark days headache-free (an attack log's days without an attack); return how many
    were not marked so yet. A day's period mark stays."""
    check = Checker()
    today = local_today(user.timezone)
    days = [check("day", rules.day, day, lazy_gettext("Day"), today) for day in days]
    check.done()
    rows = {
        row.day: row
        for n in range(0, len(days), 500)
        for row in db.session.scalars(
            select(DayMark).where(DayMark.user_id == user.id, DayMark.day.in_(days[n : n + 500]))
        )
    }
    marked = 0
    for day in dict.fromkeys(days):
        row = rows.get(day)
        if row is None:
            db.session.add(DayMark(user_id=user.id, day=day, headache_free=True, period=False))
        elif row.headache_free:
            continue
        else:
            row.headache_free = True
        marked += 1
    db.session.flush()
    return marked
