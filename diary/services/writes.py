"""Mark the service functions that write, so a test can prove nothing else does."""

from collections.abc import Callable
from contextvars import ContextVar
from functools import wraps
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")

# True while a service function runs; tests/conftest.py fails any flush made outside one.
in_service: ContextVar[bool] = ContextVar("in_service", default=False)


def writes(service: Callable[P, R]) -> Callable[P, R]:
    """Mark a function as a service that may add, change or delete rows (it flushes)."""

    @wraps(service)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
        token = in_service.set(True)
        try:
            return service(*args, **kwargs)
        finally:
            in_service.reset(token)

    return wrapped
