"""The diary's CSV files, in import order."""

from collections.abc import Sequence

from diary.transfer.base import CsvFormat
from diary.transfer.readings_csv import ReadingsCsv

FORMATS: tuple[CsvFormat, ...] = (ReadingsCsv(),)


def format_for(filename: str, header: Sequence[str]) -> CsvFormat | None:
    """Recognise a file by its name, or else by its header (browsers rename downloads)."""
    for fmt in FORMATS:
        if filename.rsplit("/", 1)[-1] == fmt.filename:
            return fmt
    for fmt in FORMATS:
        if set(header) == set(fmt.header):
            return fmt
    return None
