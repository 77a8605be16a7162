"""Turn another diary's attacks and medicines into attacks, readings and medications, and
preview them.

Every row is checked by the same service as any other entry (checked_attack,
checked_reading, checked_dose); the web import writes nothing until the patient confirms
the preview, and then writes exactly what was previewed (`diary import`, which waits for
no confirmation, inserts the rows as they are checked and takes them back on a problem).
Entries are checked a chunk at a time, so a file of 200,000 rows needs no more memory
than one of 200, and a file makes only so many rows for its size (SPOOL_TIMES). Each
row's idempotency key is derived from the source entry's own id (imports.keys), so
importing the same export, or a later one from the same app, adds only entries the diary
does not hold yet.
Where an app exports the same medicines in two files, the more exact file's entries
replace the other's in the diary, and the other's are not imported after them.
"""

import heapq
import re
from collections import Counter
from collections.abc import Callable, Collection, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from operator import attrgetter, itemgetter
from typing import Any, BinaryIO

from flask_babel import gettext
from sqlalchemy import Select, bindparam, func, select

from diary import reference, rules
from diary.collector import collector_paused
from diary.extensions import db
from diary.imports.aside import Checking, Chunk, entry_chunks
from diary.imports.inserting import Added, Inserted
from diary.imports.keys import SEPARATOR, earlier_keys, entry_keys, named_keys
from diary.imports.source import Attack, Intensity, Source, Taken
from diary.imports.spool import (
    REPLACE,
    SPOOL_FLOOR,
    SPOOL_TIMES,
    TRIGGERS,
    PreviewOutdated,
    Replaced,
    Rows,
    Spool,
    TooManyRows,
    Triggers,
    schema_revision,
)
from diary.models import Attack as AttackRow
from diary.models import MedicationDose, Reading, User
from diary.models.attack import TRIGGER_NAME_MAX
from diary.rules import EntryError, mid_sentence
from diary.services import attacks
from diary.services.idempotency import KEY_MAX
from diary.services.medications import checked_dose
from diary.services.readings import checked_reading

PREVIEW_ENTRIES = 10
CHUNK = 2_000  # entries checked, looked up and kept at a time
# What each row checked counts towards that, kept or not (a row met twice is checked twice).
ROW_BYTES = 100
# What a score may be written as (a union made once: `|` in a check builds one each time),
# and a score written as a whole number, as most apps write it.
SCORE = int | float | str
WHOLE = re.compile(r"\s*[0-9]{1,3}\s*")
# Placeholders some apps write where no medicine was taken.
NO_MEDICINE = frozenset({"", "no medication", "none", "null"})


