"""Everything of one account as JSON: a lossless backup that a new instance can restore."""

import inspect
import io
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from diary.extensions import db
from diary.json_shape import JsonShapeError, check_json_shape
from diary.models import (
    DoseChange,
    MedicationDose,
    Reading,
    Reminder,
    SideEffectReport,
    Treatment,
    TreatmentMedicine,
    User,
)
from diary.models.questionnaire import MIDAS, PGIC
from diary.models.reminder import CUSTOM
from diary.rules import EntryError
from diary.services import (
    accounts,
    medications,
    questionnaires,
    readings,
    reminders,
    shares,
    side_effects,
    treatments,
)
from diary.services.bulk import bulk_rows, insert_bulk

FORMAT, VERSION = "headache-diary-account", 1
FILENAME = "account.json"

# Columns copied as they are, per table (ids and user ids are not: a new instance makes its own).
COLUMNS = {
    "readings": (Reading, ("recorded_at", "pain", "note", "client_key", "created_at")),
    "side_effects": (
        SideEffectReport,
        ("recorded_at", "effect", "severity", "note", "client_key", "created_at"),
    ),
    "medications": (
        MedicationDose,
        ("taken_at", "name", "dose", "med_class", "note", "client_key", "created_at"),
    ),
    "treatments": (Treatment, ("kind", "started_on", "ended_on", "setting", "notes", "created_at")),
    "doses": (
        DoseChange,
        ("changed_at", "rate_mg_per_kg_h", "entered_value", "entered_unit", "note"),
    ),
    "medicines": (TreatmentMedicine, ("role", "name", "dose", "note")),
    "reminders": (
        Reminder,
        (
            "title",
            "due_on",
            "booked_for",
            "done_on",
            "dismissed_at",
            "emailed_for",
            "uid",
            "created_at",
        ),
    ),
}


class AccountRestoreError(ValueError):
    """The backup cannot be restored; nothing was written."""


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


def _row(obj, table: str) -> dict:
    return {name: _plain(getattr(obj, name)) for name in COLUMNS[table][1]}


def _table_items(user: User, table: str, order) -> Iterator[dict]:
    """Yield the user's rows of a large table as plain dicts, a thousand at a time.

    Column selects, not ORM objects: nothing piles up in the session's identity map.
    """
    model, names = COLUMNS[table]
    zone = ZoneInfo(user.timezone)
    query = (
        select(*(getattr(model, name) for name in names), model.fold)
        .where(model.user_id == user.id)
        .order_by(order, model.id)
        .execution_options(yield_per=1000)
    )
    for *row, fold in db.session.execute(query):
        item = {name: _plain(value) for name, value in zip(names, row, strict=True)}
        if fold:
            # The second pass through a repeated hour: its UTC offset says which one.
            item[names[0]] = row[0].replace(fold=1, tzinfo=zone).isoformat(timespec="minutes")
        yield item


def _treatment_items(user: User) -> Iterator[dict]:
    treatments_in = db.session.scalars(
        select(Treatment)
        .where(Treatment.user_id == user.id)
        .order_by(Treatment.started_on, Treatment.id)
    )
    for t in treatments_in:
        item = _row(t, "treatments")
        item["doses"] = [_row(d, "doses") for d in t.doses]
        item["medicines"] = [_row(m, "medicines") for m in t.medicines]
        item["follow_up"] = _row(t.follow_up, "reminders") if t.follow_up else None
        yield item


def _reminder_items(user: User) -> Iterator[dict]:
    reminders = db.session.scalars(
        select(Reminder)
        .where(Reminder.user_id == user.id, Reminder.kind == CUSTOM)
        .order_by(Reminder.due_on, Reminder.id)
    )
    for reminder in reminders:
        yield _row(reminder, "reminders")


def _questionnaire_items(user: User) -> Iterator[dict]:
    for answer, started_on in questionnaires.answers_with_start(user):
        yield {
            "answered_on": answer.answered_on.isoformat(),
            "instrument": answer.instrument,
            "instrument_version": answer.instrument_version,
            "treatment_started_on": started_on.isoformat() if started_on else None,
            "score": answer.score,
            "items": answer.items,
        }


