"""Turn another diary's attacks and medicines into readings and medications, and preview them.

Every row is checked by the same service as any other entry (checked_reading,
checked_dose); the import writes nothing until the patient confirms the preview,
and then writes exactly what was previewed. Entries are checked a chunk at a time,
so a file of 200,000 rows needs no more memory than one of 200, and a file makes
only so many rows for its size (SPOOL_TIMES). Each row's idempotency key is derived
from the source entry's own id, so importing the same export, or a later one from
the same app, adds only entries the diary does not hold yet. Where an app exports the
same medicines in two files, the more exact file's entries replace the other's in the
diary, and the other's are not imported after them.
"""

import hashlib
import heapq
from collections import Counter
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from itertools import islice
from operator import itemgetter
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from diary import reference
from diary.clock import long_moment, start_of
from diary.extensions import db
from diary.imports.source import Attack, Intensity, Source, Taken
from diary.imports.spool import (
    SPOOL_FLOOR,
    SPOOL_TIMES,
    PreviewOutdated,
    Replaced,
    Spool,
    TooManyRows,
    schema_revision,
)
from diary.models import MedicationDose, Reading, User
from diary.rules import EntryError, mid_sentence
from diary.services.bulk import PartedInsert, bulk_rows
from diary.services.medications import checked_dose, delete_imported
from diary.services.readings import checked_reading

PREVIEW_ENTRIES = 10
CHUNK = 2_000  # entries checked, looked up and kept at a time
# What each row checked counts towards that, kept or not (a row met twice is checked twice).
ROW_BYTES = 100
# Placeholders some apps write where no medicine was taken.
NO_MEDICINE = frozenset({"", "no medication", "none", "null"})


def source_key(format_code: str, *parts: str) -> str:
    """Return the idempotency key of one diary row made from one source entry."""
    return hashlib.sha256("\n".join((format_code, *parts)).encode()).hexdigest()[:64]


