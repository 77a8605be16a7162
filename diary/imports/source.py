"""What another diary's export says, read entry by entry into one shape."""

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple
from zoneinfo import ZoneInfo

from diary.clock import format_timestamp

if TYPE_CHECKING:
    from diary.imports.readers import Export

# A number as JSON gives it (a union made once: `|` in a check builds one each time).
NUMBER = int | float
# A file of nothing but bad rows is listed this far; the rest are counted.
PROBLEMS_KEPT = 1_000
CLOCK_CHANGES_KEPT = 100


# The entries are named tuples, not frozen dataclasses: an export makes hundreds of
# thousands, and a frozen dataclass sets each field through object.__setattr__ (an
# Attack took four times as long to make).
class Attack(NamedTuple):
    """An attack or episode: an attack with what the source says of it, and a reading of its
    intensity at its start."""

    key: str  # stable id of the entry in the source, for idempotent re-imports
    where: str  # "line 5" or "episodes[2]", for problems
    start: datetime  # local wall-clock time (naive; fold kept)
    end: datetime | None
    intensity: Any  # as the source wrote it: 0-10, maybe fractional; None when not given
    # What the diary keeps apart from the note: yes/no features said yes (or no),
    # aura codes, and the source's trigger names.
    answers: tuple[tuple[str, bool], ...] = ()
    aura: tuple[str, ...] = ()
    triggers: tuple[str, ...] = ()
    side: str | None = None
    location: str = ""
    # The rest, for the note: attack type, other symptoms, the note, in that order; empty
    # ones are left out.
    details: tuple[str, ...] = ()
    # Whether intensity is the attack's worst (most apps) or only its first reading (MigraLog).
    peak: bool = True


# Symptom words of the apps' exports, read in lower case with "_" as a space, and the
# attack's feature each one says yes to (formats README: MigraLog's built-in codes,
# Migraine Buddy's and Headache Companion's English labels).
SYMPTOM_FEATURES = {
    "nausea": "nausea",
    "vomiting": "vomiting",
    "light sensitivity": "light_sensitivity",
    "sensitivity to light": "light_sensitivity",
    "photophobia": "light_sensitivity",
    "sound sensitivity": "sound_sensitivity",
    "sensitivity to sound": "sound_sensitivity",
    "noise sensitivity": "sound_sensitivity",
    "sensitivity to noise": "sound_sensitivity",
    "phonophobia": "sound_sensitivity",
    "throbbing": "pulsating",
    "pulsating": "pulsating",
    "worse with activity": "worse_with_activity",
}
# Aura words, read the same way, and the diary's aura code (ICHD-3 1.2's typical auras).
AURA_WORDS = {
    "visual": "visual",
    "visual disturbances": "visual",
    "sensory": "sensory",
    "numbness": "sensory",
    "tingling": "sensory",
    "speech": "speech",
    "speech/language": "speech",
    "language": "speech",
    "motor": "motor",
}


def _word(text: str) -> str:
    return text.strip().replace("_", " ").casefold()


def symptoms(words: list[str]) -> tuple[tuple[tuple[str, bool], ...], list[str]]:
    """Return the features said yes to by symptom words, and the words the diary has no
    field for (for the note)."""
    found = {SYMPTOM_FEATURES[_word(w)]: True for w in words if _word(w) in SYMPTOM_FEATURES}
    return tuple(found.items()), [w for w in words if _word(w) not in SYMPTOM_FEATURES]


def auras(words: list[str]) -> tuple[tuple[str, ...], list[str]]:
    """Return the aura codes of aura words, and the words that are no aura code."""
    codes = tuple(dict.fromkeys(AURA_WORDS[_word(w)] for w in words if _word(w) in AURA_WORDS))
    return codes, [w for w in words if _word(w) not in AURA_WORDS]


class Intensity(NamedTuple):
    """A pain score recorded during an episode (MigraLog)."""

    key: str
    where: str
    at: datetime
    intensity: Any


class Taken(NamedTuple):
    """A medicine taken."""

    key: str
    where: str
    at: datetime
    name: str
    dose: str = ""
    note: str = ""
    # How it worked, as the app recorded it, in the diary's 2-hour answers (None: not said).
    relief_2h: str | None = None
    # Where one app exports the same intake in two files, the keys of the entries in the
    # more exact file: when the diary holds any of them, this one is not imported...
    superseded_by: tuple[str, ...] = ()
    # ...and the keys of the entries in the less exact file, removed from the diary for it.
    replaces: tuple[str, ...] = ()


Entry = Attack | Intensity | Taken
# What a format's read() returns: its entries, one at a time.
Entries = Iterator[Entry]


@dataclass
class Source:
    """One export as it is read: its format, the patient's zone, and what was left out of it."""

    format: str
    zone_name: str
    size: int = 0  # of the file in bytes, which bounds the rows it may make
    # What the source has that the diary does not take, with how many entries had it.
    left_out: Counter = field(default_factory=Counter)
    # (where, reason) for the first entries that cannot be read, and how many there are.
    problems: list[tuple[str, str]] = field(default_factory=list)
    problem_count: int = 0
    # Times that fell in a daylight-saving change, and how each was read.
    clock_changes: list[str] = field(default_factory=list)
    clock_change_count: int = 0
    # How the reader understood the file where it had to choose (a date order).
    notes: list[str] = field(default_factory=list)
    # The entries, read one at a time as the plan takes them.
    entries: Entries = field(default_factory=lambda: iter(()))
    # The file they are read from, which a second process can read again (imports.aside).
    export: "Export | None" = None

    def __post_init__(self) -> None:
        self.zone = ZoneInfo(self.zone_name)

    def leave_out(self, what: str, present: Any) -> None:
        """Count a field the diary does not import, when the entry has it."""
        if present not in (None, "", [], {}, 0, "null"):
            self.left_out[what] += 1

    def problem(self, where: str, reason: str) -> None:
        """Note an entry that cannot be imported (the whole file then imports nothing)."""
        self.problem_count += 1
        if len(self.problems) < PROBLEMS_KEPT:
            self.problems.append((where, reason))

    def clock_change(self, what: str) -> None:
        self.clock_change_count += 1
        if len(self.clock_changes) < CLOCK_CHANGES_KEPT:
            self.clock_changes.append(what)

    def epoch(self, value: Any, scale: int = 1) -> datetime:
        """Return a Unix time (seconds, or milliseconds with scale=1000) as local time."""
        if isinstance(value, bool) or not isinstance(value, NUMBER):
            raise ValueError(f"{value!r} is not a time (a number of seconds since 1970)")
        try:
            moment = datetime.fromtimestamp(value / scale, self.zone)  # its fold set
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
        first = wall.replace(tzinfo=self.zone)
        offset = first.utcoffset()
        if wall.replace(tzinfo=self.zone, fold=1).utcoffset() == offset:
            return wall  # the usual case: the time happened once
        back = first.astimezone(UTC).astimezone(self.zone).replace(tzinfo=None)
        written = format_timestamp(wall).replace("T", " ")
        if back != wall:
            self.clock_change(
                f"{written} did not happen (the clocks went forward): read as"
                f" {format_timestamp(back).replace('T', ' ')}"
            )
            return back
        self.clock_change(f"{written} happened twice (the clocks went back): read as the first")
        return wall
