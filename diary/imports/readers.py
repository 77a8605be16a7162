"""Read an export file from disk as text, CSV records or JSON items, a piece at a time.

A large export (200,000 rows) is never held in memory whole: it is checked once for
being UTF-8 text (and, when JSON, for a shape the parser can read safely, noting where
each member of a root object lies), then each format reads it as a stream, as many times
as it needs: a JSON list only where it lies.
"""

import codecs
import csv
import json
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO, TextIO

import ijson

from diary.json_shape import JsonShapeError, Sections, check_json_shape

ARCHIVES = (b"PK\x03\x04", b"\x1f\x8b")  # zip, gzip
BOM = codecs.BOM_UTF8
CHUNK = 1 << 20
HEAD = 20_000  # characters a format may look at to recognise its file
# The most bytes of one entry the readers build whole (a day of Headache Companion, a
# MigraLog episode): real ones take well under 10 KB; built, an entry takes up to about
# 20 times its bytes in memory.
ENTRY_MAX = 1 << 20
# The parser's events that begin a list item; scalars count once, as themselves.
ITEM_STARTS = frozenset({"start_map", "start_array", "string", "number", "boolean", "null"})


class Unreadable(ValueError):
    """The file cannot be read at all; nothing was imported."""


class Export:
    """An export file on disk, known to be UTF-8 text."""

    def __init__(self, path: Path):
        self.path = path
        with path.open("rb") as file:
            _check_text(file)
        with self.text() as text:
            self.head = text.read(HEAD)
        # What a JSON export's root is ("{" an object, "[" a list), else "".
        self.json_root = root if (root := self.head.lstrip()[:1]) in ("[", "{") else ""
        # Where each member of a JSON root object lies in the file (see json_items).
        self.sections: Sections | None = None
        if self.json_root:
            with self._json() as file:
                start = file.tell()  # after a BOM
                try:
                    found = check_json_shape(file, ENTRY_MAX)
                except JsonShapeError as exc:
                    raise Unreadable(str(exc)) from None
            if found is not None:
                self.sections = {
                    key: [(start + first, start + end) for first, end in spans]
                    for key, spans in found.items()
                }

    @contextmanager
    def text(self) -> Iterator[TextIO]:
        """Open the export as text from its start (a BOM is skipped; line ends are kept)."""
        with self.path.open(encoding="utf-8-sig", newline="") as file:
            yield file

    def json_items(self, prefix: str, whole_file: bool = False) -> Iterator[tuple[int, Any]]:
        """Yield each item found at an ijson prefix ("episodes.item") with its position.

        Where the shape check found the root object's members, only the values of the member
        the prefix begins with are parsed (a 53 MB export's one list, not the whole file each
        time). whole_file parses all of it, so that a file that is not JSON anywhere is
        refused.
        """
        items = partial(ijson.items, use_float=True)
        yield from enumerate(self._parsed(prefix, items, whole_file))

    def json_lengths(self, names: Iterable[str]) -> Counter:
        """Count the items of some top-level lists, without building them.

        Where the shape check found the root object's members, each list is parsed where it
        lies. Else one pass reads them all, and a list whose name the file does not hold at
        all is not looked for: the parser hands each of a large file's values to Python (a
        second for 50 MB), and an export holds few of the lists counted, or none. (A name
        written with escapes, as no app writes it, is not found.)
        """
        if self.sections is not None:
            held = [name for name in names if name in self.sections]
            return Counter({name: sum(self._parsed(f"{name}.item", _item_starts)) for name in held})
        quoted = {json.dumps(name).encode(): name for name in names}
        starts = {f"{quoted[found]}.item": quoted[found] for found in self._holding(quoted)}
        lengths: Counter = Counter()
        if not starts:
            return lengths
        with self._json() as file:
            for prefix, event, _ in ijson.parse(file, use_float=True):
                if prefix in starts and event in ITEM_STARTS:
                    lengths[starts[prefix]] += 1
        return lengths

    def check_json(self) -> None:
        """Parse the whole file through, to refuse one that is not JSON with the parser's word."""
        with self._json() as file:
            deque(ijson.parse(file, use_float=True), maxlen=0)

    def _parsed(
        self, prefix: str, parse: Callable[[Any, str], Iterator], whole_file: bool = False
    ) -> Iterator:
        """Yield what parse(stream, prefix) yields for the file whole, or for each value of
        the root object's member the prefix begins with (see json_items)."""
        member, _, inner = prefix.partition(".")
        if whole_file or self.sections is None or not inner:
            with self._json() as file:
                yield from parse(file, prefix)
            return
        for start, end in self.sections.get(member, []):
            with self._json() as file:
                file.seek(start)
                yield from parse(_Part(file, end), inner)

    def _holding(self, texts: Iterable[bytes]) -> set[bytes]:
        """Return which of these texts the file holds, reading it a megabyte at a time."""
        texts, found = set(texts), set[bytes]()
        overlap = max(map(len, texts), default=1) - 1
        with self.path.open("rb") as file:
            tail = b""
            while (chunk := file.read(CHUNK)) and texts - found:
                piece = tail + chunk
                found |= {text for text in texts - found if text in piece}
                tail = piece[-overlap:] if overlap else b""
        return found

    @contextmanager
    def _json(self) -> Iterator[BinaryIO]:
        with self.path.open("rb") as file:
            if file.read(len(BOM)) != BOM:
                file.seek(0)
            try:
                yield file
            except ijson.JSONError as exc:
                raise Unreadable(f"The file is not JSON: {exc}.") from None


