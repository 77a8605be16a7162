"""One rule for idempotency keys, used by every create: forms, offline sync and the API.

A client sends a key with a new entry; sending it again (a double tap, a retried
request) returns the entry stored the first time instead of storing it twice.
"""

import hashlib
from typing import Any

from flask_babel import lazy_gettext
from sqlalchemy import select

from diary import rules
from diary.extensions import db

KEY_MAX = 64
CONFLICT = "This idempotency key was already used for a different entry."
LABEL = lazy_gettext("The idempotency key")


def check_key(value: Any) -> str | None:
    """Return the key, None when there is none; refuse a key over KEY_MAX (never cut it short)."""
    if value is None or value == "":
        return None
    return rules.text(value, LABEL, KEY_MAX)


def derived_key(key: str | None, part: str) -> str | None:
    """Return the key of one part of an entry (a side effect per code), as long as any key.

    Hashed, so a 64-character key and a long code still fit the column.
    """
    if key is None:
        return None
    return hashlib.sha256(f"{key}\n{part}".encode()).hexdigest()[:KEY_MAX]


def replayed(model, owner, key: str | None, given: dict[str, Any]):
    """Return the row stored with key, or None; raise EntryError if it differs from given.

    owner is the where-clause that scopes keys (a user's rows, a treatment's rows);
    given holds the values the client chose, so a default such as "now" never conflicts.
    """
    if key is None:
        return None
    row = db.session.scalar(select(model).where(owner, model.client_key == key))
    if row is not None and any(getattr(row, name) != value for name, value in given.items()):
        raise rules.EntryError({"client_key": CONFLICT})
    return row
