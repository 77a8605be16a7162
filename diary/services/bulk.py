"""Bulk inserts for imports: rows turned into driver parameters before the write lock is taken.

An import checks and converts its rows in a read-only transaction, then inserts
them with executemany: 200,000 readings take the write lock for about a second.
The ORM (or even Core's per-row processing) would hold it for several. A long
insert goes in parts (diary/sqlite.py: commit_part_if_due), and what its parts
committed can be deleted again when a later part cannot go in.
"""

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from sqlalchemy import Boolean, Dialect, delete, func, select
from sqlalchemy.dialects import sqlite
from sqlalchemy.types import TypeEngine

from diary.cache import wrote_for
from diary.extensions import db
from diary.models import Attack, MedicationDose, Reading
from diary.services.writes import writes
from diary.sqlite import commit_part, commit_part_if_due, long_insert_cache

# Rows inserted with one executemany: about 25 ms of the write lock.
PART_ROWS = 5_000
# How SQLAlchemy keeps a time in SQLite (its default format): the text that
# datetime.isoformat(" ", "microseconds") writes for a time without a zone, as the diary's are.
ISO_STORAGE = (
    "%(year)04d-%(month)02d-%(day)02d %(hour)02d:%(minute)02d:%(second)02d.%(microsecond)06d"
)
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
    defaults = _defaults(model, rows[0])
    columns = [*rows[0], *defaults]
    values = itemgetter(*columns)
    # A later row may give a column the first left to its default.
    return bulk_values(model, columns, [values(defaults | row) for row in rows], owner)


def bulk_values(
    model, columns: list[str], rows: Sequence[Sequence[Any]], owner: int | None = None
) -> BulkRows:
    """Convert rows given as values in the order of columns into driver parameters.

    A column at a time, each value through its type's conversion, and back to rows.
    Rows of a row have no user_id: owner names their user.
    """
    if not rows:
        return BulkRows()
    dialect = db.engine.dialect
    table = model.__table__
    defaults = _defaults(model, columns)
    by_name: dict[str, Sequence[Any]] = dict(zip(columns, zip(*rows, strict=True), strict=True))
    owners = frozenset([owner] if owner is not None else by_name["user_id"])
    # A default is one value for every row (created_at): converted once.
    by_name |= {
        key: [*_converted(table.c[key].type, [value], dialect)] * len(rows)
        for key, value in defaults.items()
    }
    compiled = table.insert().compile(dialect=dialect, column_keys=[*columns, *defaults])
    order = compiled.positiontup if compiled.positional else list(by_name)
    converted = [
        by_name[key] if key in defaults else _converted(table.c[key].type, by_name[key], dialect)
        for key in order
    ]
    params: list[Any] = list(zip(*converted, strict=True))
    if not compiled.positional:
        params = [dict(zip(order, values, strict=True)) for values in params]
    return BulkRows(compiled.string, params, owners)


def _defaults(model, given: Collection[str]) -> dict[str, Any]:
    """Return the values of the columns not given that have a default (created_at), as an
    ORM insert would fill them in."""
    return {
        column.key: column.default.arg(None) if column.default.is_callable else column.default.arg
        for column in model.__table__.columns
        if column.key not in given and column.default is not None
    }


def _converted(kind: TypeEngine, values: Sequence, dialect: Dialect) -> Sequence:
    """Return a column's values as the driver takes them."""
    impl = kind.dialect_impl(dialect)
    if isinstance(impl, sqlite.DATETIME) and impl._storage_format == ISO_STORAGE:
        # The text SQLAlchemy's conversion writes (2 µs a value), written in C.
        return [None if value is None else value.isoformat(" ", "microseconds") for value in values]
    convert = impl.bind_processor(dialect)
    if convert is None:
        return values
    if isinstance(kind, Boolean):
        # Three values at most: each converted once.
        kept = {value: convert(value) for value in set(values)}
        return list(map(kept.__getitem__, values))
    return list(map(convert, values))


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
            long_insert_cache(db.session)
            first = (
                db.session.execute(select(func.coalesce(func.max(model.id), 0))).scalar_one() + 1
            )
            insert_bulk(part)
            self._pending.append((model, first, first + len(part) - 1))
            if commit_part_if_due(db.session):
                self._committed()

    def commit(self) -> None:
        """Commit what was inserted since the last part (on SQLite; elsewhere the write stays
        one transaction)."""
        if self._pending and commit_part(db.session):
            self._committed()

    def _committed(self) -> None:
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
