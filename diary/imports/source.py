"""What another diary's export says, read into one shape before it becomes diary entries."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from diary.clock import format_timestamp


@dataclass(frozen=True)
class Attack:
    """An attack or episode: a reading at its start, and one at 00:00 of each later day."""

    key: str  # stable id of the entry in the source, for idempotent re-imports
    where: str  # "line 5" or "episodes[2]", for problems
    start: datetime  # local wall-clock time (naive; fold kept)
    end: datetime | None
    intensity: Any  # as the source wrote it: 0-10, maybe fractional
    # Triggers, symptoms, attack type, the note, in that order; empty ones are left out.
    details: tuple[str, ...] = ()


@dataclass(frozen=True)
class Intensity:
    """A pain score recorded during an episode (MigraLog)."""

    key: str
    where: str
    at: datetime
    intensity: Any


@dataclass(frozen=True)
class Taken:
    """A medicine taken."""

    key: str
    where: str
    at: datetime
    name: str
    dose: str = ""
    note: str = ""


@dataclass
class Source:
    """Everything read from one export, and what was left out of it."""

    format: str
    attacks: list[Attack] = field(default_factory=list)
    intensities: list[Intensity] = field(default_factory=list)
    doses: list[Taken] = field(default_factory=list)
    # What the source has that the diary does not take, with how many entries had it.
    left_out: Counter = field(default_factory=Counter)
    # (where, reason) for every entry that cannot be read.
    problems: list[tuple[str, str]] = field(default_factory=list)
    # Times that fell in a daylight-saving change, and how each was read.
    clock_changes: list[str] = field(default_factory=list)

    def leave_out(self, what: str, present: Any) -> None:
        """Count a field the diary does not import, when the entry has it."""
        if present not in (None, "", [], {}, 0, "null"):
            self.left_out[what] += 1


class Times:
    """Turn a source's times into the patient's local wall-clock time."""

    def __init__(self, zone_name: str, source: Source):
        self.zone = ZoneInfo(zone_name)
        self.source = source

    def epoch(self, value: Any, scale: int = 1) -> datetime:
        """Return a Unix time (seconds, or milliseconds with scale=1000) as local time."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{value!r} is not a time (a number of seconds since 1970)")
        try:
            moment = datetime.fromtimestamp(value / scale, UTC).astimezone(self.zone)
        except (OverflowError, OSError, ValueError):
            raise ValueError(f"{value!r} is not a time the calendar holds") from None
        return moment.replace(tzinfo=None)

    def offset(self, wall: datetime, minutes_east: int) -> datetime:
        """Return a wall-clock time written with its UTC offset as the patient's local time."""
        moment = wall.replace(tzinfo=UTC) - timedelta(minutes=minutes_east)
        return moment.astimezone(self.zone).replace(tzinfo=None)

    def wall(self, wall: datetime) -> datetime:
        """Return a wall-clock time as is, resolving a daylight-saving change as fold=0 does.

        A time the clocks skipped is moved on by the change (02:30 becomes 03:30); a time
        that happened twice is the first of the two. Both are noted for the preview.
        """
        aware = wall.replace(tzinfo=self.zone, fold=0)
        back = aware.astimezone(UTC).astimezone(self.zone).replace(tzinfo=None)
        written = format_timestamp(wall).replace("T", " ")
        if back != wall:
            self.source.clock_changes.append(
                f"{written} did not happen (the clocks went forward): read as"
                f" {format_timestamp(back).replace('T', ' ')}"
            )
            return back
        if wall.replace(tzinfo=self.zone, fold=1).utcoffset() != aware.utcoffset():
            self.source.clock_changes.append(
                f"{written} happened twice (the clocks went back): read as the first"
            )
        return wall
