"""Everything of one account as JSON: a lossless backup that a new instance can restore."""

import io
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, tzinfo
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm.attributes import set_committed_value

from diary.clock import Timestamps
from diary.extensions import db
from diary.json_shape import JsonShapeError, check_json_shape
from diary.models import (
    Attack,
    DayMark,
    MedicationDose,
    PreventiveRegimen,
    Reading,
    Reminder,
    SideEffectReport,
    Treatment,
    User,
)
from diary.models.questionnaire import MIDAS, PGIC
from diary.models.reminder import CUSTOM
from diary.rules import EntryError
from diary.services import (
    accounts,
    attacks,
    day_marks,
    medications,
    preventives,
    questionnaires,
    readings,
    reminders,
    shares,
    side_effects,
    treatments,
)
from diary.services.bulk import BulkRows, bulk_rows, insert_bulk
from diary.sqlite import commit_part_if_due, read_phase
from diary.transfer.account_schema import (
    FORMAT,
    FORMAT_VERSION,
    READABLE,
    SCHEMA,
    upgraded,
)
from diary.transfer.restoring import RestoreRunning, taken_back_on_failure
from diary.transfer.shapes import Shapes

FILENAME = "account.json"
# The large tables, read as columns: their model and the list of the backup they fill.
TABLES = {"readings": Reading, "side_effects": SideEffectReport, "medications": MedicationDose}


class AccountRestoreError(ValueError):
    """The backup cannot be restored; nothing was written."""


def _row(obj, table: str, zone: tzinfo, skip=()) -> dict:
    """Return an object's fields as the backup writes them (ids and user ids are not kept)."""
    return {
        name: field.written(getattr(obj, field.column), zone)
        for name, field in SCHEMA[table].items()
        if name not in skip
    }


def _table_items(user: User, table: str, order) -> Iterator[str]:
    """Yield the user's rows of a large table as JSON text, a thousand at a time.

    Column selects, not ORM objects: nothing piles up in the session's identity map.
    """
    model, fields = TABLES[table], SCHEMA[table]
    zone = ZoneInfo(user.timezone)
    # Each large table's first field is its time of day, the only one a fold changes.
    _, *others = fields.values()
    names = list(fields)
    query = (
        select(*(getattr(model, field.column) for field in fields.values()), model.fold)
        .where(model.user_id == user.id)
        .order_by(order, model.id)
        .execution_options(yield_per=1000)
    )
    moment = Timestamps(zone)
    written = Shapes(lambda *values: dict(zip(names, values, strict=True)))
    for at, *row, fold in db.session.execute(query):
        # The second pass through a repeated hour: its UTC offset says which one.
        values = (field.written(value, zone) for field, value in zip(others, row, strict=True))
        yield written(moment(at, int(fold)), *values)[0]


def _attack_items(user: User, zone: tzinfo) -> Iterator[dict]:
    """Yield the attacks with the fields the attacks' service takes: aura and triggers as lists."""
    fields = SCHEMA["attacks"]
    for attack in attacks.in_time_order(user):
        # The second pass through a repeated hour: its UTC offset says which one.
        started = attack.started_at.replace(fold=int(attack.started_fold))
        ended = attack.ended_at and attack.ended_at.replace(fold=int(attack.ended_fold))
        item = _row(attack, "attacks", zone)
        item["started_at"] = fields["started_at"].written(started, zone)
        item["ended_at"] = fields["ended_at"].written(ended, zone)
        item["triggers"] = [t.name for t in attack.triggers]
        yield item


def _day_items(user: User, zone: tzinfo) -> Iterator[dict]:
    marks = db.session.scalars(
        select(DayMark).where(DayMark.user_id == user.id).order_by(DayMark.day)
    )
    for mark in marks:
        yield _row(mark, "day_marks", zone)


def _treatment_items(user: User, zone: tzinfo) -> Iterator[dict]:
    treatments_in = db.session.scalars(
        select(Treatment)
        .where(Treatment.user_id == user.id)
        .order_by(Treatment.started_on, Treatment.id)
    )
    for t in treatments_in:
        item = _row(t, "treatments", zone)
        item["doses"] = [_row(d, "doses", zone) for d in t.doses]
        item["medicines"] = [_row(m, "medicines", zone) for m in t.medicines]
        item["follow_up"] = _row(t.follow_up, "reminders", zone) if t.follow_up else None
        yield item


