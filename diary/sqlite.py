"""SQLite settings that keep every write safe with several server threads."""

from flask import has_request_context, request
from sqlalchemy import Engine, event

BUSY_TIMEOUT_MS = 10_000
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def configure_sqlite(engine: Engine) -> None:
    """Turn on WAL, foreign keys and immediate write transactions for SQLite engines."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        # FULL: a commit that was acknowledged survives a power cut, not just a crash.
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql(_begin_statement())


def _begin_statement() -> str:
    """Return BEGIN IMMEDIATE for transactions that may write.

    A deferred transaction that later writes can fail with "database is
    locked" without waiting for the busy timeout; taking the write lock up
    front makes concurrent writers queue instead. Reads stay deferred so that
    they never wait for a writer (WAL lets them run alongside).
    """
    if has_request_context() and request.method in SAFE_METHODS:
        return "BEGIN"
    return "BEGIN IMMEDIATE"
