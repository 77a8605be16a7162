"""Refuse JSON shaped as no file the diary reads is, in one pass over its raw bytes.

A JSON parser trusts what it reads: 40,000 nested lists took the streaming parser
(ijson) 3.9 GB, an integer of 5,000 digits crashed its C backend, and one 50 MB text
kept it busy for a minute. No export or backup the diary reads nests more than a few
levels, holds a text longer than a note or a number longer than a double, so a file
that does is refused before any parser sees it. The file is read a megabyte at a
time and regular expressions look at each byte about once; Python code runs only at
the brackets around runs of entries, at entries nesting deeper than NESTED and at texts
with escapes (0.7 s for a 53 MB export, 1.4 s when Python ran at every bracket).

It also notes where the value of each member of a root object lies (its sections), so
that a reader can parse one list of a large export without the rest.
"""

import re
from typing import BinaryIO

from diary.rules import NAME_MAX, NOTE_MAX

CHUNK = 1 << 20
DEPTH_MAX = 64  # the files the diary reads need 5
# The longest text a field takes (a note), every character written as a \u escape pair.
STRING_MAX = 12 * NOTE_MAX
# A double is at most 24 characters (-1.2345678901234567e-308); a whole number of 19
# digits can be more than the parser's C backend reads (2**63), and than any time or count.
NUMBER_MAX = 32
DIGITS_MAX = 18

OPENERS, CLOSERS, QUOTE = b"[{", b"]}", ord('"')
_SCALAR = rb'[^"\[\]{}\s,:]'  # a byte of a number, true, false or null
# What needs no Python: texts short enough without escapes, white space and separators,
# and numbers and words short enough. Each is taken whole or not at all.
_TOKEN = rb'"[^"\\]{0,%d}+"|[\s,:]++|(?!-?\d{%d})%s{1,%d}+(?!%s)' % (
    STRING_MAX,
    DIGITS_MAX + 1,
    _SCALAR,
    NUMBER_MAX,
    _SCALAR,
)
_PLAIN = re.compile(rb"(?:%s)*+" % _TOKEN)
# Runs of lists and objects of such tokens, each nesting at most NESTED deep (the entries
# of most exports), are taken whole by one match instead of by Python at each bracket. A
# run ends with a closing bracket: a number cut by where the match must stop is never
# taken as a whole one.
NESTED = 3


def _nested(depth: int) -> bytes:
    """Return the pattern of a list or object of plain tokens nesting at most depth deep."""
    inner = _TOKEN if depth == 1 else b"%s|%s" % (_TOKEN, _nested(depth - 1))
    return rb"[\[{](?:%s)*+[\]}]" % inner


_ENTRY = _nested(NESTED)
_RUN = re.compile(rb"%s(?:(?:%s)*+%s)*+" % (_ENTRY, _TOKEN, _ENTRY))
_TEXT = re.compile(rb'"(?:[^"\\]++|\\.)*+', re.DOTALL)
_SCALAR_TAIL = re.compile(_SCALAR + rb"*\Z")
# The key of a root object's member just before its value, after the "{" or "," before the
# key. A key with escapes, or cut off by the piece's start, is not read: then no sections.
_KEY_BEFORE = re.compile(rb'[{,]\s*+"([^"\\]{0,%d}+)"\s*+:\s*+\Z' % NAME_MAX)
# Bytes before a value its key and separators are looked for in.
KEY_WINDOW = NAME_MAX + 64
# The byte ranges [start, end) of the values of a root object's members, by key, in order.
Sections = dict[str, list[tuple[int, int]]]


class JsonShapeError(ValueError):
    """The file nests too deep or holds a text, number or entry too long for any field."""