def _item_starts(stream: Any, prefix: str) -> Iterator[int]:
    """Yield 1 for each item at prefix of a JSON stream, without building it."""
    for at, event, _ in ijson.parse(stream, use_float=True):
        if at == prefix and event in ITEM_STARTS:
            yield 1


class _Part:
    """A file read from where it is to the byte before end, and no further."""

    def __init__(self, file: BinaryIO, end: int):
        self.file, self.left = file, end - file.tell()

    def read(self, size: int = -1) -> bytes:
        data = self.file.read(self.left if size < 0 else min(size, self.left))
        self.left -= len(data)
        return data


def _check_text(file: BinaryIO) -> None:
    """Refuse archives and anything that is not UTF-8, reading a megabyte at a time."""
    if file.read(4).startswith(ARCHIVES):
        # Never unpacked: a small archive can hold gigabytes (a zip bomb).
        raise Unreadable(
            "This is a compressed archive. Unpack it on your computer and upload the export"
            " file that is inside (.csv or .json)."
        )
    file.seek(0)
    decoder, offset = codecs.getincrementaldecoder("utf-8")(), 0
    while chunk := file.read(CHUNK):
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            raise Unreadable(f"The file is not UTF-8 text (byte {offset + exc.start}).") from None
        offset += len(chunk)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise Unreadable("The file is not UTF-8 text (it ends inside a character).") from None


def csv_records(
    lines: Iterable[str], first_line: int = 1
) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    """Return a CSV stream's header and its records by header name, each with its first line."""
    reader = csv.reader(lines, strict=True)
    try:
        header = [name.strip() for name in next(reader, [])]
    except csv.Error as exc:
        raise Unreadable(f"Not valid CSV: {exc}.") from None
    before = first_line - 1

    def records() -> Iterator[tuple[int, dict[str, str]]]:
        line = reader.line_num + 1
        try:
            for cells in reader:
                if "".join(cells).strip():  # a row of empty cells is no record
                    yield before + line, dict(zip(header, cells, strict=False))
                line = reader.line_num + 1
        except csv.Error as exc:
            raise Unreadable(f"Not valid CSV at line {before + reader.line_num}: {exc}.") from None

    return header, records()


def items(value: Any) -> list[str]:
    """Return a list cell or JSON list as its non-empty items, as text."""
    if not value:  # most cells are empty
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return []