def whole_score(value: Any) -> Any:
    """Round a fractional score half up (6.5 -> 7); anything else is left for the service."""
    if isinstance(value, bool) or not isinstance(value, SCORE):
        return value
    # Whole already (most scores): Decimal takes microseconds. A whole float below 2**53
    # (5.0) is that whole number exactly.
    if isinstance(value, int) or (isinstance(value, str) and WHOLE.fullmatch(value)):
        return int(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    try:
        number = Decimal(str(value).strip())
        # Too large to round (1e300) or not a number at all: the service says so.
        return int(number.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    except (InvalidOperation, ValueError):
        return value


def lasted(minutes: int) -> str:
    """Say how long an attack lasted, as the preview shows it."""
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{n} {unit}" for n, unit in ((days, "d"), (hours, "h"), (minutes, "min")) if n]
    return f"lasted {' '.join(parts) or 'under a minute'}"


@dataclass(frozen=True)
class PreviewEntry:
    at: datetime
    text: str


@dataclass
class Plan:
    """What an import will add, checked, and what the patient sees before confirming."""

    format: str
    attacks: int = 0
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
    # The days from the file's first attack to its last (imported before or not): an attack
    # log's days without an attack, which the patient may mark headache-free.
    attack_first: date | None = None
    attack_last: date | None = None

    @property
    def changes(self) -> bool:
        """Tell whether confirming would change the diary."""
        return bool(self.attacks or self.readings or self.doses or self.replaced)

    @property
    def attack_span(self) -> tuple[date, date] | None:
        """Return the first and last day of the file's attacks, if it has any."""
        if self.attack_first is None or self.attack_last is None:
            return None
        return self.attack_first, self.attack_last

    def spans(self, attack: Attack) -> None:
        """Widen the file's span of attacks by one attack."""
        last = max(attack.start, attack.end or attack.start).date()
        self.attack_first = min(attack.start.date(), self.attack_first or attack.start.date())
        self.attack_last = max(last, self.attack_last or last)


def _trigger_names(names: tuple[str, ...]) -> tuple[list[str], str]:
    """Return the names that can be triggers, and the others as a sentence for the note.

    ";" joins triggers in CSV files, so a name holding one cannot be a trigger.
    """
    if not names:
        return [], ""  # most attacks
    kept = [n.strip() for n in names if n.strip() and ";" not in n and len(n) <= TRIGGER_NAME_MAX]
    rest = [n for n in names if n.strip() and n.strip() not in kept]
    return kept, f"Triggers: {', '.join(rest)}." if rest else ""


def _attack_row(user: rules.Owner, attack: Attack, key: str) -> dict:
    """Check an attack with what its source says of it; the rest goes into its note."""
    triggers, other = _trigger_names(attack.triggers)
    given = attack.intensity not in (None, "")
    return attacks.checked_attack(
        user,
        started_at=attack.start,
        ended_at=attack.end,
        peak_pain=whole_score(attack.intensity) if attack.peak and given else None,
        side=attack.side,
        location=attack.location,
        aura=list(attack.aura),
        triggers=triggers,
        note=" ".join(d for d in (other, *attack.details) if d),
        client_key=key,
        **dict(attack.answers),
    )


def _start_reading(user: rules.Owner, attack: Attack, key: str) -> dict | None:
    """Return the reading of an attack's intensity at its start, when the source gives one."""
    if attack.intensity in (None, ""):
        return None
    return checked_reading(
        user,
        recorded_at=attack.start,
        pain=whole_score(attack.intensity),
        note="",
        client_key=key,
    )


def _intensity_row(user: rules.Owner, reading: Intensity, key: str) -> dict:
    return checked_reading(
        user,
        recorded_at=reading.at,
        pain=whole_score(reading.intensity),
        note="Recorded during an episode.",
        client_key=key,
    )


def _dose_row(user: rules.Owner, taken: Taken, unlisted: str | None, key: str) -> dict:
    """Check a medicine taken; one the list does not name takes the kind the patient chose
    for such medicines, and is refused when none was chosen."""
    listed = reference.medicine_class(taken.name) is not None
    return checked_dose(
        user,
        taken_at=taken.at,
        name=taken.name,
        dose=taken.dose,
        med_class=None if listed else unlisted,
        note=taken.note,
        relief_2h=taken.relief_2h,
        client_key=key,
    )


# An entry's rows as its services checked them: an attack's with the reading of its
# intensity (or None), a reading's, or a medicine's.
Checked = tuple[dict, dict | None] | dict


def checked_entries(
    owner: rules.Owner, fmt: str, unlisted: str | None, entries: Chunk
) -> list[Checked | None]:
    """Check each entry through its services as _Planner.check does, without the database
    or what the entries before it said: each one's rows, or None where a check refused it.

    The reading process (aside.py) checks a chunk so when the diary is behind. The diary
    checks each entry refused here again itself, so its problem is worded as always, in
    the patient's language; a medicine the diary holds from a more exact file, or none
    at all, is checked here in vain.
    """
    outcomes: list[Checked | None] = []
    with rules.checked_together(datetime.now(UTC)):
        for entry in entries:
            try:
                keys = entry_keys(fmt, entry)
                if isinstance(entry, Attack):
                    outcome: Checked = (
                        _attack_row(owner, entry, keys[0]),
                        _start_reading(owner, entry, keys[1]),
                    )
                elif isinstance(entry, Intensity):
                    outcome = _intensity_row(owner, entry, keys[0])
                else:
                    outcome = _dose_row(owner, entry, unlisted, keys[0])
            except Exception:  # the diary checks it again, and says why
                outcomes.append(None)
            else:
                outcomes.append(outcome)
    return outcomes


class _Planner:
    """Check a stream of entries into rows a chunk at a time, keeping sums and (maybe) the rows."""

    def __init__(
        self,
        user: User,
        source: Source,
        plan: Plan,
        spool: Spool | Inserted | None,
        limit: int,
        unlisted: str | None,
    ):
        self.user, self.source, self.plan, self.spool = user, source, plan, spool
        self.owner = rules.Owner(user.id, user.timezone)
        self.unlisted = unlisted
        self.seen: set[bytes] = set()  # keys met so far (the last 16 bytes of each hash)
        # The chunk's ordered keys with the plain keys versions before gave the same rows
        # (keys.earlier_keys), when the diary holds plain keys at all.
        self.earlier: dict[str, str] = {}
        self.replaced: set[str] = set()  # keys of the diary's medicines the import replaces
        # The start and key of an attack of the file not ended.
        self.running: tuple[datetime, str | None] | None = None
        self.rows_left = limit // ROW_BYTES
        # Whether the user held rows of a table with keys at all before the import, asked
        # once: rows an import inserts as it checks are met in the file first (seen).
        self.keyed: dict[Any, bool] = {}
        # Whether it held rows that versions before imported, keyed plainly, asked once.
        self.plainly_keyed: bool | None = None

    def count(self, rows: list[dict]) -> list[dict]:
        """Return rows, to take one more: past the file's allowance, raise TooManyRows."""
        self.rows_left -= 1
        if self.rows_left < 0:
            raise TooManyRows
        return rows

    def attack(
        self, entry: Attack, rows: list[dict], readings: list[dict], checked: Any = None
    ) -> None:
        """Check an attack and the reading of its intensity (unless checked already, as
        checked_entries does); one attack runs at a time."""
        keys = () if checked else entry_keys(self.source.format, entry)
        row = checked[0] if checked else _attack_row(self.owner, entry, keys[0])
        self.plan.spans(entry)
        if row["ended_at"] is None:
            self.one_running(row)
        self.count(rows).append(row)
        reading = checked[1] if checked else _start_reading(self.owner, entry, keys[1])
        if reading is not None:
            self.count(readings).append(reading)

    def one_running(self, row: dict) -> None:
        """Refuse a second attack not ended, in the file or beside the diary's own."""
        running = self.running
        if running is None:
            diary = attacks.open_attack(self.user)
            running = (diary.started_at, diary.client_key) if diary is not None else None
        key = row["client_key"]
        if running is not None and running[1] not in (key, self.earlier.get(key, key)):
            started = running[0].isoformat(timespec="minutes").replace("T", " ")
            raise EntryError(
                {"ended_at": f"An attack is already running since {started}; stop it first."}
            )
        self.running = (row["started_at"], row["client_key"])

    def attack_text(self, row: dict) -> str:
        """Return an attack as the preview shows it: how long it lasted, and its note."""
        if row["ended_at"] is None:
            said = "Attack, still going"
        else:
            unsaved = AttackRow(**{k: v for k, v in row.items() if k != "triggers"})
            minutes = attacks.minutes_lasted(unsaved, self.user.timezone)
            said = f"Attack, {lasted(minutes)}"
        return said + (f": {row['note']}" if row["note"] else "")

    def chunk(self, entries: Chunk, outcomes: list[Checked | None] | None) -> None:
        found: list[dict] = []
        readings: list[dict] = []
        doses: list[dict] = []
        fmt = self.source.format
        taken = [entry for entry in entries if isinstance(entry, Taken)]
        better: set[str] = set()
        # Only a diary that holds medicines with keys can hold those the file names (a
        # first import's keys of them are not even worked out).
        if taken and self.holds_keys(MedicationDose):
            better = self.held(
                MedicationDose, {k for e in taken for k in named_keys(fmt, e.superseded_by)}
            )
            self.replace({k for e in taken for k in named_keys(fmt, e.replaces)})
        self.earlier = earlier_keys(fmt, entries) if self.holds_plain_keys() else {}
        with rules.checked_together(datetime.now(UTC)):
            self.check(entries, outcomes or [None] * len(entries), better, found, readings, doses)
        found = self.new_only(found, AttackRow)
        readings = self.new_only(readings, Reading)
        doses = self.new_only(doses, MedicationDose)
        self.plan.attacks += len(found)
        self.plan.readings += len(readings)
        self.plan.doses += len(doses)
        self.plan.classes.update(d["med_class"] for d in doses)
        self.show(found, "started_at", self.attack_text)
        self.show(readings, "recorded_at", _reading_text)
        self.show(doses, "taken_at", _dose_text)
        if self.spool is not None and not self.source.problem_count:
            # Attacks go in bulk like readings; their triggers after them, by their keys.
            self.spool.add(AttackRow, found, leave_out="triggers")
            self.spool.triggers([(r["client_key"], r["triggers"]) for r in found if r["triggers"]])
            self.spool.add(Reading, readings)
            self.spool.add(MedicationDose, doses)

    def check(
        self,
        entries: Chunk,
        outcomes: list[Any],  # each entry's Checked, of the shape its kind has, or None
        better: set[str],
        found: list[dict],
        readings: list[dict],
        doses: list[dict],
    ) -> None:
        """Check each entry through its service into the rows of its table (unless its
        outcome holds them checked already); note problems."""
        fmt = self.source.format
        for entry, checked in zip(entries, outcomes, strict=True):
            try:
                if isinstance(entry, Attack):
                    self.attack(entry, found, readings, checked)
                elif isinstance(entry, Intensity):
                    row = checked or _intensity_row(self.owner, entry, *entry_keys(fmt, entry))
                    self.count(readings).append(row)
                elif entry.name.strip().lower() in NO_MEDICINE:
                    continue
                elif not better or better.isdisjoint(named_keys(fmt, entry.superseded_by)):
                    if reference.medicine_class(entry.name) is None:
                        self.plan.unknown_medicines[entry.name.strip()] += 1
                    row = checked or _dose_row(
                        self.owner, entry, self.unlisted, *entry_keys(fmt, entry)
                    )
                    self.count(doses).append(row)
                else:
                    self.plan.superseded += 1
            except EntryError as exc:
                self.source.problem(entry.where, str(exc))

    def show(self, rows: list[dict], when: str, text: Callable[[dict], str]) -> None:
        """Widen the preview's dates by rows to add, and keep the earliest entries worded."""
        if not rows:
            return
        times = list(map(itemgetter(when), rows))
        first, last = min(times).date(), max(times).date()
        plan = self.plan
        plan.first_day = min(first, plan.first_day or first)
        plan.last_day = max(last, plan.last_day or last)
        # Only the earliest few are worded (the preview shows ten), and only when earlier
        # than those shown so far: an earlier entry keeps its place among the same times.
        if len(plan.entries) == PREVIEW_ENTRIES and min(times) >= plan.entries[-1].at:
            return
        earliest = heapq.nsmallest(PREVIEW_ENTRIES, rows, key=itemgetter(when))
        shown = [PreviewEntry(row[when], text(row)) for row in earliest]
        plan.entries = heapq.nsmallest(
            PREVIEW_ENTRIES, [*plan.entries, *shown], key=attrgetter("at")
        )

    def held(self, model, keys: Collection[str]) -> set[str]:
        """Return which of these keys the diary holds for the user."""
        keys = list(keys)
        held: set[str] = set()
        if not keys or not self.holds_keys(model):
            return held  # a first import: nothing to look up key by key
        for n in range(0, len(keys), 500):
            given = {"user_id": self.user.id, "keys": keys[n : n + 500]}
            held.update(db.session.scalars(_held_keys(model), given))
        return held

    def holds_keys(self, model) -> bool:
        """Tell whether the diary holds any row of model with a key for the user."""
        if model not in self.keyed:
            self.keyed[model] = (
                db.session.scalar(_any_key(model), {"user_id": self.user.id}) is not None
            )
        return self.keyed[model]

    def holds_plain_keys(self) -> bool:
        """Tell whether the diary holds rows a version before imported, keyed plainly."""
        if self.plainly_keyed is None:
            given = {"user_id": self.user.id}
            self.plainly_keyed = any(
                db.session.scalar(_any_plain_key(model), given) is not None
                for model in (AttackRow, Reading, MedicationDose)
            )
        return self.plainly_keyed

    def replace(self, keys: set[str]) -> None:
        """Plan to remove the diary's medicines of these keys (those it holds), once each."""
        found = self.held(MedicationDose, keys - self.replaced)
        self.replaced |= found
        self.plan.replaced += len(found)
        if self.spool is not None and not self.source.problem_count:
            self.spool.replace(sorted(found))

    def new_only(self, rows: list[dict], model) -> list[dict]:
        """Leave out rows met earlier in the file, or that the diary holds already (an
        earlier import). Met earlier first: an import that inserts as it checks holds them."""
        keys = [row["client_key"] for row in rows]
        earlier = self.earlier
        held = self.held(model, keys + [earlier[key] for key in keys if key in earlier])
        new = []
        for row in rows:
            key = row["client_key"]
            short = bytes.fromhex(key[-32:])
            if short in self.seen:
                self.plan.repeated += 1
            elif key in held or earlier.get(key) in held:
                self.plan.already_present += 1
            else:
                self.seen.add(short)
                new.append(row)
        return new


@cache
def _held_keys(model) -> Select:
    """Return the query of which keys a user's rows of model hold, built once per model."""
    return select(model.client_key).where(
        model.user_id == bindparam("user_id"),
        model.client_key.in_(bindparam("keys", expanding=True)),
    )


@cache
def _any_key(model) -> Select:
    """Return the query of one of a user's rows of model that has a key, built once per model."""
    return (
        select(model.id)
        .where(model.user_id == bindparam("user_id"), model.client_key.is_not(None))
        .limit(1)
    )


@cache
def _any_plain_key(model) -> Select:
    """Return the query of one of a user's rows of model with a key as long as a plain
    import key and without an ordered key's separator (keys.source_key)."""
    return (
        select(model.id)
        .where(
            model.user_id == bindparam("user_id"),
            func.length(model.client_key) == KEY_MAX,
            model.client_key.not_like(f"%/{SEPARATOR}%", escape="/"),
        )
        .limit(1)
    )


@collector_paused()
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
    limit = SPOOL_TIMES * source.size + SPOOL_FLOOR
    rows = Spool.start(spool, source.format, user.timezone, limit) if spool else None
    plan = _planned(user, source, rows, unlisted)
    if rows is not None:
        rows.finish()
    return plan


@collector_paused()
def import_now(
    user: User, source: Source, unlisted: str | None = None, free_days: bool = True
) -> tuple[Plan, Added | None]:
    """Check every entry and insert its rows as they are checked, for `diary import`, which
    waits for no confirmation; return the plan, and what was added (None when a problem
    stopped the import: what was inserted before it was taken back).

    The diary inserts while the reading process reads on, with no file of rows to write
    and read back. free_days marks the days of the file's span of attacks that nothing
    says had a headache.
    """
    rows = Inserted(user)
    with rows.taken_back_on_failure():
        plan = _planned(user, source, rows, unlisted)
        if not plan.problem_count:
            return plan, rows.finish(plan.format, plan.attack_span if free_days else None)
    rows.take_back()
    return plan, None


def _planned(
    user: User, source: Source, rows: Spool | Inserted | None, unlisted: str | None
) -> Plan:
    """Check every entry into rows (kept or inserted, unless rows is None); return the plan.

    Rows inserted as they are checked are taken back at the first problem: the rest of
    the file is only checked, for the problems it holds.
    """
    plan = Plan(format=source.format)
    limit = SPOOL_TIMES * source.size + SPOOL_FLOOR
    planner = _Planner(user, source, plan, rows, limit, unlisted)
    live = rows if isinstance(rows, Inserted) else None
    with entry_chunks(source, CHUNK, Checking(planner.owner, unlisted)) as chunks:
        for chunk, outcomes in chunks:
            with live.checking() if live else nullcontext():
                planner.chunk(chunk, outcomes)
            if live is None or planner.spool is not live:
                continue
            if source.problem_count:
                live.take_back()
                planner.spool = None
            else:
                live.insert_due()
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


@collector_paused()
def apply_rows(
    user: User, spool_file: BinaryIO, free_days: tuple[date, date] | None = None
) -> Added:
    """Insert a plan's spooled rows through the bulk path, a chunk at a time; say how many.

    Each part holds the write lock about half a second (diary/sqlite.py), the last one is
    left for the request to commit, with the removal of the medicines the import replaces,
    the attacks' triggers (through their service, by the attacks' keys) and, given
    free_days (the file's span of attacks), the marks of its days that nothing says had a
    headache. Rows kept under another schema revision, or damaged since the preview, are
    refused before anything is written (PreviewOutdated). An entry added since the preview
    (the same key) stops the insert with IntegrityError, once what earlier parts committed
    is deleted again: nothing is half-written.
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
    rows = Inserted(user)
    with rows.taken_back_on_failure():
        for chunk in _table_by_table(spool):
            if isinstance(chunk, Replaced):
                rows.replace(chunk.keys)
            elif isinstance(chunk, Triggers):
                rows.triggers(chunk.keyed)
            else:
                rows.insert(chunk.model, chunk.columns, chunk.values)
        return rows.finish(header["format"], free_days)


def _table_by_table(spool: Spool) -> Iterator[Rows | Replaced | Triggers]:
    """Yield a spool's chunks one table at a time: the attacks with their triggers (and the
    medicines replaced), then the readings, then the medicines taken.

    Each part's commit writes out every index page the part changed, and where a file's
    entries have ids in no order, its keys go into their unique index all over it: a part
    of one table changes the pages of one such index instead of three (a third of the
    writing, and of the pages kept meanwhile).
    """
    yield from spool.chunks(AttackRow.__tablename__, TRIGGERS, REPLACE)
    yield from spool.chunks(Reading.__tablename__)
    yield from spool.chunks(MedicationDose.__tablename__)
