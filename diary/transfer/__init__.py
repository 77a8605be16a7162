"""CSV import and export: one mechanism that each diary file plugs into."""

from diary.transfer.engine import ImportRejected, ImportSummary, export_files, import_files
from diary.transfer.formats import FORMATS

__all__ = ["FORMATS", "ImportRejected", "ImportSummary", "export_files", "import_files"]
