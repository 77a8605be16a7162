"""JSON text of many entries of one shape, exactly as json.dumps writes each, at a third of its
cost: a ten-year export writes twelve thousand entries of a few shapes."""

import json
import re
from collections.abc import Callable
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from operator import itemgetter
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
    """The entries that each of builds makes of the same values, as JSON text: each build runs
    once per shape, with holes in place of the values, and each entry fills in its own.

    An empty value ("", None, 0, False) is written into the shape itself (a build may
    leave out what is empty), so entries with and without a note have a shape each. A
    build places each value as it is, or a text value into a longer text
    (f"urn:uuid:{value}"). Each text starts with before (a list's separator).
    """

    def __init__(self, *builds: Callable[..., Any], before: str = ""):
        self._builds, self._before = builds, before
        self._shapes: dict[tuple, tuple[list[int], list[tuple[list, Callable]]]] = {}

    def __call__(self, *values: Any) -> tuple[str, ...]:
        """Return the entry of these values that each build makes, as JSON text."""
        # An empty value by what it writes: repr() tells 0 from False and 0.0 from -0.0.
        key = tuple([True if value else repr(value) for value in values])
        shape = self._shapes.get(key)
        if shape is None:
            shape = self._shapes[key] = self._shape(values)
        parts, texts = shape
        written = [json_value(value) if value else "" for value in values]
        # A value written into a longer text, without its quotes.
        written += [written[n][1:-1] for n in parts]
        made = []
        for pieces, holes in texts:
            text = pieces[:]
            text[1::2] = holes(written)
            made.append("".join(text))
        return tuple(made)

    def _shape(self, values: tuple) -> tuple[list[int], list[tuple[list, Callable]]]:
        """Return the values written into longer texts, and each build's text around its holes
        with what picks the holes' text from the values written (then those parts)."""
        holes = [_HOLE.format(n) if value else value for n, value in enumerate(values)]
        parts: list[int] = []
        texts = []
        for build in self._builds:
            split = _HOLES.split(self._before + json.dumps(build(*holes), ensure_ascii=False))
            pieces: list = [None] * (len(split) // 3 * 2 + 1)
            pieces[0::2] = split[0::3]
            order = []
            for whole, part in zip(split[1::3], split[2::3], strict=True):
                if whole:
                    order.append(int(whole))
                    continue
                if int(part) not in parts:
                    parts.append(int(part))
                order.append(len(values) + parts.index(int(part)))
            texts.append((pieces, _picker(order)))
        return parts, texts


def _picker(order: list[int]) -> Callable[[list], Any]:
    """Return what picks the items at order from a list, as a sequence."""
    if len(order) > 1:
        return itemgetter(*order)
    return lambda items: [items[n] for n in order]
