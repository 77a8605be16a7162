"""Mark the service functions that write: the only places that add, change or delete rows."""

from collections.abc import Callable
from contextvars import ContextVar
from functools import wraps
from typing import ParamSpec, TypeVar

from diary.extensions import db
from diary.unit import current_unit, fail_unit, pending_changes

P = ParamSpec("P")
R = TypeVar("R")

# True while a service function runs; tests/conftest.py fails any write made outside one.
in_service: ContextVar[bool] = ContextVar("in_service", default=False)


class ChangedOutsideService(RuntimeError):
    """A request or a command changed a row itself, and a service would have flushed it."""


def writes(service: Callable[P, R]) -> Callable[P, R]:
    """Mark a function as a service that may add, change or delete rows.

    The outermost service runs in a savepoint and flushes before it returns: what it
    wrote is undone if it raises, and its failure marks the unit of work as one that
    keeps nothing. In a unit, it first checks that nothing changed outside a service is
    waiting to be flushed with its own work.
    """

    @wraps(service)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
        if in_service.get():
            return service(*args, **kwargs)  # the outer service's savepoint covers it
        session = db.session
        if current_unit() is not None and (changed := pending_changes(session)):
            raise ChangedOutsideService(f"{service.__name__}: changed outside a service: {changed}")
        token = in_service.set(True)
        try:
            with session.begin_nested():
                return service(*args, **kwargs)
        except BaseException:
            fail_unit()
            raise
        finally:
            in_service.reset(token)

    return wrapped
