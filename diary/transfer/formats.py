"""The diary's CSV files, in import order: treatments come first, then attacks."""

from collections.abc import Sequence

from diary.transfer.attacks_csv import AttacksCsv
from diary.transfer.base import CsvFormat
from diary.transfer.days_csv import DaysCsv
from diary.transfer.medications_csv import MedicationsCsv
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
