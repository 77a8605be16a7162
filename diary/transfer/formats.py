"""The diary's CSV files, in import order: what others refer to comes first."""

from collections.abc import Sequence

from diary.transfer.attacks_csv import AttacksCsv
from diary.transfer.base import CsvFormat
from diary.transfer.days_csv import DaysCsv
from diary.transfer.medications_csv import MedicationsCsv
from diary.transfer.preventives_csv import PreventiveDosesCsv, PreventivesCsv
from diary.transfer.questionnaires_csv import QuestionnairesCsv
from diary.transfer.readings_csv import ReadingsCsv
from diary.transfer.side_effects_csv import SideEffectsCsv
from diary.transfer.treatments_csv import TreatmentsCsv

FORMATS: tuple[CsvFormat, ...] = (
    TreatmentsCsv(),
    AttacksCsv(),
    ReadingsCsv(),
    SideEffectsCsv(),
    MedicationsCsv(),
    # After treatments: a PGIC answer names the treatment it is about by its start date.
    QuestionnairesCsv(),
    DaysCsv(),
    PreventivesCsv(),
    # After preventives: a marked dose names its regimen by its start date and name.
    PreventiveDosesCsv(),
)


def format_for(filename: str, header: Sequence[str]) -> CsvFormat | None:
    """Recognise a file by its name, or else by its header (browsers rename downloads)."""
    for fmt in FORMATS:
        if filename.rsplit("/", 1)[-1] == fmt.filename:
            return fmt
    for fmt in FORMATS:
        if set(header) == set(fmt.header):
            return fmt
    return None


# Every column name of the diary's files: the header row tells which separator a file uses.
COLUMN_NAMES = frozenset(name for fmt in FORMATS for name in fmt.header)
