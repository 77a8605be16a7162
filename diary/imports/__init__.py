"""Import another headache diary's export: detected by content, previewed, then confirmed.

Each format module reads its export from disk as a stream of entries (attacks,
intensity readings, medicines taken) and notes on its Source what it leaves out;
plan.plan_import() checks each entry into attacks, readings and medications, sums up a
preview and spools the rows to a file; plan.apply_rows() inserts exactly those.
plan.import_now() (`diary import`) inserts the rows as they are checked (inserting.py).
A large file is read, and partly checked, in a second process (aside.py).
"""

from pathlib import Path
from types import ModuleType

from diary.imports import pending
from diary.imports.formats import (
    cluster_headache_tracker,
    headache_companion,
    headi,
    migraine_buddy,
    migralog,
)
from diary.imports.readers import Export, Unreadable
from diary.imports.source import Source

FORMATS: dict[str, ModuleType] = {
    f.CODE: f
    for f in (migraine_buddy, cluster_headache_tracker, headi, migralog, headache_companion)
}
FORMAT_CHOICES = ("auto", *FORMATS)

__all__ = ["FORMATS", "FORMAT_CHOICES", "Source", "Unreadable", "pending", "read_export"]


def known_formats() -> str:
    return ", ".join(f.LABEL for f in FORMATS.values())


def read_export(path: Path, zone: str, format_code: str = "auto") -> Source:
    """Recognise an export of another diary and start reading it, entry by entry.

    Raise Unreadable, naming the formats the diary knows, when it is none of them.
    """
    export = Export(path)
    candidates = FORMATS.values() if format_code == "auto" else [FORMATS[format_code]]
    for fmt in candidates:
        if fmt.detect(export):
            source = Source(fmt.CODE, zone, size=path.stat().st_size, export=export)
            source.entries = fmt.read(export, source)
            return source
    if export.json_root:
        # Recognising reads the first entries only: a broken file says that it is broken.
        export.check_json()
    if format_code != "auto":
        raise Unreadable(f"This is not a {FORMATS[format_code].LABEL} file.")
    raise Unreadable(
        "This file is not an export the diary knows. It reads "
        f"{known_formats()}, and its own CSV files."
    )