def _preventive_items(user: User, zone: tzinfo) -> Iterator[dict]:
    """Yield each preventive regimen with the doses marked taken or missed."""
    for regimen in preventives.user_regimens(user):
        item = _row(regimen, "preventives", zone)
        item["doses"] = [_row(d, "preventive_doses", zone) for d in regimen.doses]
        yield item


def _reminder_items(user: User, zone: tzinfo) -> Iterator[dict]:
    reminders = db.session.scalars(
        select(Reminder)
        .where(Reminder.user_id == user.id, Reminder.kind == CUSTOM)
        .order_by(Reminder.due_on, Reminder.id)
    )
    for reminder in reminders:
        yield _row(reminder, "reminders", zone)


def _questionnaire_items(user: User, zone: tzinfo) -> Iterator[dict]:
    for answer, started_on in questionnaires.answers_with_start(user):
        started = {"treatment_started_on": started_on.isoformat() if started_on else None}
        yield _row(answer, "questionnaires", zone, skip=started) | started


def _share_items(user: User, zone: tzinfo) -> Iterator[dict]:
    """Shared links as records only (never their tokens): a restore keeps them revoked."""
    for share in reversed(shares.user_shares(user)):
        yield _row(share, "shares", zone) | {"revoked": True}


def account_chunks(user: User) -> Iterator[str]:
    """Yield the account backup as JSON text, one entry a line, as it is read.

    A million readings stream through in bounded memory; the file is one JSON
    object that import_account() reads back.
    """
    zone = ZoneInfo(user.timezone)
    head = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "profile": {
            "timezone": user.timezone,
            "weight_kg": user.weight_kg,
            "email": user.email,
            "low_light": user.low_light,
            "language": user.language,
            "full_name": user.full_name,
            "date_of_birth": user.birth_date.isoformat() if user.birth_date else None,
            "period_tracking": user.period_tracking,
            "day_rule": user.day_rule,
        },
    }
    yield "{\n" + "".join(
        f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)},\n" for k, v in head.items()
    )
    lists = {
        "readings": _table_items(user, "readings", Reading.recorded_at),
        "side_effects": _table_items(user, "side_effects", SideEffectReport.recorded_at),
        "medications": _table_items(user, "medications", MedicationDose.taken_at),
        "treatments": _treatment_items(user, zone),
        "preventives": _preventive_items(user, zone),
        "reminders": _reminder_items(user, zone),
        "questionnaires": _questionnaire_items(user, zone),
        "shares": _share_items(user, zone),
        "attacks": _attack_items(user, zone),
        "day_marks": _day_items(user, zone),
    }
    for n, (key, items) in enumerate(lists.items()):
        yield f"  {json.dumps(key)}: ["
        for m, item in enumerate(items):
            # The large tables' entries come as text already.
            text = item if isinstance(item, str) else json.dumps(item, ensure_ascii=False)
            yield ("," if m else "") + "\n    " + text
        yield "\n  ]" + ("," if n < len(lists) - 1 else "") + "\n"
    yield "}\n"


# Problems listed on the page; the rest are counted.
PROBLEMS_SHOWN = 20


class _Problems:
    """Every problem of a backup, each with where it is: readings[3].pain: ..."""

    def __init__(self) -> None:
        self.found: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.found.append(f"{where}: {message}")

    def refused(self, where: str, exc: EntryError) -> None:
        for field, message in exc.errors.items():
            self.add(f"{where}.{field}", message)

    def raise_any(self) -> None:
        if self.found:
            shown = self.found[:PROBLEMS_SHOWN]
            more = len(self.found) - len(shown)
            raise AccountRestoreError(
                " ".join(shown) + (f" … and {more} more problems." if more else "")
            )


