"""CSV import and export: one mechanism that each diary file plugs into."""

from diary.transfer.engine import (
    PROBLEMS_SHOWN,
    ImportRejected,
    ImportSummary,
    every_export,
    export_chunks,
    export_names,
    import_files,
)
from diary.transfer.formats import FORMATS

__all__ = [
    "FORMATS",
    "PROBLEMS_SHOWN",
    "ImportRejected",
    "ImportSummary",
    "every_export",
    "export_chunks",
    "export_names",
    "import_files",
]
