"""Bulk inserts for imports: rows turned into driver parameters before the write lock is taken.

An import checks and converts its rows in a read-only transaction, then inserts
them with executemany: 200,000 readings take the write lock for about a second.
The ORM (or even Core's per-row processing) would hold it for several. A long
insert goes in parts (diary/sqlite.py: commit_part_if_due), and what its parts
committed can be deleted again when a later part cannot go in.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, func, select

from diary.cache import wrote_for
from diary.extensions import db
from diary.models import Attack, MedicationDose, Reading
from diary.services.writes import writes
from diary.sqlite import commit_part_if_due

# Rows inserted with one executemany: about 25 ms of the write lock.
PART_ROWS = 5_000
# The tables a parted insert writes (an import's confirmation).
Imported = type[Attack] | type[Reading] | type[MedicationDose]


@dataclass(frozen=True)
class BulkRows:
    """One INSERT statement and its rows as the database driver takes them."""

    sql: str = ""
    params: list = field(default_factory=list)
    # The users whose rows these are: their data versions move (diary/cache.py).
    owners: frozenset[int] = frozenset()

    def __len__(self) -> int:
        return len(self.params)

    def parts(self) -> Iterator["BulkRows"]:
        """Yield the rows PART_ROWS at a time, with the same statement."""
        for start in range(0, len(self.params), PART_ROWS):
            yield BulkRows(self.sql, self.params[start : start + PART_ROWS], self.owners)


def bulk_rows(model, rows: list[dict], owner: int | None = None) -> BulkRows:
    """Convert rows that a service built and checked into driver parameters (no lock needed).

    Rows of a row (an attack's triggers) have no user_id: owner names their user.
    """
    if not rows:
        return BulkRows()
    owners = frozenset([owner] if owner is not None else (row["user_id"] for row in rows))
    dialect = db.engine.dialect
    table = model.__table__
    # Column defaults (created_at) are Python-side: fill them in as an ORM insert would.
    defaults = {
        column.key: column.default.arg(None) if column.default.is_callable else column.default.arg
        for column in table.columns
        if column.key not in rows[0] and column.default is not None
    }
    keys = [*rows[0], *defaults]
    compiled = table.insert().compile(dialect=dialect, column_keys=keys)
    convert = {
        key: table.c[key].type.dialect_impl(dialect).bind_processor(dialect) or (lambda v: v)
        for key in keys
    }

    def value(row: dict, key: str):
        return convert[key](row[key] if key in row else defaults[key])

    params: list[Any]
    if compiled.positional:
        params = [tuple(value(row, key) for key in compiled.positiontup) for row in rows]
    else:
        params = [{key: value(row, key) for key in keys} for row in rows]
    return BulkRows(compiled.string, params, owners)


@writes
def insert_bulk(rows: BulkRows) -> None:
    """Insert the rows in one executemany, in the session's transaction (flushes first)."""
    if rows.params:
        db.session.flush()
        db.session.connection().exec_driver_sql(rows.sql, rows.params)
        wrote_for(db.session, rows.owners)


class PartedInsert:
    """Bulk inserts committed in parts, which can all be taken back (one user's rows).

    Each part notes the ids its rows got: with the write lock held, SQLite gives the
    rows of one insert the ids that follow the table's highest. Where the write stays
    one transaction (PostgreSQL), no part is committed early and a rollback suffices.
    """

    def __init__(self, user_id: int):
        self.user_id = user_id
        self.committed: list[tuple[Imported, int, int]] = []
        self._pending: list[tuple[Imported, int, int]] = []

    def insert(self, model: Imported, rows: BulkRows) -> None:
        """Insert rows of model, in PART_ROWS at a time, committing a part when due."""
        for part in rows.parts():
            first = (
                db.session.execute(select(func.coalesce(func.max(model.id), 0))).scalar_one() + 1
            )
            insert_bulk(part)
            self._pending.append((model, first, first + len(part) - 1))
            if commit_part_if_due(db.session):
                self.committed += self._pending
                self._pending.clear()

    def take_back(self) -> None:
        """Delete what the committed parts inserted (the caller rolls back the current one)."""
        for model, first, last in self.committed:
            delete_rows(model, self.user_id, model.id.between(first, last))
        db.session.commit()
        self.committed.clear()


@writes
def delete_rows(model, user_id: int, *where) -> None:
    """Delete a user's rows of a table that match where (taking back an unfinished write)."""
    db.session.execute(delete(model).where(model.user_id == user_id, *where))
    db.session.flush()