def _fields(item: Any, where: str, table: str, problems: _Problems, skip=()) -> dict | None:
    """Return an entry's fields as its service takes them, or None (a problem noted).

    The backup's schema (account_schema.SCHEMA) says which fields an entry may and must
    have; the service checks the values, with the same messages as for a form or the API.
    """
    if not isinstance(item, dict):
        problems.add(where, "expected an object")
        return None
    fields = {name: field for name, field in SCHEMA[table].items() if name not in skip}
    unknown = sorted(set(item) - set(fields) - set(skip))
    missing = sorted(name for name, f in fields.items() if f.required and name not in item)
    for name in unknown:
        problems.add(f"{where}.{name}", "is not a field here")
    for name in missing:
        problems.add(f"{where}.{name}", "is missing")
    if unknown or missing:
        return None
    return {
        fields[name].argument: fields[name].read(value)
        for name, value in item.items()
        if name in fields
    }


def _list(data: dict, key: str, problems: _Problems) -> list:
    items = data.get(key, [])
    if not isinstance(items, list):
        problems.add(key, "expected a list")
        return []
    return items


# The entries kept in bulk: their list in the backup, their table, their service's checker.
BULK = (
    ("readings", readings.checked_reading),
    ("side_effects", side_effects.checked_report),
    ("medications", medications.checked_dose),
)
EMPTY_ONLY = "This account already has entries; restore into a new, empty account."


def _has_entries(user: User) -> bool:
    return any(
        db.session.scalar(select(func.count()).select_from(model).where(model.user_id == user.id))
        for model in (
            Reading,
            SideEffectReport,
            MedicationDose,
            Treatment,
            Reminder,
            PreventiveRegimen,
            Attack,
            DayMark,
        )
    )


def read_backup(file: BinaryIO) -> Any:
    """Return an uploaded backup's JSON, or raise AccountRestoreError saying why it is none.

    Its shape is checked before it is parsed: Python's parser fails on a whole number
    of 4,301 digits or lists nested a thousand deep with errors no message names.
    """
    raw = file.read()
    try:
        check_json_shape(io.BytesIO(raw))
        return json.loads(raw.decode("utf-8"))
    except JsonShapeError as exc:
        raise AccountRestoreError(str(exc)) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise AccountRestoreError(f"The file is not JSON: {exc}.") from None


def import_account(user: User, data: Any) -> dict[str, int]:
    """Restore a backup into an account with no entries, every entry through its service.

    Every value is checked first, in a read-only transaction, and AccountRestoreError lists
    each problem before anything is written. The entries then go in a part at a time, each
    holding the write lock about half a second, so the household's own writes go through
    in between; a part that fails takes back everything the restore wrote
    (diary/transfer/restoring.py), so nothing is kept unless all of it is.
    """
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise AccountRestoreError("This is not a headache diary account backup.")
    # Version 1 said "version"; later ones say "format_version".
    version = data.get("format_version", data.get("version"))
    if version not in READABLE:
        raise AccountRestoreError(f"Backups of version {version} cannot be read here.")
    data = data | {table: upgraded(data.get(table, []), table, version) for table in SCHEMA}
    with read_phase(db.session):
        if _has_entries(user):
            raise AccountRestoreError(EMPTY_ONLY)
        profile, bulk = _checked(user, data)
    try:
        with taken_back_on_failure(user):
            if _has_entries(user):  # another restore finished meanwhile
                raise AccountRestoreError(EMPTY_ONLY)
            return _written(user, data, profile, bulk)
    except RestoreRunning as exc:
        raise AccountRestoreError(str(exc)) from None


def _checked(user: User, data: dict) -> tuple[dict, dict[str, BulkRows]]:
    """Check every entry without writing; return the profile and the bulk entries' rows.

    The entries are checked in the backup's time zone and with its body weight, as they
    will be written.
    """
    problems = _Problems()
    profile = _fields(data.get("profile", {}), "profile", "profile", problems)
    settings = {}
    try:
        settings = accounts.checked_profile(user, **profile) if profile is not None else {}
    except EntryError as exc:
        problems.refused("profile", exc)
    for name, value in settings.items():
        # Seen by the checks as if saved; the read phase's rollback forgets it.
        set_committed_value(user, name, value)
    bulk = {}
    for key, checker in BULK:
        rows = []
        keys: dict[str, int] = {}
        for n, item in enumerate(_list(data, key, problems)):
            fields = _fields(item, f"{key}[{n}]", key, problems)
            try:
                row = checker(user, **fields) if fields is not None else None
            except EntryError as exc:
                problems.refused(f"{key}[{n}]", exc)
                continue
            if row is None:
                continue
            # Two entries with one key would stop the insert half-way: refused here, whole.
            first = keys.setdefault(row["client_key"], n) if row.get("client_key") else n
            if first != n:
                problems.add(f"{key}[{n}].client_key", f"is the same as {key}[{first}]'s")
            rows.append(row)
        bulk[key] = bulk_rows(TABLES[key], rows) if not problems.found else BulkRows()
    _Others(user, problems, writing=False).restore(data)
    problems.raise_any()
    return profile or {}, bulk


