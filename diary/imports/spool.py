"""A previewed import's checked rows, kept as JSON lines until the patient confirms them.

The file holds data, never code or SQL: a header line (the format, the time zone and
the schema revision the rows were checked under), then a line of column values per
table and chunk, a line for the triggers of each chunk of attacks, a line for each set
of medicines the import replaces, and a seal (an HMAC of every line before it, keyed by
the diary's secret). A confirmation reads the file twice, a line at a time: once to
check the seal, so that a file damaged, cut short or changed since the preview is
refused before anything is written, then to insert the rows. A large import is never
held in memory whole.
"""

import hashlib
import hmac
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, BinaryIO

from flask import current_app
from flask_babel import gettext

from diary.extensions import db
from diary.imports.inserting import table_values
from diary.imports.readers import Unreadable
from diary.migrating import revisions_of
from diary.models import Attack, MedicationDose, Reading
from diary.services.bulk import Imported

# A preview's rows take at most SPOOL_TIMES the size of its file, or SPOOL_FLOOR for a
# small one: real exports take 0.3 to 4.6 times (as JSON lines).
SPOOL_TIMES = 8
SPOOL_FLOOR = 1 << 20
# The tables a spool's rows go to, by name.
SPOOLED: dict[str, Imported] = {
    model.__tablename__: model for model in (Attack, Reading, MedicationDose)
}
# The chunk that holds the triggers of the attacks before it, by each attack's key.
TRIGGERS = "attack_trigger"
# A line of the keys of medicines in the diary that the import removes.
REPLACE = "replace"
# How each line begins: its kind is its first key (_write keeps the order given), and a
# chunk of rows names its table first.
_TABLE = b'{"table":"'


class TooManyRows(Unreadable):
    """The file makes more rows than its size allows; nothing was imported."""

    def __init__(self) -> None:
        super().__init__(
            "This file makes more entries than a file of its size can: their rows would take"
            f" over {SPOOL_TIMES} times its size."
        )


class PreviewOutdated(ValueError):
    """The diary changed since the preview in a way that makes its rows wrong."""


class SpoolUnreadable(PreviewOutdated):
    """The kept rows are damaged or were changed since the preview; nothing was imported."""

    def __init__(self) -> None:
        super().__init__(
            gettext(
                "The rows kept from this preview are damaged, so nothing was imported;"
                " please preview the file again."
            )
        )


@dataclass(frozen=True)
class Replaced:
    """The keys of medicines in the diary that a previewed import replaces (it removes them)."""

    keys: list[str]


@dataclass(frozen=True)
class Triggers:
    """The triggers of attacks a previewed import adds, by each attack's key."""

    keyed: list[tuple[str, list[str]]]


@dataclass(frozen=True)
class Rows:
    """A kept chunk of one table's rows: their columns, and each row's values in that order."""

    model: Imported
    columns: list[str]
    values: list[list[Any]]


def schema_revision() -> list[str]:
    """Return the migrations the diary's database is at, as the session sees it."""
    return sorted(revisions_of(db.session.connection()))


def _seal() -> "hmac.HMAC":
    secret = current_app.config["SECRET_KEY"]
    key = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(key, b"import preview rows\n", hashlib.sha256)


class Spool:
    """Checked rows waiting in a file for their insert, a chunk at a time.

    The file lies in the instance folder (health data stays there), readable by the
    diary only, and never grows past its limit (TooManyRows).
    """

    def __init__(self, file: BinaryIO, limit: float = math.inf):
        self.file, self.limit = file, limit
        self.seal = _seal()
        self._header: dict[str, Any] | None = None

    @classmethod
    def start(cls, file: BinaryIO, fmt: str, zone: str, limit: int) -> "Spool":
        """Begin a spool of rows read from a format, with times local to zone."""
        spool = cls(file, limit)
        spool._write({"format": fmt, "zone": zone, "revision": schema_revision()})
        return spool

    def add(self, model, rows: list[dict], leave_out: str = "") -> None:
        """Keep a chunk of one table's checked rows (all with the same columns), without the
        values of leave_out (a name that is no column)."""
        if rows:
            columns, values = table_values(rows, leave_out)
            self._write({"table": model.__tablename__, "columns": columns, "rows": values})

    def replace(self, keys: list[str]) -> None:
        """Keep the keys of medicines in the diary that the import removes."""
        if keys:
            self._write({REPLACE: keys})

    def triggers(self, keyed: list[tuple[str, list[str]]]) -> None:
        """Keep the triggers of attacks added in bulk, by each attack's key."""
        if keyed:
            self._write({TRIGGERS: keyed})

    def finish(self) -> None:
        """Seal the file: a confirmation refuses one that lacks its seal or does not match it."""
        self.file.write(json.dumps({"seal": self.seal.hexdigest()}).encode() + b"\n")
        self.file.flush()

    def _write(self, line: dict) -> None:
        # A datetime is written as ISO 8601 text (a C method: no Python call for each one);
        # JSON holds the other column values as they are, and refuses anything else.
        data = json.dumps(line, default=datetime.isoformat, separators=(",", ":")).encode()
        data += b"\n"
        if self.file.tell() + len(data) > self.limit:
            raise TooManyRows
        self.file.write(data)
        self.seal.update(data)

    def header(self) -> dict[str, Any]:
        """Check the seal (once) and return the header; raise SpoolUnreadable when it fails."""
        if self._header is None:
            self.file.seek(0)
            seal, last = _seal(), b""
            for line in self.file:
                seal.update(last)
                last = line
            try:
                kept = json.loads(last)["seal"]
            except (ValueError, TypeError, KeyError):
                raise SpoolUnreadable from None
            if not isinstance(kept, str) or not hmac.compare_digest(kept, seal.hexdigest()):
                raise SpoolUnreadable
            self.file.seek(0)
            self._header = json.loads(self.file.readline())
        return self._header

    def chunks(self, *kinds: str) -> Iterator[Rows | Replaced | Triggers]:
        """Yield each kept chunk of rows (with its model), each set of medicines replaced and
        each set of attacks' triggers, in the order kept; given kinds (tables' names, REPLACE,
        TRIGGERS), only the lines of those (the others are not read)."""
        self.header()
        self.file.seek(0)
        self.file.readline()
        for line in self.file:
            if kinds and _kind(line) not in kinds:
                continue
            kept = json.loads(line)
            if "seal" in kept:
                return
            if REPLACE in kept:
                yield Replaced(kept["replace"])
            elif TRIGGERS in kept:
                yield Triggers([(key, names) for key, names in kept[TRIGGERS]])
            else:
                yield _rows(kept)


def _kind(line: bytes) -> str:
    """Return what a kept line holds (a table's name, REPLACE, TRIGGERS or "seal") from its
    first characters, without reading its values."""
    if line.startswith(_TABLE):
        return line[len(_TABLE) : line.index(b'"', len(_TABLE))].decode()
    return line[2 : line.index(b'"', 2)].decode()


def _rows(kept: dict) -> Rows:
    """Return a kept chunk's rows, with their datetimes read back."""
    model = SPOOLED[kept["table"]]
    columns, values = kept["columns"], kept["rows"]
    for n, column in enumerate(columns):
        if model.__table__.c[column].type.python_type is datetime:
            for row in values:
                if row[n] is not None:
                    row[n] = datetime.fromisoformat(row[n])
    return Rows(model, columns, values)
