"""Read an export's bytes as text, CSV records or JSON, with a clear message when they are not."""

import csv
import io
import json
from collections.abc import Iterator
from typing import Any


class Unreadable(ValueError):
    """The file cannot be read at all; nothing was imported."""


ARCHIVES = (b"PK\x03\x04", b"\x1f\x8b")  # zip, gzip


def text_of(data: bytes) -> str:
    if data.startswith(ARCHIVES):
        # Never unpacked: a small archive can hold gigabytes (a zip bomb).
        raise Unreadable(
            "This is a compressed archive. Unpack it on your computer and upload the export"
            " file that is inside (.csv or .json)."
        )
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise Unreadable(f"The file is not UTF-8 text (byte {exc.start}).") from None


def csv_records(text: str) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    """Return a CSV text's header and its records by header name, each with its first line."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [name.strip() for name in next(reader, [])]
    except csv.Error as exc:
        raise Unreadable(f"Not valid CSV: {exc}.") from None

    def records() -> Iterator[tuple[int, dict[str, str]]]:
        line = reader.line_num + 1
        try:
            for cells in reader:
                if any(cell.strip() for cell in cells):
                    yield line, dict(zip(header, cells, strict=False))
                line = reader.line_num + 1
        except csv.Error as exc:
            raise Unreadable(f"Not valid CSV at line {reader.line_num}: {exc}.") from None

    return header, records()


def json_of(text: str) -> Any:
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise Unreadable(f"The file is not JSON: {exc}.") from None


def items(value: Any) -> list[str]:
    """Return a list cell or JSON list as its non-empty items, as text."""
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return []