def _share_items(user: User) -> Iterator[dict]:
    """Shared links as records only (never their tokens): a restore keeps them revoked."""
    for share in reversed(shares.user_shares(user)):
        yield {
            "first_day": share.first_day.isoformat(),
            "last_day": share.last_day.isoformat(),
            "created_at": share.created_at.isoformat(),
            "views": share.views,
            "last_viewed_at": share.last_viewed_at.isoformat() if share.last_viewed_at else None,
            "revoked": True,
        }


def account_chunks(user: User) -> Iterator[str]:
    """Yield the account backup as JSON text, one entry a line, as it is read.

    A million readings stream through in bounded memory; the file is one JSON
    object that import_account() reads back.
    """
    head = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "profile": {
            "timezone": user.timezone,
            "weight_kg": user.weight_kg,
            "email": user.email,
            "low_light": user.low_light,
            "language": user.language,
        },
    }
    yield "{\n" + "".join(
        f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)},\n" for k, v in head.items()
    )
    lists = {
        "readings": _table_items(user, "readings", Reading.recorded_at),
        "side_effects": _table_items(user, "side_effects", SideEffectReport.recorded_at),
        "medications": _table_items(user, "medications", MedicationDose.taken_at),
        "treatments": _treatment_items(user),
        "reminders": _reminder_items(user),
        "questionnaires": _questionnaire_items(user),
        "shares": _share_items(user),
    }
    for n, (key, items) in enumerate(lists.items()):
        yield f"  {json.dumps(key)}: ["
        for m, item in enumerate(items):
            yield ("," if m else "") + "\n    " + json.dumps(item, ensure_ascii=False)
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


def _fields(item: Any, where: str, checker, problems: _Problems, skip=()) -> dict | None:
    """Return an entry's fields as its service's checker takes them, or None (a problem noted).

    The keyword arguments of checker say which fields an entry may and must have.
    """
    params = inspect.signature(checker).parameters.values()
    names = {p.name for p in params if p.kind is p.KEYWORD_ONLY}
    required = {p.name for p in params if p.kind is p.KEYWORD_ONLY and p.default is p.empty}
    if not isinstance(item, dict):
        problems.add(where, "expected an object")
        return None
    unknown = sorted(set(item) - names - set(skip))
    missing = sorted(required - set(item))
    for name in unknown:
        problems.add(f"{where}.{name}", "is not a field here")
    for name in missing:
        problems.add(f"{where}.{name}", "is missing")
    if unknown or missing:
        return None
    return {name: value for name, value in item.items() if name not in skip}


def _list(data: dict, key: str, problems: _Problems) -> list:
    items = data.get(key, [])
    if not isinstance(items, list):
        problems.add(key, "expected a list")
        return []
    return items


# The entries kept in bulk: their list in the backup, their table, their service's checker.
BULK = (
    ("readings", Reading, readings.checked_reading),
    ("side_effects", SideEffectReport, side_effects.checked_report),
    ("medications", MedicationDose, medications.checked_dose),
)