def whole_score(value: Any) -> Any:
    """Round a fractional score half up (6.5 -> 7); anything else is left for the service."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return value
    try:
        number = Decimal(str(value).strip())
        # Too large to round (1e300) or not a number at all: the service says so.
        return int(number.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    except (InvalidOperation, ValueError):
        return value


def elapsed(start: datetime, end: datetime, zone: ZoneInfo) -> timedelta:
    """Return the real time between two local times, counting a repeated hour (fold) once more."""
    return end.replace(tzinfo=zone).astimezone(UTC) - start.replace(tzinfo=zone).astimezone(UTC)


def lasted(duration: timedelta) -> str:
    """Say how long an attack lasted, as its first reading's note begins."""
    days, minutes = divmod(int(duration.total_seconds() // 60), 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{n} {unit}" for n, unit in ((days, "d"), (hours, "h"), (minutes, "min")) if n]
    return f"Lasted {' '.join(parts) or 'under a minute'}."


@dataclass(frozen=True)
class PreviewEntry:
    at: datetime
    text: str


@dataclass
class Plan:
    """What an import will add, checked, and what the patient sees before confirming."""

    format: str
    readings: int = 0
    doses: int = 0
    already_present: int = 0
    # Entries the file holds twice (the same id): imported once.
    repeated: int = 0
    # Medicines the diary holds from a less exact file of the same app, removed for the
    # file's own record of them; and medicines of the file not imported because the diary
    # holds them from a more exact file (Cluster Headache Tracker's log and doses files).
    replaced: int = 0
    superseded: int = 0
    classes: Counter = field(default_factory=Counter)
    unknown_medicines: Counter = field(default_factory=Counter)
    left_out: Counter = field(default_factory=Counter)
    clock_changes: list[str] = field(default_factory=list)
    clock_change_count: int = 0
    notes: list[str] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)
    problem_count: int = 0
    # The earliest entries to add, as they will appear.
    entries: list[PreviewEntry] = field(default_factory=list)
    # The days of the first and last entry to add (None when there is nothing to add).
    first_day: date | None = None
    last_day: date | None = None

    @property
    def changes(self) -> bool:
        """Tell whether confirming would change the diary."""
        return bool(self.readings or self.doses or self.replaced)


def _continued_days(attack: Attack) -> Iterator[date]:
    """Yield the later local days an attack covers (an end at 00:00 does not cover its day)."""
    if attack.end is None or attack.end <= attack.start:
        return
    day = attack.start.date() + timedelta(days=1)
    while start_of(day) < attack.end:
        yield day
        day += timedelta(days=1)


def _attack_rows(user: User, fmt: str, attack: Attack) -> Iterator[dict]:
    pain = whole_score(attack.intensity)
    duration = elapsed(attack.start, attack.end, ZoneInfo(user.timezone)) if attack.end else None
    note = " ".join(
        ([lasted(duration)] if duration and duration.total_seconds() >= 60 else [])
        + [d for d in attack.details if d]
    )
    yield checked_reading(
        user,
        recorded_at=attack.start,
        pain=pain,
        note=note,
        client_key=source_key(fmt, attack.key),
    )
    for day in _continued_days(attack):
        yield checked_reading(
            user,
            recorded_at=start_of(day),
            pain=pain,
            note=f"Continues the attack that began {long_moment(attack.start)}.",
            client_key=source_key(fmt, attack.key, day.isoformat()),
        )


def _intensity_row(user: User, fmt: str, reading: Intensity) -> dict:
    return checked_reading(
        user,
        recorded_at=reading.at,
        pain=whole_score(reading.intensity),
        note="Recorded during an episode.",
        client_key=source_key(fmt, reading.key),
    )


def _dose_row(user: User, fmt: str, taken: Taken, plan: Plan, unlisted: str | None) -> dict:
    """Check a medicine taken; one the list does not name takes the kind the patient chose
    for such medicines, and is refused when none was chosen."""
    listed = reference.medicine_class(taken.name) is not None
    if not listed:
        plan.unknown_medicines[taken.name.strip()] += 1
    return checked_dose(
        user,
        taken_at=taken.at,
        name=taken.name,
        dose=taken.dose,
        med_class=None if listed else unlisted,
        note=taken.note,
        relief_2h=taken.relief_2h,
        client_key=source_key(fmt, taken.key),
    )


class _Planner:
    """Check a stream of entries into rows a chunk at a time, keeping sums and (maybe) the rows."""

    def __init__(
        self,
        user: User,
        source: Source,
        plan: Plan,
        spool: Spool | None,
        limit: int,
        unlisted: str | None,
    ):
        self.user, self.source, self.plan, self.spool = user, source, plan, spool
        self.unlisted = unlisted
        self.seen: set[bytes] = set()  # keys met so far (the first 16 bytes of each)
        self.replaced: set[str] = set()  # keys of the diary's medicines the import replaces
        self.rows_left = limit // ROW_BYTES

    def count(self, rows: list[dict]) -> list[dict]:
        """Return rows, to take one more: past the file's allowance, raise TooManyRows."""
        self.rows_left -= 1
        if self.rows_left < 0:
            raise TooManyRows
        return rows

    def chunk(self, entries: tuple) -> None:
        readings: list[dict] = []
        doses: list[dict] = []
        fmt = self.source.format
        taken = [entry for entry in entries if isinstance(entry, Taken)]
        better = self.held(MedicationDose, {k for e in taken for k in _keys(fmt, e.superseded_by)})
        self.replace({k for e in taken for k in _keys(fmt, e.replaces)})
        for entry in entries:
            try:
                if isinstance(entry, Attack):
                    for row in _attack_rows(self.user, fmt, entry):
                        self.count(readings).append(row)
                elif isinstance(entry, Intensity):
                    self.count(readings).append(_intensity_row(self.user, fmt, entry))
                elif entry.name.strip().lower() in NO_MEDICINE:
                    continue
                elif better.isdisjoint(_keys(fmt, entry.superseded_by)):
                    row = _dose_row(self.user, fmt, entry, self.plan, self.unlisted)
                    self.count(doses).append(row)
                else:
                    self.plan.superseded += 1
            except EntryError as exc:
                self.source.problem(entry.where, str(exc))
        readings = self.new_only(readings, Reading)
        doses = self.new_only(doses, MedicationDose)
        self.plan.readings += len(readings)
        self.plan.doses += len(doses)
        self.plan.classes.update(d["med_class"] for d in doses)
        dated = [(r["recorded_at"], _reading_text, r) for r in readings]
        dated += [(d["taken_at"], _dose_text, d) for d in doses]
        if dated:
            first, last = min(dated, key=itemgetter(0))[0], max(dated, key=itemgetter(0))[0]
            self.plan.first_day = min(first.date(), self.plan.first_day or first.date())
            self.plan.last_day = max(last.date(), self.plan.last_day or last.date())
            # Only the chunk's earliest few are worded: the preview shows ten entries.
            earliest = heapq.nsmallest(PREVIEW_ENTRIES, dated, key=itemgetter(0))
            shown = [PreviewEntry(at, text(row)) for at, text, row in earliest]
            self.plan.entries = heapq.nsmallest(
                PREVIEW_ENTRIES, [*self.plan.entries, *shown], key=lambda e: e.at
            )
        if self.spool is not None and not self.source.problem_count:
            self.spool.add(Reading, readings)
            self.spool.add(MedicationDose, doses)

    def held(self, model, keys: Collection[str]) -> set[str]:
        """Return which of these keys the diary holds for the user."""
        keys = list(keys)
        held: set[str] = set()
        for n in range(0, len(keys), 500):
            held.update(
                db.session.scalars(
                    select(model.client_key).where(
                        model.user_id == self.user.id, model.client_key.in_(keys[n : n + 500])
                    )
                )
            )
        return held

    def replace(self, keys: set[str]) -> None:
        """Plan to remove the diary's medicines of these keys (those it holds), once each."""
        found = self.held(MedicationDose, keys - self.replaced)
        self.replaced |= found
        self.plan.replaced += len(found)
        if self.spool is not None and not self.source.problem_count:
            self.spool.replace(sorted(found))

    def new_only(self, rows: list[dict], model) -> list[dict]:
        """Leave out rows the diary holds already (an earlier import) or met earlier in the file."""
        keys = [row["client_key"] for row in rows]
        held = self.held(model, keys)
        self.plan.already_present += sum(1 for key in keys if key in held)
        new = []
        for row in rows:
            if row["client_key"] in held:
                continue
            short = bytes.fromhex(row["client_key"][:32])
            if short in self.seen:
                self.plan.repeated += 1
                continue
            self.seen.add(short)
            new.append(row)
        return new


def _keys(fmt: str, source_keys: tuple[str, ...]) -> list[str]:
    """Return the idempotency keys of some source entries."""
    return [source_key(fmt, key) for key in source_keys]


def plan_import(
    user: User, source: Source, spool: BinaryIO | None = None, unlisted: str | None = None
) -> Plan:
    """Check every entry through the services and sum up what an import would add.

    unlisted is the kind the patient chose for medicines not in the diary's list; without
    it, such a medicine is a problem that stops the import (a kind is never assumed).

    Given a spool file, the checked rows to add are written to it for apply_rows();
    without, only the preview's sums are kept. Memory stays the same for any size of file.
    Raise TooManyRows when the file makes more rows than its size allows.
    """
    plan = Plan(format=source.format)
    limit = SPOOL_TIMES * source.size + SPOOL_FLOOR
    rows = Spool.start(spool, source.format, user.timezone, limit) if spool else None
    planner = _Planner(user, source, plan, rows, limit, unlisted)
    entries = iter(source.entries)
    for chunk in iter(lambda: tuple(islice(entries, CHUNK)), ()):
        planner.chunk(chunk)
    if rows is not None:
        rows.finish()
    plan.left_out = source.left_out
    plan.clock_changes, plan.clock_change_count = source.clock_changes, source.clock_change_count
    plan.notes = source.notes
    plan.problems, plan.problem_count = source.problems, source.problem_count
    return plan


def _reading_text(row: dict) -> str:
    return f"Pain {row['pain']}" + (f": {row['note']}" if row["note"] else "")


def _dose_text(row: dict) -> str:
    classes = reference.medication_classes()
    dose = f" {row['dose']}" if row["dose"] else ""
    return f"{row['name']}{dose} ({mid_sentence(classes[row['med_class']].label)})"


@dataclass(frozen=True)
class Added:
    format: str
    readings: int
    medications: int


def apply_rows(user: User, spool_file: BinaryIO) -> Added:
    """Insert a plan's spooled rows through the bulk path, a chunk at a time; say how many.

    Each part holds the write lock about half a second (diary/sqlite.py), the last one is
    left for the request to commit, with the removal of the medicines the import replaces.
    Rows kept under another schema revision, or damaged since the preview, are refused
    before anything is written (PreviewOutdated). An entry added since the preview (the
    same key) stops the insert with IntegrityError, once what earlier parts committed is
    deleted again: nothing is half-written.
    """
    spool = Spool(spool_file)
    header = spool.header()
    if header["revision"] != schema_revision():
        raise PreviewOutdated(
            gettext("The diary was updated since this preview; please preview the file again.")
        )
    if header["zone"] != user.timezone:
        raise PreviewOutdated(
            "Your time zone changed after the preview, so its times would be wrong."
            " Upload the file again."
        )
    added: Counter = Counter()
    replaced: list[str] = []
    inserted = PartedInsert(user.id)
    try:
        for chunk in spool.chunks():
            if isinstance(chunk, Replaced):
                replaced += chunk.keys
                continue
            model, rows = chunk
            inserted.insert(model, bulk_rows(model, rows))
            added[model] += len(rows)
    except IntegrityError:
        db.session.rollback()
        inserted.take_back()
        raise
    # Removed with the last part: an import stopped part-way keeps what it would replace.
    delete_imported(user, replaced)
    return Added(header["format"], added[Reading], added[MedicationDose])