class _Walk:
    """The open lists and objects of a JSON text read so far, and the entry they are in."""

    def __init__(self, entry_max: int | None):
        self.entry_max = entry_max
        self.stack = bytearray()  # the opening bracket of each open list or object
        self.entry_at: int | None = None  # where the outermost entry still open began
        self.entry_depth = 0
        # Where the root object's members' lists and objects lie (None: the root is no
        # object, or a key was not read); the key and start of the one open.
        self.sections: Sections | None = None
        self.member: tuple[str, int] | None = None
        self.rooted = False

    def walk(self, data: bytes, offset: int, end: bool) -> int:
        """Check one piece of the file (at offset); return where the next piece must start."""
        pos = 0
        while True:
            pos = _PLAIN.match(data, pos).end()
            if pos == len(data):
                self.check_entry(offset + pos)
                # A number cut by the piece's end is looked at again, whole, with the next.
                return pos if end else _SCALAR_TAIL.search(data, max(0, pos - NUMBER_MAX)).start()
            byte = data[pos]
            if byte in OPENERS:
                if not self.stack:  # the root; a second one is no JSON, which the parser says
                    self.sections = {} if byte == OPENERS[1] and not self.rooted else None
                    self.rooted = True
                elif self.stack == b"{":
                    self.member_opens(data, pos, offset)
                elif (taken := self.run(data, pos, offset)) is not None:
                    pos = taken
                    continue
                self.open(byte, offset + pos)
            elif byte in CLOSERS:
                self.close(offset + pos)
            elif byte == QUOTE:
                after = self.text(data, pos, offset)
                if after is None:  # the text goes on in the next piece: look at it again whole
                    return len(data) if end else pos
                pos = after
                continue
            else:
                raise JsonShapeError(
                    f"The file holds a number longer than {DIGITS_MAX} digits or {NUMBER_MAX}"
                    f" characters (byte {offset + pos:,}); no diary export writes one."
                )
            pos += 1

    def text(self, data: bytes, pos: int, offset: int) -> int | None:
        """Return where a text in quotes ends; None when it goes on past the piece."""
        stop = _TEXT.match(data, pos, pos + STRING_MAX + 2).end()
        closed = data[stop : stop + 1] == b'"'
        if stop - pos - 1 > STRING_MAX or (not closed and len(data) - pos - 1 > STRING_MAX):
            raise JsonShapeError(
                f"The file holds a text longer than {STRING_MAX:,} bytes (byte {offset + pos:,});"
                " no field of a diary takes that much."
            )
        return stop + 1 if closed else None

    def member_opens(self, data: bytes, pos: int, offset: int) -> None:
        """Note the key and start of a root object's member whose value opens at pos."""
        if self.sections is None:
            return
        key = _KEY_BEFORE.search(data, max(0, pos - KEY_WINDOW), pos)
        if key is None:
            self.sections = None
            return
        self.member = (key[1].decode(), offset + pos)

    def run(self, data: bytes, pos: int, offset: int) -> int | None:
        """Return where a run of lists and objects of plain tokens starting at pos ends,
        when one is taken whole within every limit; else None, and Python walks it."""
        if len(self.stack) + NESTED > DEPTH_MAX:
            return None
        end = len(data)
        if self.entry_max is not None:
            # It must end within the open entry's limit, or be no larger than one entry.
            start = pos if self.entry_at is None else self.entry_at - offset
            end = min(end, start + self.entry_max + 1)
        found = _RUN.match(data, pos, end)
        return found.end() if found else None

    def open(self, byte: int, at: int) -> None:
        """Enter a list or object; refuse one nested too deep."""
        self.stack.append(byte)
        depth = len(self.stack)
        if depth > DEPTH_MAX:
            raise JsonShapeError(
                f"The file nests lists and objects more than {DEPTH_MAX} deep (byte {at:,});"
                " no diary export does."
            )
        if self.entry_max is not None and self.entry_at is None and self.read_whole():
            self.entry_at, self.entry_depth = at, depth
        self.check_entry(at)

    def close(self, at: int) -> None:
        """Leave a list or object, and the entry when it is the entry's own."""
        self.check_entry(at)
        if self.stack:  # else the JSON is broken, which the parser says
            self.stack.pop()
        if self.member is not None and self.stack == b"{":
            key, start = self.member
            if self.sections is not None:
                self.sections.setdefault(key, []).append((start, at + 1))
            self.member = None
        if len(self.stack) < self.entry_depth:
            self.entry_at, self.entry_depth = None, 0

    def read_whole(self) -> bool:
        """Tell whether the list or object just opened is an entry a reader builds whole.

        The readers take the root's items, or the items of the lists right under a
        root object, one at a time; every other list or object is built whole.
        """
        depth = len(self.stack)
        if depth == 2:
            return self.stack[0] == OPENERS[0] or self.stack[1] == OPENERS[1]
        return depth > 2

    def check_entry(self, at: int) -> None:
        """Refuse the entry still open once it is longer than entry_max at byte `at`."""
        if self.entry_at is not None and at - self.entry_at > self.entry_max:
            raise JsonShapeError(
                f"One entry of the file takes more than {self.entry_max:,} bytes (from byte"
                f" {self.entry_at:,}); no diary export writes entries that large."
            )


def check_json_shape(file: BinaryIO, entry_max: int | None = None) -> Sections | None:
    """Raise JsonShapeError, saying why, when a JSON text is shaped as no diary file is;
    return where the lists and objects of a root object's members lie (bytes from where the
    file was read from), or None.

    entry_max bounds the bytes of each entry a reader builds whole (see _Walk.read_whole).
    """
    walk, carry, offset = _Walk(entry_max), b"", 0
    while True:
        chunk = file.read(CHUNK)
        data = carry + chunk
        kept = walk.walk(data, offset, end=not chunk)
        if not chunk:
            return walk.sections
        carry, offset = data[kept:], offset + kept
