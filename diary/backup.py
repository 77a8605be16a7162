"""Copies of the SQLite database that are safe to take while the server runs."""

import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine


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


def timestamped_name(prefix: str) -> str:
    return f"{prefix}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.sqlite3"
