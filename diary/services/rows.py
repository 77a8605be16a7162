"""The steps every entry's service shares: store once per key, change, delete."""

from collections.abc import Iterable
from typing import Any

from diary.extensions import db
from diary.services.idempotency import replayed


def store_once(model, owner, values: dict[str, Any], given: Iterable[str]):
    """Add a row of checked values, or return the row its client_key stored before.

    given names the values the client chose; only those must match the first time.
    """
    chosen = {name: values[name] for name in given if name != "client_key"}
    existing = replayed(model, owner, values.get("client_key"), chosen)
    if existing is not None:
        return existing
    row = model(**values)
    db.session.add(row)
    db.session.flush()
    return row


def as_entered(row, names: Iterable[str], moment: str | None = None) -> dict[str, Any]:
    """Return a row's values as a service takes them, its local time with its fold."""
    values = {name: getattr(row, name) for name in names}
    if moment is not None:
        values[moment] = values[moment].replace(fold=int(row.fold))
    return values


def change(row, values: dict[str, Any], names: Iterable[str]) -> None:
    """Set checked values on a row and flush."""
    for name in names:
        setattr(row, name, values[name])
    db.session.flush()


def remove(row) -> None:
    db.session.delete(row)
    db.session.flush()
