"""Bulk inserts for imports: rows turned into driver parameters before the write lock is taken.

An import checks and converts its rows in a read-only transaction, then inserts
them with one executemany: 200,000 readings hold the write lock for about a
second. The ORM (or even Core's per-row processing) would hold it for several.
"""

from dataclasses import dataclass, field

from diary.extensions import db
from diary.services.writes import writes


@dataclass(frozen=True)
class BulkRows:
    """One INSERT statement and its rows as the database driver takes them."""

    sql: str = ""
    params: list = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.params)


def bulk_rows(model, rows: list[dict]) -> BulkRows:
    """Convert rows that a service built and checked into driver parameters (no lock needed)."""
    if not rows:
        return BulkRows()
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

    if compiled.positional:
        params = [tuple(value(row, key) for key in compiled.positiontup) for row in rows]
    else:
        params = [{key: value(row, key) for key in keys} for row in rows]
    return BulkRows(compiled.string, params)


@writes
def insert_bulk(rows: BulkRows) -> None:
    """Insert the rows in one executemany, in the session's transaction (flushes first)."""
    if rows.params:
        db.session.flush()
        db.session.connection().exec_driver_sql(rows.sql, rows.params)