def _has_entries(user: User) -> bool:
    return any(
        db.session.scalar(select(func.count()).select_from(model).where(model.user_id == user.id))
        for model in (Reading, SideEffectReport, MedicationDose, Treatment, Reminder)
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

    Raises AccountRestoreError listing each problem (the caller rolls back): nothing is
    kept unless every value of the backup is valid.
    """
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise AccountRestoreError("This is not a headache diary account backup.")
    if data.get("version") != VERSION:
        raise AccountRestoreError(f"Backups of version {data.get('version')} cannot be read here.")
    if _has_entries(user):
        raise AccountRestoreError(
            "This account already has entries; restore into a new, empty account."
        )
    problems = _Problems()
    _through(problems, "profile", data.get("profile", {}), accounts.update_profile, user)
    counts = {}
    for key, model, checker in BULK:
        rows = []
        for n, item in enumerate(_list(data, key, problems)):
            fields = _fields(item, f"{key}[{n}]", checker, problems)
            try:
                rows += [checker(user, **fields)] if fields is not None else []
            except EntryError as exc:
                problems.refused(f"{key}[{n}]", exc)
        if not problems.found:
            insert_bulk(bulk_rows(model, rows))
        counts[key] = len(rows)
    counts["treatments"] = _restore_treatments(user, _list(data, "treatments", problems), problems)
    counts["reminders"] = _restore_reminders(user, _list(data, "reminders", problems), problems)
    counts["questionnaires"] = _restore_questionnaires(
        user, _list(data, "questionnaires", problems), problems
    )
    items = _list(data, "shares", problems)
    for n, item in enumerate(items):
        _through(problems, f"shares[{n}]", item, shares.restore_share, user, skip=("revoked",))
    if items:  # said only when there were any: "3 shared links kept revoked"
        counts["shared_links_kept_revoked"] = len(items)
    problems.raise_any()
    return counts


def _through(problems: _Problems, where: str, item: Any, write, *owners, checker=None, skip=()):
    """Write one entry of the backup through its service; on refusal note why, return None."""
    fields = _fields(item, where, checker or write, problems, skip)
    if fields is None:
        return None
    try:
        return write(*owners, **fields)
    except EntryError as exc:
        problems.refused(where, exc)
        return None


# The backup keeps a rate as entered and as converted: the service's value, unit and rate.
DOSE_NAMES = {"entered_value": "value", "entered_unit": "unit"}


def _restore_treatments(user: User, items: list, problems: _Problems) -> int:
    for n, item in enumerate(items):
        where = f"treatments[{n}]"
        treatment = _through(
            problems,
            where,
            item,
            treatments.add_treatment,
            user,
            checker=treatments.checked_treatment,
            skip=("doses", "medicines", "follow_up"),
        )
        if treatment is None:
            continue
        for m, dose in enumerate(item.get("doses", [])):
            if isinstance(dose, dict):
                dose = {DOSE_NAMES.get(name, name): value for name, value in dose.items()}
            _through(
                problems,
                f"{where}.doses[{m}]",
                dose,
                treatments.add_dose_change,
                user,
                treatment,
                checker=treatments.checked_dose_change,
            )
        for m, medicine in enumerate(item.get("medicines", [])):
            _through(
                problems,
                f"{where}.medicines[{m}]",
                medicine,
                treatments.add_medicine,
                treatment,
                checker=treatments.checked_medicine,
            )
        if item.get("follow_up") and treatment.follow_up:
            _through(
                problems,
                f"{where}.follow_up",
                item["follow_up"],
                reminders.restore_state,
                user,
                treatment.follow_up,
                skip=("title", "due_on"),
            )
    return len(items)


def _restore_reminders(user: User, items: list, problems: _Problems) -> int:
    state = ("booked_for", "done_on", "dismissed_at", "emailed_for", "uid")
    for n, item in enumerate(items):
        where = f"reminders[{n}]"
        reminder = _through(
            problems,
            where,
            item,
            reminders.add_custom,
            user,
            checker=reminders.checked_reminder,
            skip=state,
        )
        if reminder is not None:
            own = {name: item[name] for name in state if name in item}
            _through(problems, where, own, reminders.restore_state, user, reminder)
    return len(items)


def _restore_questionnaires(user: User, items: list, problems: _Problems) -> int:
    """Restore PGIC and MIDAS answers through their service, which checks every value."""
    by_start = {day.isoformat(): t for day, t in questionnaires.treatments_by_start(user).items()}
    for n, item in enumerate(items):
        where = f"questionnaires[{n}]"
        if not isinstance(item, dict):
            problems.add(where, "expected an object")
            continue
        common = {
            "answered_on": item.get("answered_on"),
            "version": item.get("instrument_version"),
        }
        try:
            if item.get("instrument") == PGIC:
                treatment = by_start.get(str(item.get("treatment_started_on")))
                if treatment is None:
                    problems.add(
                        f"{where}.treatment_started_on", "no restored treatment started on that day"
                    )
                    continue
                questionnaires.add_pgic(user, treatment, score=item.get("score"), **common)
            elif item.get("instrument") == MIDAS:
                questionnaires.add_midas(user, items=item.get("items"), **common)
            else:
                problems.add(f"{where}.instrument", "must be pgic or midas")
        except EntryError as exc:
            problems.refused(where, exc)
    return len(items)
