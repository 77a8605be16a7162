"""The idempotency keys of the rows an import makes from another diary's entries.

A row's key is its source entry's identity hashed: the format, the entry's own key in its
file (an id, or the time as the file writes it), and which of the entry's rows it is. So
importing the same export again, or a later one from the same app, adds only the entries
the diary does not hold yet, whatever the patient's time zone or edits since.

The key begins with the letters and digits of the entry's own key (its lead). Exports
number or time their entries in order, and so each table's unique index of keys takes an
import's rows in about that order. With keys in no order, SQLite rewrote pages all over
those indexes at each part of a long insert: importing 200,000 MigraLog episodes took
28.1 s instead of 21.2, and confirming a preview of 200,000 Migraine Buddy attacks 13.4 s
instead of 7.9. (An app whose ids are random, as UUIDs are, gains nothing.)

Versions before this change keyed rows by the hash alone (a plain key). A row of such an
import is still found by that key (earlier_keys), so importing the same export again adds
nothing to those diaries either.
"""

import hashlib
from collections.abc import Iterable

from diary.imports.source import Attack, Entry, Taken
from diary.services.idempotency import KEY_MAX

LEAD_LENGTH = 16
# Only ASCII letters and digits lead a key: a key is never stripped, and sorts the same in
# every database. A plain key never holds the separator that follows the lead.
NOT_LEAD_ASCII = str.maketrans("", "", "".join(c for c in map(chr, range(128)) if not c.isalnum()))
SEPARATOR = "_"


def source_key(format_code: str, *parts: str, lead: str = "") -> str:
    """Return the key of one diary row made from one source entry: the hash of the format
    and parts, after the lead given (none: a plain key)."""
    digest = hashlib.sha256("\n".join((format_code, *parts)).encode()).hexdigest()
    return lead + digest[: KEY_MAX - len(lead)]


def entry_keys(format_code: str, entry: Entry, ordered: bool = True) -> tuple[str, ...]:
    """Return the keys of the rows an entry makes: an attack's and the reading of its
    intensity, a reading's, or a medicine's; not ordered, the plain keys versions before
    gave them."""
    # Medicines that name each other (a medicine of an attack's log and the dose from a
    # more exact file that replaces it) keep plain keys, by which the other names them.
    named = isinstance(entry, Taken) and (entry.superseded_by or entry.replaces)
    lead = _lead(entry.key) if ordered and not named else ""
    if isinstance(entry, Attack):
        return (
            source_key(format_code, entry.key, "attack", lead=lead),
            source_key(format_code, entry.key, lead=lead),
        )
    return (source_key(format_code, entry.key, lead=lead),)


def _lead(key: str) -> str:
    """Return the lead of the keys of an entry's rows: the letters and digits its own key
    begins with, and the separator."""
    # A table and an encoding: twice as quick as a regular expression.
    lead = key[: 4 * LEAD_LENGTH].translate(NOT_LEAD_ASCII).encode("ascii", "ignore").decode()
    return lead[:LEAD_LENGTH] + SEPARATOR


def earlier_keys(format_code: str, entries: Iterable[Entry]) -> dict[str, str]:
    """Return the key of each of these entries' rows that is ordered, with the plain key a
    version before gave the same row."""
    return {
        key: plain
        for entry in entries
        for key, plain in zip(
            entry_keys(format_code, entry), entry_keys(format_code, entry, False), strict=True
        )
        if key != plain
    }


def named_keys(format_code: str, source_keys: Iterable[str]) -> list[str]:
    """Return the keys of the medicines another entry names by their keys in its file."""
    return [source_key(format_code, key) for key in source_keys]
