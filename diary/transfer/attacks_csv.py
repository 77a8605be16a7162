"""attacks.csv: started_at,ended_at,peak_pain,side, the yes/no features, aura, triggers, note."""

from diary.clock import format_timestamp
from diary.models.attack import YES_NO
from diary.services.attacks import EDITABLE, add_checked, checked_attack, in_time_order
from diary.transfer.base import CsvFormat
from diary.transfer.cells import minute_time, yes_no, yes_no_cell

# Aura codes and triggers are joined by ";" in one cell, as the service reads them.
JOINED = ";"


class AttacksCsv(CsvFormat):
    filename = "attacks.csv"
    # Every field an attack has but its location, in the service's order.
    header = tuple(name for name in EDITABLE if name != "location")
    optional = frozenset(header) - {"started_at"}
    numbers = frozenset({"peak_pain", "aura_minutes"})

    def parse(self, user, row):
        """Check a row through the attacks' service; a yes/no cell left empty is not answered."""
        return checked_attack(
            user,
            started_at=minute_time(row["started_at"], "started_at"),
            ended_at=minute_time(row.get("ended_at", ""), "ended_at"),
            peak_pain=row.get("peak_pain", ""),
            side=row.get("side", ""),
            aura=row.get("aura", ""),
            aura_minutes=row.get("aura_minutes", ""),
            triggers=row.get("triggers", ""),
            note=row.get("note", ""),
            **{name: yes_no(row.get(name, ""), name) for name in YES_NO},
        )

    def record(self, values):
        # The CSV has no folds: a row read back in a repeated hour is the same attack.
        return (
            values["started_at"],
            values["ended_at"],
            values["peak_pain"],
            values["side"],
            *(values[name] for name in YES_NO),
            values["aura"],
            values["aura_minutes"],
            tuple(values["triggers"]),
            values["note"],
        )

    def existing(self, user):
        for attack in in_time_order(user):
            values = {name: getattr(attack, name) for name in self.header if name != "triggers"}
            yield self.record(values | {"triggers": [t.name for t in attack.triggers]})

    def export_rows(self, user):
        return (self.cells(record) for record in self.existing(user))

    def store_many(self, user, rows):
        # An attack has its triggers beside it: one at a time through the service.
        add_checked(user, rows)

    def cells(self, record):
        started, ended, peak, side, *answers, aura, aura_minutes, triggers, note = record
        return (
            format_timestamp(started),
            format_timestamp(ended) if ended else "",
            "" if peak is None else str(peak),
            side or "",
            *(yes_no_cell(answer) for answer in answers),
            aura,
            "" if aura_minutes is None else str(aura_minutes),
            JOINED.join(triggers),
            note,
        )