def _written(user: User, data: dict, profile: dict, bulk: dict[str, BulkRows]) -> dict[str, int]:
    """Write a checked backup, committing a part whenever the lock has been held long enough."""
    accounts.update_profile(user, **profile)
    counts = {}
    for key, rows in bulk.items():
        for part in rows.parts():
            insert_bulk(part)
            commit_part_if_due(db.session)
        counts[key] = len(rows)
    problems = _Problems()
    counts |= _Others(user, problems, writing=True).restore(data)
    problems.raise_any()  # what only the stored diary could refuse: taken back whole
    return counts


class _Others:
    """A backup's treatments, reminders, questionnaire answers and shared links.

    Checking runs each entry's checker (unsaved treatments stand in for those that dose
    changes, medicines and PGIC answers belong to); writing runs each entry's service and
    commits a part whenever the lock has been held long enough.
    """

    def __init__(self, user: User, problems: _Problems, writing: bool):
        self.user, self.problems, self.writing = user, problems, writing
        self.stand_ins: list[Treatment] = []

    def restore(self, data: dict) -> dict[str, int]:
        counts = {
            "treatments": self.treatments(_list(data, "treatments", self.problems)),
            "preventives": self.preventives(_list(data, "preventives", self.problems)),
            "reminders": self.reminders(_list(data, "reminders", self.problems)),
            "questionnaires": self.questionnaires(_list(data, "questionnaires", self.problems)),
        }
        # Said only when there were any, as a backup made before attacks has none.
        if attacks_made := self.attacks(_list(data, "attacks", self.problems)):
            counts["attacks"] = attacks_made
        items = _list(data, "day_marks", self.problems)
        for n, item in enumerate(items):
            self.through(
                f"day_marks[{n}]",
                item,
                "day_marks",
                day_marks.mark_day,
                day_marks.checked_day_mark,
                self.user,
            )
        if items:
            counts["day_marks"] = len(items)
        items = _list(data, "shares", self.problems)
        for n, item in enumerate(items):
            self.through(
                f"shares[{n}]",
                item,
                "shares",
                shares.restore_share,
                shares.checked_restored_share,
                self.user,
                skip=("revoked",),
            )
        if items:  # said only when there were any: "3 shared links kept revoked"
            counts["shared_links_kept_revoked"] = len(items)
        return counts

    def through(self, where: str, item: Any, table: str, write, checker, *owners, skip=()):
        """Check or write one entry of a list of the schema; on refusal note why, return None.

        Writing returns what the service made; checking, what the checker returned.
        """
        fields = _fields(item, where, table, self.problems, skip)
        if fields is None:
            return None
        try:
            if not self.writing:
                return checker(*owners, **fields)
            made = write(*owners, **fields)
        except EntryError as exc:
            self.problems.refused(where, exc)
            return None
        commit_part_if_due(db.session)
        return made

    def treatments(self, items: list) -> int:
        user = self.user
        for n, item in enumerate(items):
            where = f"treatments[{n}]"
            made = self.through(
                where,
                item,
                "treatments",
                treatments.add_treatment,
                treatments.checked_treatment,
                user,
                skip=("doses", "medicines", "follow_up"),
            )
            if made is None:
                continue
            treatment = made if self.writing else Treatment(**made)
            self.stand_ins.append(treatment)
            for m, dose in enumerate(item.get("doses", [])):
                self.through(
                    f"{where}.doses[{m}]",
                    dose,
                    "doses",
                    treatments.add_dose_change,
                    treatments.checked_dose_change,
                    user,
                    treatment,
                )
            for m, medicine in enumerate(item.get("medicines", [])):
                self.through(
                    f"{where}.medicines[{m}]",
                    medicine,
                    "medicines",
                    treatments.add_medicine,
                    treatments.checked_medicine,
                    treatment,
                )
            if item.get("follow_up") and treatment.ended_on is not None:  # it has one
                where = f"{where}.follow_up"
                self.state(where, item["follow_up"], treatment.follow_up, ("title", "due_on"))
        return len(items)

    def attacks(self, items: list) -> int:
        """Restore attacks through their service; a backup written before them has none."""
        for n, item in enumerate(items):
            where = f"attacks[{n}]"
            if isinstance(item, dict) and item.get("started_at") is None:
                # The service would take a missing start as now.
                self.problems.add(f"{where}.started_at", "is missing")
                continue
            self.through(
                where, item, "attacks", attacks.add_attack, attacks.checked_attack, self.user
            )
        return len(items)

    def preventives(self, items: list) -> int:
        """Restore each regimen through its service, then the doses marked in it."""
        for n, item in enumerate(items):
            where = f"preventives[{n}]"
            made = self.through(
                where,
                item,
                "preventives",
                preventives.add_regimen,
                preventives.checked_regimen,
                self.user,
                skip=("doses",),
            )
            if made is None:
                continue
            regimen = made if self.writing else PreventiveRegimen(**made)
            for m, dose in enumerate(item.get("doses", [])):
                self.through(
                    f"{where}.doses[{m}]",
                    dose,
                    "preventive_doses",
                    preventives.mark_dose,
                    preventives.checked_mark,
                    self.user,
                    regimen,
                )
        return len(items)

    def state(self, where: str, item: Any, reminder: Reminder | None, skip=()) -> None:
        """Check, or give a restored reminder, the state it had in the backup."""
        owners = (self.user, reminder) if self.writing else (self.user,)
        self.through(
            where,
            item,
            "reminder_state",
            reminders.restore_state,
            reminders.checked_state,
            *owners,
            skip=skip,
        )

    def reminders(self, items: list) -> int:
        state = ("booked_for", "done_on", "dismissed_at", "emailed_for", "uid")
        for n, item in enumerate(items):
            where = f"reminders[{n}]"
            reminder = self.through(
                where,
                item,
                "reminders",
                reminders.add_custom,
                reminders.checked_reminder,
                self.user,
                skip=state,
            )
            if reminder is not None:
                self.state(where, {name: item[name] for name in state if name in item}, reminder)
        return len(items)

    def started(self) -> dict[date, Treatment]:
        """Return the restored treatments by start day (the first made, when two share one)."""
        if self.writing:
            return questionnaires.treatments_by_start(self.user)
        by_start: dict[date, Treatment] = {}
        for treatment in self.stand_ins:
            by_start.setdefault(treatment.started_on, treatment)
        return by_start

    def questionnaires(self, items: list) -> int:
        """Restore PGIC and MIDAS answers through their service, which checks every value."""
        user = self.user
        by_start = {day.isoformat(): t for day, t in self.started().items()}
        for n, item in enumerate(items):
            where = f"questionnaires[{n}]"
            if not isinstance(item, dict):
                self.problems.add(where, "expected an object")
                continue
            common = {
                "answered_on": item.get("answered_on"),
                "version": item.get("instrument_version"),
                "language": item.get("language"),
            }
            try:
                if item.get("instrument") == PGIC:
                    treatment = by_start.get(str(item.get("treatment_started_on")))
                    if treatment is None:
                        self.problems.add(
                            f"{where}.treatment_started_on",
                            "no restored treatment started on that day",
                        )
                        continue
                    pgic = questionnaires.add_pgic if self.writing else questionnaires.checked_pgic
                    pgic(user, treatment, score=item.get("score"), **common)
                elif item.get("instrument") == MIDAS:
                    midas = (
                        questionnaires.add_midas if self.writing else questionnaires.checked_midas
                    )
                    midas(user, items=item.get("items"), **common)
                else:
                    self.problems.add(f"{where}.instrument", "must be pgic or midas")
                    continue
            except EntryError as exc:
                self.problems.refused(where, exc)
                continue
            if self.writing:
                commit_part_if_due(db.session)
        return len(items)
