"""questionnaires.csv: answered_on,instrument,treatment_started_on,score,items."""

from diary.clock import parse_day
from diary.models.questionnaire import INSTRUMENTS, MIDAS, PGIC
from diary.services import questionnaires
from diary.transfer.base import CsvFormat, collect

ITEMS_SEPARATOR = ";"


def _whole(text: str, column: str) -> int:
    if not text.isascii() or not text.isdigit():
        raise ValueError(f"{column} '{text}' is not a whole number.")
    return int(text)


class QuestionnairesCsv(CsvFormat):
    filename = "questionnaires.csv"
    header = ("answered_on", "instrument", "treatment_started_on", "score", "items")
    optional = frozenset({"treatment_started_on", "score", "items"})

    def parse(self, user, row, now):
        instrument = row["instrument"]
        answered_on, _ = collect(
            lambda: parse_day(row["answered_on"], "answered_on"),
            lambda: self._check_instrument(instrument),
        )
        started, score, items = (
            row.get("treatment_started_on", ""),
            row.get("score", ""),
            row.get("items", ""),
        )
        if instrument == PGIC:
            if items:
                raise ValueError("A PGIC row leaves items empty.")
            started_on, value = collect(
                lambda: parse_day(started, "treatment_started_on"),
                lambda: _whole(score, "score"),
            )
            return answered_on, PGIC, started_on, value, None
        if started or score:
            raise ValueError("A MIDAS row leaves treatment_started_on and score empty.")
        counts = tuple(_whole(part, "items") for part in items.split(ITEMS_SEPARATOR))
        return answered_on, MIDAS, None, None, counts

    @staticmethod
    def _check_instrument(instrument: str) -> None:
        if instrument not in INSTRUMENTS:
            raise ValueError(
                f"instrument must be one of {', '.join(INSTRUMENTS)}, not '{instrument}'."
            )

    def existing(self, user):
        for answer, started_on in questionnaires.answers_with_start(user):
            items = tuple(answer.items) if answer.items else None
            yield answer.answered_on, answer.instrument, started_on, answer.score, items

    def export_rows(self, user):
        return (self.cells(record) for record in self.existing(user))

    def store_many(self, user, records):
        treatments = questionnaires.treatments_by_start(user)
        for answered_on, instrument, started_on, score, items in records:
            if instrument == MIDAS:
                questionnaires.add_midas(user, answered_on, list(items))
                continue
            treatment = treatments.get(started_on)
            if treatment is None:
                raise questionnaires.QuestionnaireError(
                    "treatment_started_on", f"There is no treatment that started on {started_on}."
                )
            questionnaires.add_pgic(user, treatment, answered_on, score)

    def cells(self, record):
        answered_on, instrument, started_on, score, items = record
        return (
            answered_on.isoformat(),
            instrument,
            started_on.isoformat() if started_on else "",
            "" if score is None else str(score),
            ITEMS_SEPARATOR.join(str(n) for n in items) if items else "",
        )
