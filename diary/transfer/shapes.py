"""JSON text of many entries of one shape, exactly as json.dumps writes each, at a third of its
cost: a ten-year export writes twelve thousand entries of a few shapes."""

import json
import re
from collections.abc import Callable
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from typing import Any

# A value left to fill in a shape: no text the diary writes has it.
_HOLE = "<hole:{}>"
# A hole that is a whole value, or part of a text ("urn:uuid:<hole:0>").
_HOLES = re.compile(r'"<hole:(\d+)>"|<hole:(\d+)>')


def json_value(value: Any) -> str:
    """Return a value as json.dumps(value, ensure_ascii=False) writes it."""
    if isinstance(value, str):
        return encode_basestring(value)
    if type(value) is int:
        return str(value)
    return json.dumps(value, ensure_ascii=False)


class Shapes:
    """Entries that build(*values) makes, as JSON text: build runs once per shape, with holes
    in place of the values, and each entry fills in its own.

    An empty value ("", None, 0, False) is written into the shape itself (build may
    leave out what is empty), so entries with and without a note have a shape each. build
    places each value as it is, or a text value into a longer text (f"urn:uuid:{value}").
    """

    def __init__(self, build: Callable[..., Any]):
        self._build = build
        self._shapes: dict[tuple, tuple[list, list[tuple[int, bool]]]] = {}

    def __call__(self, *values: Any) -> str:
        """Return the entry of these values as JSON text."""
        # An empty value by what it writes: repr() tells 0 from False and 0.0 from -0.0.
        key = tuple([True if value else repr(value) for value in values])
        shape = self._shapes.get(key)
        if shape is None:
            shape = self._shapes[key] = self._shape(values)
        pieces, holes = shape
        written = [json_value(value) if value else "" for value in values]
        text = pieces[:]
        text[1::2] = [written[n] if whole else written[n][1:-1] for n, whole in holes]
        return "".join(text)

    def _shape(self, values: tuple) -> tuple[list, list[tuple[int, bool]]]:
        """Return the text around the holes of these values' shape, and the holes in order."""
        made = json.dumps(
            self._build(*(_HOLE.format(n) if value else value for n, value in enumerate(values))),
            ensure_ascii=False,
        )
        split = _HOLES.split(made)
        pieces: list = [None] * (len(split) // 3 * 2 + 1)
        pieces[0::2] = split[0::3]
        holes = [
            (int(whole), True) if whole else (int(part), False)
            for whole, part in zip(split[1::3], split[2::3], strict=True)
        ]
        return pieces, holes
