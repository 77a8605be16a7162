"""What is computed from a user's whole diary, kept until that user's next write.

Every write of a user's rows gives the user a new data_version in the same transaction,
whichever way it comes (a form, the API, sync, an import, a restore, a command): the
session events below note the owners of what a flush writes and of what a Core UPDATE or
DELETE matches, bulk inserts name theirs (diary/services/bulk.py), and the commit moves
their versions. A figure is cached under the user, that version, the language and its own
arguments (the day it is for among them) in a bounded LRU per process (CACHE_ENTRIES), so
a write made by another process or connection is seen at the next request, which reads the
user's row afresh. Only a unit of work that reads uses the cache: one that writes computes
afresh, and so does a figure that read an attack still going (it changes with the clock).
"""

import secrets
import sys
from collections.abc import Callable, Iterable
from contextlib import suppress
from functools import wraps
from threading import Lock
from typing import TypeVar

from cachetools import LRUCache
from flask import Flask, current_app, has_app_context
from flask_babel import get_locale
from sqlalchemy import Table, event, inspect, select, update
from sqlalchemy.orm import MANYTOONE, ORMExecuteState, Session, scoped_session

from diary.extensions import db
from diary.models import ApiToken, LoginSession, ShareLink, User
from diary.services.writes import in_service
from diary.unit import Unit, current_unit

R = TypeVar("R")

# Rows written as the diary is used that nothing cached reads: a sign-in's last-seen time,
# a token's last use, a shared link's view count. Moving the version for them would empty
# the cache at every request.
BOOKKEEPING: frozenset[Table] = frozenset(
    model.__table__ for model in (LoginSession, ApiToken, ShareLink)
)
_TOUCHED = "diary_users_written"
# Noted for a write whose users are not known: every user's version moves (ids start at 1).
EVERYONE = 0
_MISSING = object()


def new_version() -> str:
    """Return a version no state of any diary has had: a restore brings back old ones."""
    return secrets.token_hex(8)


def _touched(session: Session | scoped_session) -> set[int]:
    """Return the users the session's current transaction has written for so far."""
    return session.info.setdefault(_TOUCHED, set())


def wrote_for(session: Session | scoped_session, owners: Iterable[int]) -> None:
    """Note users whose rows the current transaction writes: their versions move at commit."""
    _touched(session).update(owners)


def _owner(row: object) -> int | None:
    """Return the user a mapped row belongs to, through its parent for a row of a row."""
    if isinstance(row, User):
        return row.id
    mapper = inspect(type(row))
    if mapper.local_table in BOOKKEEPING:
        return None
    if "user_id" in mapper.columns:
        return getattr(row, "user_id")  # noqa: B009 (every owned model has the column)
    # An attack's trigger, a regimen's dose, a treatment's dose change or medicine.
    for relation in mapper.relationships:
        if relation.direction is MANYTOONE and "user_id" in relation.mapper.columns:
            parent = getattr(row, relation.key)
            if parent is not None:
                return parent.user_id
    return None


@event.listens_for(db.session, "after_flush")
def _note_flushed(session: Session, _context) -> None:
    """Note the owners of every row a flush inserted, changed or deleted."""
    rows = (*session.new, *session.dirty, *session.deleted)
    wrote_for(session, {owner for row in rows if (owner := _owner(row)) is not None})


@event.listens_for(db.session, "do_orm_execute")
def _note_statement(state: ORMExecuteState) -> None:
    """Note the owners of the rows a Core INSERT, UPDATE or DELETE writes."""
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    table = state.statement.table
    # Only the models' tables (a migration's test writes an old one of its own).
    if not isinstance(table, Table) or table in BOOKKEEPING or "user_id" not in table.c:
        return
    if state.is_insert:
        given = state.parameters if isinstance(state.parameters, list) else [state.parameters]
        owners = {row.get("user_id") for row in given if row}
        # Values written into the statement itself: whose they are is not worth finding.
        wrote_for(state.session, [EVERYONE] if None in owners or not owners else owners)
        return
    matched = select(table.c.user_id).distinct()
    if state.statement.whereclause is not None:
        matched = matched.where(state.statement.whereclause)
    wrote_for(state.session, state.session.scalars(matched))


@event.listens_for(db.session, "before_commit")
def _move_versions(session: Session) -> None:
    """Give every user the transaction wrote for a new data version, in the same transaction."""
    if session.in_nested_transaction():
        return  # a service's savepoint: the transaction commits later
    session.flush()
    users = session.info.pop(_TOUCHED, None)
    if not users:
        return
    moved = update(User).values(data_version=new_version())
    if EVERYONE not in users:
        moved = moved.where(User.id.in_(sorted(users)))
    # Part of the writes it records, not a write of its own (tests/conftest.py checks that
    # only services write).
    token = in_service.set(True)
    try:
        session.execute(moved.execution_options(synchronize_session=False))
    finally:
        in_service.reset(token)


