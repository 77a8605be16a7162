"""One unit of work per request and per command, as indico's RH.process runs a handler.

The work runs inside a try: it is committed when it returns normally and rolled back on
any exception, before a response exists. A unit in which a service failed keeps nothing,
even when the caller caught the failure and answered on (a form shown again, a redirect).
Work that must happen only once the data is saved (an e-mail, removing a file) is
registered with after_commit and runs after the commit, once; never when it failed.
A unit that only reads never takes SQLite's write lock (diary/sqlite.py asks `writing`).
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import wraps
from typing import ParamSpec, TypeVar

from diary.extensions import db

P = ParamSpec("P")
R = TypeVar("R")


@dataclass
class Unit:
    """What one unit of work has done so far."""

    writes: bool
    failed: bool = False
    # It read something the clock changes (an attack still going): nothing it works out is kept.
    read_the_clock: bool = False
    committed: bool = False
    after: list[Callable[[], object]] = field(default_factory=list)


_current: ContextVar[Unit | None] = ContextVar("unit_of_work", default=None)


def current_unit() -> Unit | None:
    return _current.get()


def pending_changes(session) -> list:
    """Return the objects the session would write at its next flush."""
    changed = [o for o in session.dirty if session.is_modified(o)]
    return [*session.new, *changed, *session.deleted]


@contextmanager
def unit_of_work(*, writes: bool) -> Iterator[Unit]:
    """Run a block as one unit: commit it if it writes and ends well, else keep nothing.

    A unit that only reads is left open rather than committed (a streamed download still
    reads from it) and must have changed nothing.
    """
    unit = Unit(writes)
    token = _current.set(unit)
    try:
        yield unit
        if unit.failed:
            db.session.rollback()
        elif writes:
            db.session.commit()
            unit.committed = True
        # A unit that never opened the session (the health check) has changed nothing.
        elif db.session.registry.has() and (changed := pending_changes(db.session)):
            raise RuntimeError(f"a unit that only reads changed rows: {changed}")
    except BaseException:
        db.session.rollback()
        raise
    finally:
        _current.reset(token)
    if unit.committed:
        for work in unit.after:
            work()


def after_commit(work: Callable[[], object]) -> None:
    """Run work once the current unit has committed; at once outside any unit."""
    unit = _current.get()
    if unit is None:
        work()
    else:
        unit.after.append(work)


def fail_unit() -> None:
    """Mark the current unit as one that must keep nothing (a service in it failed)."""
    unit = _current.get()
    if unit is not None:
        unit.failed = True


def command_unit(*, writes: bool) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Run a command as one unit of work (read-only commands never take the write lock)."""

    def decorate(command: Callable[P, R]) -> Callable[P, R]:
        @wraps(command)
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
            with unit_of_work(writes=writes):
                return command(*args, **kwargs)

        return wrapped

    return decorate
