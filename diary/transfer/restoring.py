"""An account restore written in parts, and taken back whole when it cannot finish.

A restore checks the whole backup first, then writes it a part at a time (each part
holds the write lock for about half a second, so the household's own writes go in
between). Before the first part it leaves a note in instance/restores/: the rows the
account had (by id, per table) and its settings. When a part fails, every row of the
account's that the note does not name is deleted and the settings are put back, so
nothing of the backup is kept; when the server stops in the middle (a crash, a power
cut), `diary serve` does the same as it starts, before it serves anyone.
"""

import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from diary.extensions import db
from diary.models import (
    Attack,
    DayMark,
    MedicationDose,
    OwnTrigger,
    PreventiveRegimen,
    QuestionnaireAnswer,
    Reading,
    Reminder,
    ShareLink,
    SideEffectReport,
    Treatment,
    User,
)
from diary.services import accounts
from diary.services.bulk import delete_rows

# Every table a restore writes a user's rows to (dose changes, treatment medicines and
# follow-up reminders go with their treatment; marked doses with their preventive regimen).
TABLES = (
    Reading,
    SideEffectReport,
    MedicationDose,
    Treatment,
    PreventiveRegimen,
    Reminder,
    QuestionnaireAnswer,
    ShareLink,
    # An attack's triggers go with it; the patient's own trigger names are rows of their own.
    Attack,
    OwnTrigger,
    DayMark,
)
SETTINGS = (
    "timezone",
    "weight_kg",
    "email",
    "low_light",
    "language",
    "period_tracking",
    "day_rule",
)
_running: set[int] = set()
_running_lock = threading.Lock()


class RestoreRunning(ValueError):
    """Another restore into the same account is being written."""


def _folder() -> Path:
    path = Path(current_app.instance_path) / "restores"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def _note_of(user: User) -> dict:
    """Return what to go back to: the account's rows by table, and its settings."""
    kept = {
        model.__tablename__: db.session.scalars(
            select(model.id).where(model.user_id == user.id)
        ).all()
        for model in TABLES
    }
    return {
        "user_id": user.id,
        "kept": kept,
        "settings": {name: getattr(user, name) for name in SETTINGS},
    }


def _leave(note: dict) -> Path:
    """Write a note and make it durable before the restore's first part is committed."""
    path = _folder() / f"{note['user_id']}.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as file:
        json.dump(note, file)
        file.flush()
        os.fsync(file.fileno())
    return path


@contextmanager
def taken_back_on_failure(user: User) -> Iterator[None]:
    """Write a restore in the block; if it raises, take back all it wrote, then re-raise.

    The block runs with the write lock taken (the note is made under it) and commits its
    parts; what it leaves uncommitted is committed at its end.
    """
    with _running_lock:
        if user.id in _running:
            raise RestoreRunning("A restore into this account is running already.")
        _running.add(user.id)
    try:
        db.session.connection()  # begin: the note names the rows as they are under the lock
        stale = _folder() / f"{user.id}.json"
        if stale.exists():  # an earlier restore left it: take that one back first
            take_back(json.loads(stale.read_text()))
        note = _note_of(user)
        path = _leave(note)
        try:
            yield
            db.session.commit()
        except BaseException:
            db.session.rollback()
            take_back(note)  # if this fails too, the note stays for the next start
            raise
        path.unlink()
    finally:
        with _running_lock:
            _running.discard(user.id)


def take_back(note: dict) -> None:
    """Delete the rows of the note's account that it does not name; put its settings back."""
    user_id = note["user_id"]
    for model in TABLES:
        kept = note["kept"].get(model.__tablename__, [])
        delete_rows(model, user_id, model.id.not_in(kept))
    user = db.session.get(User, user_id)
    if user is not None:
        accounts.update_profile(user, **note["settings"])
    db.session.commit()
    (_folder() / f"{user_id}.json").unlink(missing_ok=True)


def take_back_interrupted() -> int:
    """Take back every restore that a stopped server left half-written; return how many."""
    notes = sorted(_folder().glob("*.json"))
    for path in notes:
        take_back(json.loads(path.read_text()))
    return len(notes)


def forget_interrupted() -> None:
    """Drop the notes of unfinished restores: the database they describe was replaced."""
    for path in _folder().glob("*.json"):
        path.unlink()