@event.listens_for(db.session, "after_transaction_end")
def _forget_touched(session: Session, transaction) -> None:
    """Forget the noted users when the transaction ends (committed or rolled back)."""
    if transaction.parent is None:
        session.info.pop(_TOUCHED, None)


def moves_with_the_clock() -> None:
    """Say that what is being worked out changes with the time of day (an attack still going):
    nothing the unit of work works out from now on is kept, figures and rendered parts alike."""
    unit = current_unit()
    if unit is not None:
        unit.read_the_clock = True


class UserCache:
    """The bounded LRUs of one app, the figures by their number and the rendered parts of pages
    by their size; lookups and stores under a lock (waitress serves in threads)."""

    def __init__(self, entries: int, page_bytes: int):
        self.entries: LRUCache = LRUCache(maxsize=entries)
        self.pages: LRUCache = LRUCache(maxsize=page_bytes, getsizeof=_held)
        self.lock = Lock()


# What one kept part costs besides its text: its key, and the cache's own bookkeeping.
PART_OVERHEAD_BYTES = 512


def _held(html: str) -> int:
    """Return about the memory a kept part holds (text of any script at 2 or 4 bytes a
    character, as Python stores it)."""
    return sys.getsizeof(html) + PART_OVERHEAD_BYTES


def init_cache(app: Flask) -> None:
    """Give the app its own cache (each process, and each test's app, starts empty)."""
    page_bytes = int(float(app.config["PAGE_CACHE_MB"]) * 2**20)
    app.extensions["diary_cache"] = UserCache(app.config["CACHE_ENTRIES"], page_bytes)


def only_reads(unit: Unit | None) -> bool:
    """Tell whether work runs in a unit of work that only reads: the one kind whose work is
    kept (one that writes may show what was sent; outside a unit is an error page)."""
    return unit is not None and not unit.writes


def _usable(unit: Unit | None) -> UserCache | None:
    """Return the app's cache when the unit of work only reads, else None."""
    if not only_reads(unit) or not has_app_context():
        return None
    return current_app.extensions.get("diary_cache")


def _kept(
    function: Callable[..., R],
    keep: Callable[[R], bool],
    answer: Callable[[R], R],
    kind: str = "entries",
) -> Callable[..., R]:
    """Wrap function(user, *args): the answer to what it returned is kept when keep(returned)
    says so, under the user, version, language and args, until the user's next write, in the
    cache's LRU of that kind ("entries" or "pages")."""
    name = f"{function.__module__}.{function.__qualname__}"

    @wraps(function)
    def cached(user: User, *args, **read):
        unit = current_unit()
        store = _usable(unit)
        if unit is None or store is None:
            return function(user, *args, **read)
        key = (name, user.id, user.data_version, str(get_locale()), *args)
        kept = getattr(store, kind)
        with store.lock:
            found = kept.get(key, _MISSING)
        if found is not _MISSING:
            return answer(found)
        value = function(user, *args, **read)
        if unit.read_the_clock or not keep(value):
            return value
        with store.lock, suppress(ValueError):  # larger than the whole cache: not kept
            kept[key] = value
        return value

    return cached


def per_user(function: Callable[..., R]) -> Callable[..., R]:
    """Cache function(user, *args) per user, version, language and args until the next write.

    The args are the key: hashable values (days, ids), never rows. Keyword arguments are not:
    rows the caller has read already, which the user's data and the args determine. What it
    returns is shared by every request that finds it: plain values, no rows of a session,
    never changed by a caller.
    """
    return _kept(function, keep=lambda _value: True, answer=lambda value: value)


def per_user_page(function: Callable[..., str]) -> Callable[..., str]:
    """Keep function(user, *args), a rendered part of a page, as per_user does, among the
    parts of pages (bounded by their size, PAGE_CACHE_MB)."""
    return _kept(function, keep=lambda _html: True, answer=lambda html: html, kind="pages")


def while_empty(function: Callable[..., R]) -> Callable[..., R]:
    """Ask function(user, *args) again only when it found something last time, or after the
    user's next write: home asks for lists of the day that are nearly always empty.

    It returns rows of a session, which are never kept: only that nothing was found (an empty
    list or None) is, and a fresh empty answer of the same kind is given from it.
    """
    return _kept(function, keep=lambda value: not value, answer=_nothing)


def _nothing(kept: R) -> R:
    """Return a fresh empty answer of the kind kept (a caller may add to a list)."""
    return type(kept)() if kept is not None else kept
