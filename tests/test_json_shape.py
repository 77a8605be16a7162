"""The shape check takes runs of small entries whole, and still refuses what it refused."""

import io

import pytest

from diary.json_shape import JsonShapeError, check_json_shape

SMALL = b'{"n":1,"w":["a","b"]},'  # an entry nesting two deep, as most exports write them


def check(data: bytes, entry_max: int) -> None:
    check_json_shape(io.BytesIO(data), entry_max)


def test_many_small_entries_pass_though_together_they_outgrow_one_entry():
    check(b'{"episodes":[' + SMALL * 1_000 + b'{"n":2}],"doses":[' + SMALL * 10 + b"1]}", 100)


def test_an_entry_too_large_among_small_ones_is_refused_where_it_starts():
    large = b'{"t":"' + b"x" * 200 + b'"}'
    data = b"[" + SMALL * 3 + large + b"," + SMALL * 3 + b"1]"
    where = 1 + 3 * len(SMALL)
    with pytest.raises(JsonShapeError, match=rf"more than 100 bytes \(from byte {where}\)"):
        check(data, 100)


def test_a_long_number_where_a_run_must_stop_is_refused_whole():
    # The run of entries may reach 100 bytes past its start: that falls after the 18th of
    # the number's 27 digits. Taken in two pieces, each would be short enough.
    entries = b'{"n":1},' * 10
    data = b"[" + entries + b"9" * 27 + b"]"
    where = 1 + len(entries)
    with pytest.raises(JsonShapeError, match=rf"longer than 18 digits .*\(byte {where}\)"):
        check(data, len(entries) + 17)
