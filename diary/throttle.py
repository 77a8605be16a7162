"""Throttles on password checks: wrong passwords count, right ones never do.

Sign-in failures are counted per address and per account (LOGIN_RATE_LIMIT each). An
address with too many failures is held back for every account. An account with too
many failures is held back only for addresses that have failed themselves: a member
typing the right password from an address that has not guessed wrong still gets in, so
nobody can lock a member out by guessing from many addresses, while each guessing
address gets at most one try at that account per window. The current-password check of
a password change is counted per account the same way.

The counts live in Flask-Limiter's storage (RATELIMIT_STORAGE_URI), beside its other limits.
"""

import math
import time

from flask import current_app, request
from limits import RateLimitItem, parse_many
from werkzeug.exceptions import TooManyRequests

from diary.extensions import limiter
from diary.services.accounts import normalise_username

# The scopes of the two checks' counts (names, not secrets).
SIGN_IN = "sign-in"
PASSWORD_CHANGE = "password-change"  # noqa: S105


def _limits() -> list[RateLimitItem]:
    return parse_many(current_app.config["LOGIN_RATE_LIMIT"])


# Each bucket has its own prefix, so a username such as "127.0.0.11" never shares the
# bucket of that address.
def _address() -> str:
    return "address:" + (request.remote_addr or "")


def _account(username: str) -> str:
    return "username:" + normalise_username(username)


def _wait(scope: str, key: str) -> int | None:
    """Return the seconds until key may be checked again, or None when it may be now."""
    full = [item for item in _limits() if not limiter.limiter.test(item, scope, key)]
    if not full:
        return None
    reset = max(limiter.limiter.get_window_stats(item, scope, key).reset_time for item in full)
    return max(1, math.ceil(reset - time.time()))


def _has_failed(scope: str, key: str) -> bool:
    return any(
        limiter.limiter.get_window_stats(item, scope, key).remaining < item.amount
        for item in _limits()
    )


def _count(scope: str, *keys: str) -> None:
    for item in _limits():
        for key in keys:
            limiter.limiter.hit(item, scope, key)


def _refuse_after(wait: int | None) -> None:
    if wait is not None:
        raise TooManyRequests(retry_after=wait)


def check_sign_in(username: str) -> None:
    """Refuse (429) a sign-in attempt that earlier failures hold back."""
    address = _address()
    wait = _wait(SIGN_IN, address)
    if wait is None and _has_failed(SIGN_IN, address):
        wait = _wait(SIGN_IN, _account(username))
    _refuse_after(wait)


def count_failed_sign_in(username: str) -> None:
    """Count a wrong password against the address and the account."""
    _count(SIGN_IN, _address(), _account(username))


def check_password_change(user_id: int) -> None:
    """Refuse (429) a current-password check that earlier wrong guesses hold back."""
    _refuse_after(_wait(PASSWORD_CHANGE, f"user:{user_id}"))


def count_failed_password_change(user_id: int) -> None:
    """Count a wrong current password against the account."""
    _count(PASSWORD_CHANGE, f"user:{user_id}")
