"""The shape check takes runs of small entries whole, and still refuses what it refused."""

import io

import pytest

from diary import json_shape
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


def sections(data: bytes) -> dict[str, list[bytes]] | None:
    """Return the values of a root object's members, by key, as the shape check finds them."""
    found = check_json_shape(io.BytesIO(data), 100)
    if found is None:
        return None
    return {key: [data[start:end] for start, end in spans] for key, spans in found.items()}


EXPORT = b'{"metadata": {"v": 1}, "n": 3, "episodes" :[' + SMALL * 50 + b'1],\n"episodes": []}'


MEMBERS = {"metadata": [b'{"v": 1}'], "episodes": [b"[" + SMALL * 50 + b"1]", b"[]"]}


def test_the_lists_and_objects_of_a_root_objects_members_are_found_where_they_lie():
    assert sections(EXPORT) == MEMBERS


@pytest.mark.parametrize(
    "data", [b'[{"a": [1]}]', b'{"a\\"b": [1]}', b'"text"', b'{"a": [1]} {"b": [2]}']
)
def test_no_sections_where_the_root_is_no_one_object_or_a_key_has_escapes(data):
    assert sections(data) is None


@pytest.mark.parametrize("piece", range(4, 40))
def test_a_key_cut_by_a_piece_of_the_file_gives_no_sections_never_wrong_ones(monkeypatch, piece):
    monkeypatch.setattr(json_shape, "CHUNK", piece)
    assert sections(EXPORT) in (None, MEMBERS)
