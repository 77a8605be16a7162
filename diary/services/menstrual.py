"""Migraine and menstruation as ICHD-3's appendix counts it (A1.1.1 and A1.1.2): migraine days
in the perimenstrual window of the last cycles, and on the other days of those cycles.

Counts of what was recorded, never a diagnosis: a window with no entry on a day and no
migraine day is "not known", never "no".
"""

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from diary.clock import shift
from diary.extensions import db
from diary.models import DayMark, User
from diary.services.days import MIGRAINE, UNKNOWN, DayStatus, classify_days, rule_of

# ICHD-3 A1.1.1 and A1.1.2, criterion B: "day 1 ± 2 (i.e. days −2 to +3) of menstruation";
# day 1 is the first day of flow, the day before is day −1, and there is no day 0.
DAYS_BEFORE, DAYS_FROM = 2, 3
# "in at least two out of three menstrual cycles"; the appendix asks for records of at
# least three cycles, as many women over-report the link.
CYCLES, CYCLES_WITH_MIGRAINE = 3, 2
SOURCE = "ICHD-3-menstrual"


def window(started_on: date) -> tuple[date, date]:
    """Return the first and last day of a cycle's perimenstrual window (day −2 to day +3)."""
    return shift(started_on, -DAYS_BEFORE), shift(started_on, DAYS_FROM - 1)


@dataclass(frozen=True)
class Days:
    """Some days of the diary: how many, and how many were migraine days or not known."""

    first_day: date
    last_day: date
    days: int
    migraine_days: int
    unknown_days: int

    @property
    def migraine(self) -> bool | None:
        """Whether migraine occurred: None when no day is a migraine day and a day is not known."""
        if self.migraine_days:
            return True
        return None if self.unknown_days else False

    def as_json(self) -> dict:
        return {
            "first_day": self.first_day.isoformat(),
            "last_day": self.last_day.isoformat(),
            "days": self.days,
            "migraine_days": self.migraine_days,
            "unknown_days": self.unknown_days,
            "migraine": self.migraine,
        }


@dataclass(frozen=True)
class Cycle:
    """A menstrual cycle by its day 1, and its perimenstrual window."""

    started_on: date
    window: Days


@dataclass(frozen=True)
class MenstrualLink:
    """The last cycles whose window is over, and the other days of those cycles."""

    day_rule: str
    cycles: tuple[Cycle, ...]
    # None without a cycle, or when every day of those cycles lies in a window.
    outside: Days | None

    needed = CYCLES

    @property
    def enough_cycles(self) -> bool:
        return len(self.cycles) == CYCLES

    @property
    def with_migraine(self) -> int:
        return sum(c.window.migraine is True for c in self.cycles)

    @property
    def not_known(self) -> int:
        return sum(c.window.migraine is None for c in self.cycles)

    @property
    def in_2_of_3(self) -> bool | None:
        """Whether CYCLES_WITH_MIGRAINE of the CYCLES cycles have migraine in their window;
        None with fewer cycles, or when the cycles not known decide it."""
        if not self.enough_cycles:
            return None
        if self.with_migraine >= CYCLES_WITH_MIGRAINE:
            return True
        if self.with_migraine + self.not_known < CYCLES_WITH_MIGRAINE:
            return False
        return None

    def as_json(self) -> dict:
        return {
            "day_rule": self.day_rule,
            "cycles_needed": CYCLES,
            "cycles": [
                {"started_on": c.started_on.isoformat(), "window": c.window.as_json()}
                for c in self.cycles
            ],
            "cycles_with_migraine_in_window": self.with_migraine,
            "cycles_not_known": self.not_known,
            "in_2_of_3": self.in_2_of_3,
            "outside_windows": self.outside.as_json() if self.outside else None,
        }


def cycle_starts(user: User, as_of: date) -> list[date]:
    """Return the days that start a cycle up to as_of: period days with no period day before."""
    period = set(
        db.session.scalars(
            select(DayMark.day).where(
                DayMark.user_id == user.id, DayMark.period.is_(True), DayMark.day <= as_of
            )
        )
    )
    return sorted(day for day in period if shift(day, -1) not in period)


def _counted(days: dict[date, DayStatus], wanted: list[date]) -> Days:
    """Count the migraine days and the days not known among some classified days (not none)."""
    statuses = [days[day].status for day in wanted]
    return Days(
        first_day=wanted[0],
        last_day=wanted[-1],
        days=len(wanted),
        migraine_days=statuses.count(MIGRAINE),
        unknown_days=statuses.count(UNKNOWN),
    )


def _between(first: date, last: date) -> list[date]:
    """Return the days from first to last."""
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def menstrual_link(user: User, as_of: date) -> MenstrualLink | None:
    """Return the last CYCLES cycles up to as_of whose window is over, each window's migraine
    days, and the other days of those cycles (to the day before the next cycle or as_of).

    None when the account does not keep period days (Settings).
    """
    if not user.period_tracking:
        return None
    rule = rule_of(user)
    starts = cycle_starts(user, as_of)
    counted = [s for s in starts if window(s)[1] <= as_of][-CYCLES:]
    if not counted:
        return MenstrualLink(rule.code, (), None)
    later = [s for s in starts if s > counted[-1]]
    last = shift(later[0], -1) if later else as_of
    # A period with a day's gap starts the next cycle inside this one's window.
    read_to = max(last, window(counted[-1])[1])
    days = {d.day: d for d in classify_days(user, window(counted[0])[0], read_to, rule)}
    cycles = tuple(Cycle(s, _counted(days, _between(*window(s)))) for s in counted)
    in_windows = {day for s in starts for day in _between(*window(s))}
    others = [day for day in _between(counted[0], last) if day not in in_windows]
    return MenstrualLink(rule.code, cycles, _counted(days, others) if others else None)


def definitions() -> list[tuple[str, str, tuple[str, ...]]]:
    """Return what the menstrual figures mean, as (term, definition, source ids)."""
    return [
        (
            _("Perimenstrual window"),
            _(
                "Day −%(before)s to day +%(after)s of menstruation. Day 1 is a period day with"
                " no period day the day before, and starts a cycle; the day before it is day"
                " −1, and there is no day 0.",
                before=DAYS_BEFORE,
                after=DAYS_FROM,
            ),
            (SOURCE,),
        ),
        (
            _("Migraine in the window"),
            _(
                "A cycle has it when a day of its window is a migraine day, has not when every"
                " day of the window is known and none is, and is not known otherwise. Counted"
                " over the last %(cycles)s cycles whose window is over; with fewer cycles"
                " recorded it is not known.",
                cycles=CYCLES,
            ),
            (),
        ),
        (
            _("Outside the windows"),
            _(
                "The days of those cycles in no window, from the first one's day 1 to the day"
                " before the next cycle starts or to the end date of the report: migraine when"
                " one is a migraine day, none when all are known, and not known otherwise."
            ),
            (),
        ),
        (
            _("The ICHD-3 criterion"),
            _(
                "Migraine in the window in at least %(needed)s of %(cycles)s consecutive"
                " cycles and at no other time of the cycle: pure menstrual migraine (A1.1.1);"
                " also at other times: menstrually related migraine (A1.1.2). The migraine"
                " days here follow the diary's rule, and the diary shows the counts without"
                " concluding either.",
                cycles=CYCLES,
                needed=CYCLES_WITH_MIGRAINE,
            ),
            (SOURCE,),
        ),
    ]
