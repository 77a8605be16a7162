"""Insert an import's checked rows in parts that can all be taken back, and say what was added.

A confirmed preview inserts the rows it kept (plan.apply_rows); `diary import` inserts
them as they are checked (plan.import_now). Either way nothing is half-written: a
problem or a refused row deletes what earlier parts committed, and the patient's own
trigger names they added.
"""

from collections import Counter
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from datetime import date
from operator import itemgetter
from typing import Any

from sqlalchemy import exists, func, select

from diary.clock import local_today
from diary.extensions import db
from diary.models import Attack, AttackTrigger, MedicationDose, OwnTrigger, Reading, User
from diary.services import attacks, day_marks, days
from diary.services.bulk import PART_ROWS, Imported, PartedInsert, bulk_values, delete_rows
from diary.services.medications import delete_imported
from diary.sqlite import part_may_begin, read_phase

# Rows of a table that wait for their insert, while the rows of the others are checked.
WAITING_ROWS = 5_000
# Rows of a table that may wait while the next part cannot take the write lock yet.
WAITING_LIMIT = 4 * WAITING_ROWS


@dataclass(frozen=True)
class Added:
    format: str
    readings: int
    medications: int
    attacks: int = 0
    # Days without an attack marked headache-free.
    headache_free: int = 0


def table_values(rows: list[dict], leave_out: str = "") -> tuple[list[str], list[tuple]]:
    """Return checked rows (all with the same columns) as their columns and each row's
    values in that order, without the values of leave_out (a name that is no column)."""
    columns = [column for column in rows[0] if column != leave_out]
    return columns, list(map(itemgetter(*columns), rows))


class Inserted:
    """One user's imported rows, inserted through the bulk path a chunk at a time."""

    def __init__(self, user: User):
        self.user = user
        self.parts = PartedInsert(user.id)
        self.added: Counter = Counter()
        self.replaced: list[str] = []
        # Rows added and not inserted yet, by table and columns; and the triggers of the
        # attacks among them, by each attack's key.
        self.waiting: dict[tuple[Imported, tuple[str, ...]], list[tuple]] = {}
        self.waiting_triggers: list[tuple[str, list[str]]] = []
        # The patient's own trigger names the import adds have higher ids than these.
        self.own_triggers_before = db.session.scalar(
            select(func.coalesce(func.max(OwnTrigger.id), 0)).where(OwnTrigger.user_id == user.id)
        )

    def add(self, model: Imported, rows: list[dict], leave_out: str = "") -> None:
        """Keep checked rows of one table (see table_values) for insert_due().

        Each part's commit writes out every index page it changed, and where a file's
        entries have ids in no order, its keys go into their unique index all over it: rows
        inserted a table at a time change the pages of one such index instead of three (a
        third of the writing).
        """
        if rows:
            columns, values = table_values(rows, leave_out)
            self.waiting.setdefault((model, tuple(columns)), []).extend(values)

    def checking(self) -> AbstractContextManager:
        """Return the block the next rows are checked in: on SQLite a read phase, so that the
        write lock is not held while the diary checks (its rows wait meanwhile); elsewhere
        the import's one transaction."""
        return read_phase(db.session) if db.engine.dialect.name == "sqlite" else nullcontext()

    def insert_due(self) -> None:
        """Insert the tables of which WAITING_ROWS rows wait, and commit them as a part.

        Until the next part may take the write lock (diary/sqlite.py), the rows wait while
        the next chunk is checked instead of the import sleeping; past WAITING_LIMIT rows of
        a table they go in anyway.
        """
        if not part_may_begin() and all(len(v) < WAITING_LIMIT for v in self.waiting.values()):
            return
        due = {model for (model, _), values in self.waiting.items() if len(values) >= WAITING_ROWS}
        for model in due:
            self.insert_waiting(model)
        self.parts.commit()

    def insert_waiting(self, model: Imported) -> None:
        """Insert the rows of model that wait (an attack's with its triggers)."""
        for key in [key for key in self.waiting if key[0] is model]:
            self.insert(model, list(key[1]), self.waiting.pop(key))
        if model is Attack and self.waiting_triggers:
            attacks.add_imported_triggers(self.user, self.waiting_triggers)
            self.waiting_triggers = []

    def insert(self, model: Imported, columns: list[str], values: list[Any]) -> None:
        """Insert rows given as values in the order of columns, converted a part at a time."""
        for start in range(0, len(values), PART_ROWS):
            self.parts.insert(model, bulk_values(model, columns, values[start : start + PART_ROWS]))
        self.added[model] += len(values)

    def triggers(self, keyed: list[tuple[str, list[str]]]) -> None:
        """Add the triggers of attacks added, by each attack's key, with them."""
        if any(model is Attack for model, _ in self.waiting):
            self.waiting_triggers += keyed
        elif keyed:
            attacks.add_imported_triggers(self.user, keyed)

    def replace(self, keys: list[str]) -> None:
        """Remove these medicines of the diary when the import is done."""
        self.replaced += keys

    def take_back(self) -> None:
        """Roll back the part not committed, and delete what the parts committed: the rows,
        and the own trigger names added since that no attack has (another's write may have
        added one meanwhile, for its attack)."""
        db.session.rollback()
        self.parts.take_back()
        unused = ~exists().where(AttackTrigger.own_trigger_id == OwnTrigger.id)
        delete_rows(OwnTrigger, self.user.id, OwnTrigger.id > self.own_triggers_before, unused)
        db.session.commit()

    @contextmanager
    def taken_back_on_failure(self) -> Iterator[None]:
        """Take everything back when the block raises (a row the diary refuses, say)."""
        try:
            yield
        except BaseException:
            self.take_back()
            raise

    def finish(self, fmt: str, free_days: tuple[date, date] | None) -> Added:
        """Insert the rows still waiting, remove the medicines replaced and, given free_days
        (the file's span of attacks), mark the days of it that nothing says had a headache;
        say what was added."""
        for model in {model for model, _ in self.waiting}:
            self.insert_waiting(model)
        # Removed with the last part: an import stopped part-way keeps what it would replace.
        delete_imported(self.user, self.replaced)
        return Added(
            fmt,
            self.added[Reading],
            self.added[MedicationDose],
            self.added[Attack],
            _mark_free(self.user, free_days) if free_days else 0,
        )


def _mark_free(user: User, span: tuple[date, date]) -> int:
    """Mark headache-free the days of span that nothing logged says anything about pain.

    An attack log's export records attacks only: a day inside it without an attack (and
    without a pain reading, in the diary) was a day without one.
    """
    first, last = span[0], min(span[1], local_today(user.timezone))
    if first > last:
        return 0
    return day_marks.mark_headache_free(user, days.unknown_days(user, first, last))
