"""What a diary CSV file must provide to plug into import and export."""

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, ClassVar

from sqlalchemy import select

from diary.extensions import db
from diary.models import User


class CsvFormat(ABC):
    """One diary CSV file: its name, its header, and how its rows map to the database.

    parse() hands a row's cells to the entity's service, which checks them and
    returns column values. A record is the tuple of those values in header order;
    two equal records describe the same diary entry, which is how import
    recognises rows it already holds.
    """

    filename: ClassVar[str]
    header: ClassVar[tuple[str, ...]]
    optional: ClassVar[frozenset[str]] = frozenset()
    # Columns holding numbers: a spreadsheet in German, French or Spanish writes "6,5" there.
    numbers: ClassVar[frozenset[str]] = frozenset()
    # The model's columns in header order; rows are exported ordered by the attribute sort_by.
    columns: ClassVar[tuple]
    sort_by: ClassVar[str]

    def header_problem(self, header: Sequence[str]) -> str | None:
        """Say what is wrong with a file's header, or None when it is usable."""
        unknown = [name for name in header if name not in self.header]
        missing = [n for n in self.header if n not in header and n not in self.optional]
        if unknown or missing or len(set(header)) != len(header):
            return (
                f"The header must be {','.join(self.header)}"
                + (f"; unknown: {', '.join(unknown)}" if unknown else "")
                + (f"; missing: {', '.join(missing)}" if missing else "")
                + "."
            )
        return None

    @abstractmethod
    def parse(self, user: User, row: dict[str, str]) -> dict[str, Any]:
        """Return a row's checked values, or raise ValueError (EntryError) saying what is wrong."""

    def record(self, values: dict[str, Any]) -> tuple:
        """Return the record of a row's values: its columns in header order."""
        return tuple(values[column.key] for column in self.columns)

    def prepare_rows(self, rows: list[dict[str, Any]]) -> Any:
        """Turn new rows into what store_many takes, before the write lock is taken.

        Formats with a bulk service turn their checked rows into driver parameters here.
        """
        return rows

    @abstractmethod
    def store_many(self, user: User, rows: Any) -> None:
        """Add prepare_rows()' rows to the user's diary through their service (flush, no commit)."""

    @abstractmethod
    def cells(self, record: tuple) -> Sequence[str]:
        """Return a record as text cells in header order."""

    def _select(self, user: User):
        model = self.columns[0].class_
        return select(*self.columns).where(model.user_id == user.id)

    def existing(self, user: User) -> Iterable[tuple]:
        """Return the records the user's diary holds now."""
        return (tuple(row) for row in db.session.execute(self._select(user)))

    def export_rows(self, user: User) -> Iterator[Sequence[str]]:
        """Yield the user's rows as text cells, in a stable order.

        A generator: the query runs when the download starts being sent, inside the
        streamed response, so its server-side cursor lives as long as the stream.
        """
        model = self.columns[0].class_
        ordered = self._select(user).order_by(getattr(model, self.sort_by), model.id)
        # A thousand rows at a time: a million readings never sit in memory at once.
        for row in db.session.execute(ordered.execution_options(yield_per=1000)):
            yield self.cells(row)
