"""The idempotency keys of the rows an import makes from another diary's entries.

A row's key is its source entry's identity hashed: the format, the entry's own key in its
file, and which of the entry's rows it is. So importing the same export again, or a later
one from the same app, adds only the entries the diary does not hold yet.

The key begins with the entry's time, to the minute. Exports list their entries in about
the order of time, and so each table's unique index of keys takes an import's rows in
order. With keys in no order, SQLite rewrote pages all over those indexes at each part of
a long insert: importing 200,000 Migraine Buddy attacks took 26.0 s instead of 18.1, and
confirming their preview 14.4 s instead of 8.6.

Imports before 2026-12-08 keyed rows by the hash alone (a plain key). A row of such an
import is still found by that key (earlier_keys), so importing the same export again adds
nothing to those diaries either.
"""

import hashlib
from collections.abc import Iterable
from datetime import datetime

from diary.imports.source import Attack, Entry, Taken

KEY_LENGTH = 64  # what every client key may take (services.idempotency.KEY_MAX)


def source_key(format_code: str, *parts: str, at: datetime | None = None) -> str:
    """Return the key of one diary row made from one source entry: from its time (at), when
    given, and the hash of the format and parts."""
    digest = hashlib.sha256("\n".join((format_code, *parts)).encode()).hexdigest()
    if at is None:
        return digest[:KEY_LENGTH]
    stamp = at.isoformat()[:16]  # 2024-05-03T07:20 (strftime takes three times as long)
    return stamp + digest[: KEY_LENGTH - len(stamp)]


def entry_keys(format_code: str, entry: Entry, dated: bool = True) -> tuple[str, ...]:
    """Return the keys of the rows an entry makes: an attack's and the reading of its
    intensity, a reading's, or a medicine's; not dated, the plain keys imports gave them
    before."""
    if isinstance(entry, Attack):
        at = entry.start if dated else None
        return (
            source_key(format_code, entry.key, "attack", at=at),
            source_key(format_code, entry.key, at=at),
        )
    # Medicines that name each other (a medicine of an attack's log and the dose from a
    # more exact file that replaces it) keep plain keys: each is found by the other's
    # key in its file alone, without its time.
    named = isinstance(entry, Taken) and bool(entry.superseded_by or entry.replaces)
    return (source_key(format_code, entry.key, at=entry.at if dated and not named else None),)


def earlier_keys(format_code: str, entries: Iterable[Entry]) -> dict[str, str]:
    """Return the key of each of these entries' rows that is dated, with the plain key an
    earlier import gave the same row."""
    return {
        key: plain
        for entry in entries
        for key, plain in zip(
            entry_keys(format_code, entry), entry_keys(format_code, entry, dated=False), strict=True
        )
        if key != plain
    }


def named_keys(format_code: str, source_keys: Iterable[str]) -> list[str]:
    """Return the keys of the medicines another entry names by their keys in its file."""
    return [source_key(format_code, key) for key in source_keys]
