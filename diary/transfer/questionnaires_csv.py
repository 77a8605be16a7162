"""questionnaires.csv: answered_on,instrument,treatment_started_on,score,items,language."""

from diary import rules
from diary.clock import local_today
from diary.models.questionnaire import INSTRUMENTS, MIDAS, PGIC
from diary.rules import EntryError
from diary.services import questionnaires
from diary.transfer.base import CsvFormat

ITEMS_SEPARATOR = ";"


class QuestionnairesCsv(CsvFormat):
    filename = "questionnaires.csv"
    # language came later: last, and optional, so files written before it still import.
    header = ("answered_on", "instrument", "treatment_started_on", "score", "items", "language")
    optional = frozenset({"treatment_started_on", "score", "items", "language"})
    numbers = frozenset({"score"})

    def parse(self, user, row):
        """Check a row through the questionnaire service; the treatment is named by its start."""
        instrument = row["instrument"]
        started, score, items, language = (row.get(name, "") for name in self.header[2:])
        common = {"answered_on": row["answered_on"], "language": language}
        if instrument == PGIC and not items:
            values = questionnaires.checked_pgic(user, None, score=score, **common)
            try:
                started_on = rules.day(
                    started, "treatment_started_on", local_today(user.timezone), planned=True
                )
            except ValueError as exc:
                raise EntryError({"treatment_started_on": str(exc)}) from None
            return values | {"treatment_started_on": started_on, "items": None}
        if instrument == MIDAS and not started and not score:
            values = questionnaires.checked_midas(
                user, items=items.split(ITEMS_SEPARATOR), **common
            )
            return values | {"treatment_started_on": None, "score": None}
        raise EntryError(
            {
                "instrument": f"instrument must be one of {', '.join(INSTRUMENTS)}; a pgic row"
                " leaves items empty and a midas row leaves treatment_started_on and score empty."
            }
        )

    def record(self, values):
        items = tuple(values["items"]) if values["items"] else None
        started, score = values["treatment_started_on"], values["score"]
        return (
            values["answered_on"],
            values["instrument"],
            started,
            score,
            items,
            values["language"],
        )

    def existing(self, user):
        for answer, started_on in questionnaires.answers_with_start(user):
            items = tuple(answer.items) if answer.items else None
            yield (
                answer.answered_on,
                answer.instrument,
                started_on,
                answer.score,
                items,
                answer.language,
            )

    def export_rows(self, user):
        return (self.cells(record) for record in self.existing(user))

    def store_many(self, user, rows):
        treatments = questionnaires.treatments_by_start(user)
        for values in rows:
            common = {"answered_on": values["answered_on"], "language": values["language"]}
            if values["instrument"] == MIDAS:
                questionnaires.add_midas(user, items=values["items"], **common)
                continue
            treatment = treatments.get(values["treatment_started_on"])
            if treatment is None:
                raise EntryError(
                    {
                        "treatment_started_on": "There is no treatment that started on"
                        f" {values['treatment_started_on']}."
                    }
                )
            questionnaires.add_pgic(user, treatment, score=values["score"], **common)

    def cells(self, record):
        answered_on, instrument, started_on, score, items, language = record
        return (
            answered_on.isoformat(),
            instrument,
            started_on.isoformat() if started_on else "",
            "" if score is None else str(score),
            ITEMS_SEPARATOR.join(str(n) for n in items) if items else "",
            language or "",
        )
