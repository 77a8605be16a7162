"""SQLite settings that keep every write safe with several server threads."""

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from flask import current_app, has_request_context, request
from sqlalchemy import Engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, scoped_session

from diary.unit import current_unit

BUSY_TIMEOUT_MS = 10_000
# A write that a page can do without (a "last seen" time, a view count) waits this long.
SPARE_WAIT_MS = 200
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# A write transaction that holds the lock longer than this is logged: others wait meanwhile.
SLOW_WRITE_SECONDS = 1.0
# A long write (a restore, an import's confirmation) commits a part whenever it has held the
# lock for the WRITE_PART_SECONDS setting, then lets the writers queued meanwhile go first:
# SQLite's busy handler looks for the lock again every 100 ms at most, so the next part
# takes the lock no sooner than this after the commit.
PART_PAUSE_SECONDS = 0.1
# KiB of the database's pages a long insert keeps in memory (SQLite's default is 2 MiB).
# An import's rows go into unique indexes of hashed keys, in no order: with the default,
# SQLite writes the same index pages out again and again before each part is committed
# (a 200,000-attack import took a fifth longer).
LONG_INSERT_CACHE_KIB = 16 * 1024
log = logging.getLogger(__name__)
_reading = ContextVar("sqlite_read_phase", default=False)
_sparing = ContextVar("sqlite_spare_write", default=False)
# When a long write's next part may take the lock (time.perf_counter()).
_next_part = ContextVar("sqlite_next_part", default=0.0)


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
        _record.info["busy_timeout_ms"] = BUSY_TIMEOUT_MS

    @event.listens_for(engine, "checkin")
    def _on_checkin(dbapi_connection, record):
        # A long insert's larger cache goes with it: the pool's connections stay small.
        if (kept := record.info.pop("cache_size", None)) is not None:
            cursor = dbapi_connection.cursor()
            cursor.execute(f"PRAGMA cache_size = {int(kept)}")
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        _wait_at_most(connection, SPARE_WAIT_MS if _sparing.get() else BUSY_TIMEOUT_MS)
        statement = _begin_statement()
        if statement == "BEGIN IMMEDIATE" and (early := _next_part.get() - time.perf_counter()) > 0:
            time.sleep(early)
        connection.exec_driver_sql(statement)
        if statement == "BEGIN IMMEDIATE":
            connection.info["write_lock_taken"] = time.perf_counter()

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _on_end(connection):
        taken = connection.info.pop("write_lock_taken", None)
        if taken is not None and (held := time.perf_counter() - taken) > SLOW_WRITE_SECONDS:
            log.warning("A write transaction held the database lock for %.2f s", held)


@contextmanager
def read_phase(session: Session | scoped_session) -> Iterator[None]:
    """Run a block that only reads in a transaction of its own, without the write lock.

    A long preparation, such as checking every row of a large import, then
    never holds up other writers; the write that follows takes the lock only
    for its inserts. What the session holds is committed first (in a request,
    the sign-in bookkeeping); the block's own transaction ends, having written
    nothing, when the block does.
    """
    session.commit()
    token = _reading.set(True)
    try:
        yield
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("a read phase changed the session")
    finally:
        session.rollback()
        _reading.reset(token)


@contextmanager
def spare_write(session: Session | scoped_session, what: str) -> Iterator[None]:
    """Run a small write that a page can do without in a short transaction of its own.

    A sign-in's "last seen" time, a token's "last used" time and a shared link's view
    count are written by reading pages, whose deferred transaction cannot take the write
    lock while another writer holds it (SQLite then answers "database is locked" at once).
    So on a reading page the block runs after the page's own transaction, takes the lock
    up front waiting at most SPARE_WAIT_MS, and is committed; when the database stays
    busy it is dropped with a log line, and the page answers as usual. Inside a unit of
    work that writes anyway the block joins it, committed with the rest; after a unit
    (an after-request hook) it always has a transaction of its own.
    """
    unit = current_unit()
    if (unit is not None and unit.writes) or not has_request_context():
        yield
        return
    session.commit()  # the page's reads: nothing was written
    token = _sparing.set(True)
    try:
        yield
        session.commit()
    except OperationalError as error:
        session.rollback()
        if "database is locked" not in str(error.orig):
            raise
        log.warning("%s was not saved: the database was busy", what)
    finally:
        _sparing.reset(token)


def long_insert_cache(session: Session | scoped_session) -> None:
    """Let a long insert's connection keep more pages in memory until it is back in the pool."""
    connection = session.connection()
    if connection.dialect.name != "sqlite" or "cache_size" in connection.info:
        return
    kept = connection.exec_driver_sql("PRAGMA cache_size").scalar_one()
    connection.exec_driver_sql(f"PRAGMA cache_size = -{LONG_INSERT_CACHE_KIB}")
    connection.info["cache_size"] = kept


def commit_part_if_due(session: Session | scoped_session) -> bool:
    """Commit a long write's part once it has held the write lock long enough; say if it did.

    Called right after a write. Others' writes waiting for the lock go in before the next
    part: it takes the lock PART_PAUSE_SECONDS after the commit at the soonest, whatever
    this thread does meanwhile (an import checks its next rows). Only SQLite has one lock
    for the whole database: elsewhere the write stays one transaction.
    """
    taken = session.connection().info.get("write_lock_taken")
    if taken is None or time.perf_counter() - taken < current_app.config["WRITE_PART_SECONDS"]:
        return False
    return commit_part(session)


def commit_part(session: Session | scoped_session) -> bool:
    """Commit a long write's part now, where the write lock is SQLite's; say if it did.

    The next part takes the lock PART_PAUSE_SECONDS after this commit at the soonest.
    """
    if "write_lock_taken" not in session.connection().info:
        return False
    session.commit()
    _next_part.set(time.perf_counter() + PART_PAUSE_SECONDS)
    return True


def part_may_begin() -> bool:
    """Tell whether a long write's next part may take the write lock now, without waiting."""
    return time.perf_counter() >= _next_part.get()


def _wait_at_most(connection, milliseconds: int) -> None:
    """Set how long a connection waits for the write lock, when it waits otherwise now."""
    if connection.info.get("busy_timeout_ms") != milliseconds:
        connection.exec_driver_sql(f"PRAGMA busy_timeout = {milliseconds}")
        connection.info["busy_timeout_ms"] = milliseconds


def _begin_statement() -> str:
    """Return BEGIN IMMEDIATE for transactions that may write.

    A deferred transaction that later writes can fail with "database is
    locked" without waiting for the busy timeout; taking the write lock up
    front makes concurrent writers queue instead. Reads stay deferred so that
    they never wait for a writer (WAL lets them run alongside): a unit of work
    that only reads, a read phase, and a request's bookkeeping before a reading
    page's unit begins.
    """
    if _sparing.get():
        return "BEGIN IMMEDIATE"
    if _reading.get():
        return "BEGIN"
    unit = current_unit()
    if unit is not None:
        return "BEGIN IMMEDIATE" if unit.writes else "BEGIN"
    if has_request_context() and request.method in SAFE_METHODS:
        return "BEGIN"
    return "BEGIN IMMEDIATE"
