"""Copies of the SQLite database that are safe to take while the server runs."""

import errno
import logging
import sqlite3
import threading
import time
from contextlib import closing
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import Engine

from diary.instance_lock import housekeeping_turn

DAILY_PREFIX = "diary-"
CHECK_EVERY_SECONDS = 3600
log = logging.getLogger(__name__)


class BackupError(Exception):
    """A backup or restore that cannot be done, with the reason to show."""


def sqlite_file(engine: Engine) -> Path | None:
    """Return the database file of a SQLite engine, or None for other databases."""
    if engine.dialect.name != "sqlite" or not engine.url.database:
        return None
    if engine.url.database == ":memory:":
        return None
    return Path(engine.url.database)


def copy_database(source: Path, destination: Path) -> None:
    """Copy a live SQLite database with the online backup API (it includes the WAL)."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(destination)) as dest:
        src.backup(dest)


def write_backup(source: Path, destination: Path) -> None:
    """Copy the database to a new file at destination, whole or not at all.

    The copy is written beside destination and renamed into place once complete, so a
    full disk leaves neither an empty nor a half-written file: BackupError says why.
    """
    partial = destination.with_name(destination.name + ".partial")
    try:
        copy_database(source, partial)
        partial.replace(destination)
    except (OSError, sqlite3.Error) as exc:
        partial.unlink(missing_ok=True)
        raise BackupError(f"cannot write {destination}: {_reason(exc)}") from None


def _reason(exc: OSError | sqlite3.Error) -> str:
    """Say why a write failed, in the same words for SQLite's and the system's full disk."""
    if getattr(exc, "errno", None) == errno.ENOSPC or "disk is full" in str(exc):
        return "the disk is full"
    return str(exc)


def timestamped_name(prefix: str) -> str:
    return f"{prefix}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.sqlite3"


def check_diary_file(path: Path) -> None:
    """Raise BackupError unless path is an intact SQLite file of this diary."""
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
            if connection.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError(f"{path} is damaged (PRAGMA integrity_check failed)")
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a SQLite database ({exc})") from None
    if not {"alembic_version", "user", "reading"} <= tables:
        raise BackupError(f"{path} is not a headache diary database")


def restore_database(source: Path, database: Path) -> Path | None:
    """Replace the database with a backup; return the copy kept of what it replaced."""
    check_diary_file(source)
    kept = None
    if database.exists():
        kept = database.parent / "backups" / timestamped_name("before-restore")
        write_backup(database, kept)
    copy_database(source, database)
    return kept


def daily_backup(database: Path, folder: Path, keep: int, today: date) -> Path | None:
    """Make today's backup if it is missing, and keep only the newest `keep` of them."""
    target = folder / f"{DAILY_PREFIX}{today.isoformat()}.sqlite3"
    made = None
    if not target.exists():
        write_backup(database, target)
        made = target
    for old in sorted(folder.glob(f"{DAILY_PREFIX}*.sqlite3"))[:-keep]:
        old.unlink()
    return made


def start_daily_backups(
    database: Path, folder: Path, keep: int, instance: Path
) -> threading.Thread:
    """Run daily_backup now and then every hour, in a background thread of `diary serve`.

    Of several servers of one instance, whichever has the housekeeping's turn makes it:
    two copies written at once into one file would spoil it.
    """

    def run() -> None:
        while True:
            try:
                with housekeeping_turn(instance) as mine:
                    if mine:
                        daily_backup(database, folder, keep, date.today())
            except (OSError, BackupError):
                # A full disk must not stop the diary; the next hour tries again.
                log.exception("The daily backup into %s failed", folder)
            time.sleep(CHECK_EVERY_SECONDS)

    thread = threading.Thread(target=run, name="daily-backups", daemon=True)
    thread.start()
    return thread
