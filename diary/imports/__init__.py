"""Import another headache diary's export: detected by content, previewed, then confirmed.

Each format module reads its export into a Source (attacks, intensity readings,
medicines taken, what is left out); plan.plan_import() turns that into checked
readings and medications and a preview; plan.apply_plan() writes exactly that.
"""

from types import ModuleType

from diary.imports import pending
from diary.imports.formats import (
    cluster_headache_tracker,
    headache_companion,
    headi,
    migraine_buddy,
    migralog,
)
from diary.imports.readers import Unreadable, json_of, text_of
from diary.imports.source import Source

# JSON formats read a document; CSV formats read text.
JSON_FORMATS = (migralog, headache_companion)
TEXT_FORMATS = (migraine_buddy, cluster_headache_tracker, headi)
FORMATS: dict[str, ModuleType] = {f.CODE: f for f in (*TEXT_FORMATS, *JSON_FORMATS)}
FORMAT_CHOICES = ("auto", *FORMATS)

__all__ = ["FORMATS", "FORMAT_CHOICES", "Source", "Unreadable", "pending", "read_export"]


def known_formats() -> str:
    return ", ".join(f.LABEL for f in FORMATS.values())


def read_export(data: bytes, zone: str, format_code: str = "auto") -> Source:
    """Read an export of another diary; raise Unreadable, naming the formats, when it is none."""
    text = text_of(data)
    looks_json = text.lstrip()[:1] in "[{"
    document = json_of(text) if looks_json else None
    candidates = FORMATS.values() if format_code == "auto" else [FORMATS[format_code]]
    for fmt in candidates:
        if fmt in JSON_FORMATS and looks_json and fmt.detect(document):
            return fmt.read(document, zone)
        if fmt in TEXT_FORMATS and not looks_json and fmt.detect(text):
            return fmt.read(text, zone)
    if format_code != "auto":
        raise Unreadable(f"This is not a {FORMATS[format_code].LABEL} file.")
    raise Unreadable(
        "This file is not an export the diary knows. It reads "
        f"{known_formats()}, and its own CSV files."
    )
