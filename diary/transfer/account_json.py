"""Everything of one account as JSON: a lossless backup that a new instance can restore."""

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select

from diary.extensions import db
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
from diary.services import medications, questionnaires, side_effects, treatments
from diary.services.accounts import AccountError, update_profile
from diary.validation import check_note, check_pain

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
    query = (
        select(*(getattr(model, name) for name in names))
        .where(model.user_id == user.id)
        .order_by(order, model.id)
        .execution_options(yield_per=1000)
    )
    for row in db.session.execute(query):
        yield {name: _plain(value) for name, value in zip(names, row, strict=True)}


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
    }
    for n, (key, items) in enumerate(lists.items()):
        yield f"  {json.dumps(key)}: ["
        for m, item in enumerate(items):
            yield ("," if m else "") + "\n    " + json.dumps(item, ensure_ascii=False)
        yield "\n  ]" + ("," if n < len(lists) - 1 else "") + "\n"
    yield "}\n"


def _values(item: Any, table: str, where: str) -> dict:
    """Turn a JSON object back into column values, typed as the model declares them."""
    model, names = COLUMNS[table]
    if not isinstance(item, dict) or set(item) - {"doses", "medicines", "follow_up"} != set(names):
        raise AccountRestoreError(f"{where}: expected the fields {', '.join(names)}")
    values = {}
    for name in names:
        value = item[name]
        python_type = model.__table__.c[name].type.python_type
        try:
            if value is None:
                if not model.__table__.c[name].nullable:
                    raise ValueError("is missing")
            elif python_type is datetime:
                value = datetime.fromisoformat(value)
            elif python_type is date:
                value = date.fromisoformat(value)
            elif python_type is float:
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise ValueError("must be a number")
                value = float(value)
            elif not isinstance(value, python_type) or isinstance(value, bool) != (
                python_type is bool
            ):
                raise ValueError(f"must be {python_type.__name__}")
        except (TypeError, ValueError) as exc:
            raise AccountRestoreError(f"{where}.{name}: {exc}") from None
        values[name] = value
    return values


def _free_uid(values: dict) -> dict:
    """Keep a reminder's calendar UID unless this instance already uses it (restored twice)."""
    taken = db.session.scalar(select(Reminder.id).where(Reminder.uid == values["uid"]))
    return values | {"uid": uuid.uuid4().hex} if taken else values


def _check(where: str, rule, *args) -> None:
    try:
        rule(*args)
    except ValueError as exc:
        raise AccountRestoreError(f"{where}: {exc}") from None


def _has_entries(user: User) -> bool:
    return any(
        db.session.scalar(select(func.count()).select_from(model).where(model.user_id == user.id))
        for model in (Reading, SideEffectReport, MedicationDose, Treatment, Reminder)
    )


def import_account(user: User, data: Any) -> dict[str, int]:
    """Restore a backup into an account with no entries; flush, no commit.

    Raises AccountRestoreError (and the caller rolls back) at the first problem.
    """
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise AccountRestoreError("This is not a headache diary account backup.")
    if data.get("version") != VERSION:
        raise AccountRestoreError(f"Backups of version {data.get('version')} cannot be read here.")
    if _has_entries(user):
        raise AccountRestoreError(
            "This account already has entries; restore into a new, empty account."
        )
    profile = data.get("profile") or {}
    try:
        update_profile(
            user,
            profile.get("timezone", user.timezone),
            profile.get("weight_kg"),
            profile.get("email"),
        )
    except AccountError as exc:
        raise AccountRestoreError(f"profile: {exc}") from None
    user.low_light = profile.get("low_light") is True
    counts = {}
    for table, model in (
        ("readings", Reading),
        ("side_effects", SideEffectReport),
        ("medications", MedicationDose),
    ):
        items = data.get(table, [])
        for n, item in enumerate(items):
            where = f"{table}[{n}]"
            values = _values(item, table, where)
            if table == "readings":
                _check(where, check_pain, values["pain"])
                _check(where, check_note, values["note"])
            elif table == "side_effects":
                _check(
                    where,
                    side_effects.check_report,
                    values["effect"],
                    values["severity"],
                    values["note"],
                )
            else:
                _check(
                    where,
                    medications.check_dose,
                    values["name"],
                    values["dose"],
                    values["med_class"],
                    values["note"],
                )
            db.session.add(model(user_id=user.id, **values))
        counts[table] = len(items)
    for n, item in enumerate(data.get("treatments", [])):
        where = f"treatments[{n}]"
        values = _values(item, "treatments", where)
        _check(where, treatments.check_kind, values["kind"])
        treatment = Treatment(user_id=user.id, **values)
        db.session.add(treatment)
        treatments.sync_follow_up(treatment)
        for m, dose in enumerate(item.get("doses", [])):
            treatment.doses.append(DoseChange(**_values(dose, "doses", f"{where}.doses[{m}]")))
        for m, medicine in enumerate(item.get("medicines", [])):
            treatment.medicines.append(
                TreatmentMedicine(**_values(medicine, "medicines", f"{where}.medicines[{m}]"))
            )
        if item.get("follow_up") and treatment.follow_up:
            follow_up = _values(item["follow_up"], "reminders", f"{where}.follow_up")
            for name, value in _free_uid(follow_up).items():
                setattr(treatment.follow_up, name, value)
    counts["treatments"] = len(data.get("treatments", []))
    for n, item in enumerate(data.get("reminders", [])):
        values = _free_uid(_values(item, "reminders", f"reminders[{n}]"))
        db.session.add(Reminder(user_id=user.id, kind=CUSTOM, **values))
    counts["reminders"] = len(data.get("reminders", []))
    db.session.flush()
    counts["questionnaires"] = _restore_questionnaires(user, data.get("questionnaires", []))
    return counts


def _restore_questionnaires(user: User, items: Any) -> int:
    """Restore PGIC and MIDAS answers through their service, which checks every value."""
    if not isinstance(items, list):
        raise AccountRestoreError("questionnaires: expected a list")
    by_start = {day.isoformat(): t for day, t in questionnaires.treatments_by_start(user).items()}
    for n, item in enumerate(items):
        where = f"questionnaires[{n}]"
        try:
            if not isinstance(item, dict):
                raise ValueError("expected an object")
            answered_on = date.fromisoformat(str(item.get("answered_on")))
            version = item.get("instrument_version")
            if item.get("instrument") == PGIC:
                treatment = by_start.get(str(item.get("treatment_started_on")))
                if treatment is None:
                    raise ValueError("no restored treatment started on that day")
                questionnaires.add_pgic(
                    user, treatment, answered_on, item.get("score"), version=version
                )
            elif item.get("instrument") == MIDAS:
                questionnaires.add_midas(user, answered_on, item.get("items"), version=version)
            else:
                raise ValueError("instrument must be pgic or midas")
        except ValueError as exc:
            raise AccountRestoreError(f"{where}: {exc}") from None
    return len(items)
