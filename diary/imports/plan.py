"""Turn another diary's attacks and medicines into readings and medications, and preview them.

Every row is checked by the same service as any other entry (checked_reading,
checked_dose); the import writes nothing until the patient confirms the preview,
and then writes exactly what was previewed. Each row's idempotency key is derived
from the source entry's own id, so importing the same export, or a later one from
the same app, adds only entries the diary does not hold yet.
"""

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from diary import reference
from diary.clock import long_moment, start_of
from diary.extensions import db
from diary.imports.source import Attack, Source
from diary.models import MedicationDose, Reading, User
from diary.rules import EntryError
from diary.services.bulk import bulk_rows, insert_bulk
from diary.services.medications import checked_dose
from diary.services.readings import checked_reading

PREVIEW_ENTRIES = 10
# Placeholders some apps write where no medicine was taken.
NO_MEDICINE = frozenset({"", "no medication", "none", "null"})


def source_key(format_code: str, *parts: str) -> str:
    """Return the idempotency key of one diary row made from one source entry."""
    return hashlib.sha256("\n".join((format_code, *parts)).encode()).hexdigest()[:64]


def whole_score(value: Any) -> Any:
    """Round a fractional score half up (6.5 -> 7); anything else is left for the service."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return value
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return value
    if not number.is_finite():
        return value
    return int(number.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def elapsed(start: datetime, end: datetime, zone: ZoneInfo) -> timedelta:
    """Return the real time between two local times, counting a repeated hour (fold) once more."""
    return end.replace(tzinfo=zone).astimezone(UTC) - start.replace(tzinfo=zone).astimezone(UTC)


def lasted(duration: timedelta) -> str:
    """Say how long an attack lasted, as its first reading's note begins."""
    days, minutes = divmod(int(duration.total_seconds() // 60), 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{n} {unit}" for n, unit in ((days, "d"), (hours, "h"), (minutes, "min")) if n]
    return f"Lasted {' '.join(parts) or 'under a minute'}."


@dataclass(frozen=True)
class PreviewEntry:
    at: datetime
    text: str


@dataclass
class Plan:
    """What an import will add, checked, and what the patient sees before confirming."""

    format: str
    readings: list[dict] = field(default_factory=list)
    doses: list[dict] = field(default_factory=list)
    already_present: int = 0
    classes: Counter = field(default_factory=Counter)
    unknown_medicines: Counter = field(default_factory=Counter)
    left_out: Counter = field(default_factory=Counter)
    clock_changes: list[str] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)
    entries: list[PreviewEntry] = field(default_factory=list)
    # The days of the first and last entry to add (None when there is nothing to add).
    first_day: date | None = None
    last_day: date | None = None


def _continued_days(attack: Attack) -> list[date]:
    """Return the later local days an attack covers (an end at 00:00 does not cover its day)."""
    if attack.end is None or attack.end <= attack.start:
        return []
    days, day = [], attack.start.date() + timedelta(days=1)
    while start_of(day) < attack.end:
        days.append(day)
        day += timedelta(days=1)
    return days


def _attack_rows(user: User, fmt: str, attack: Attack) -> list[dict]:
    pain = whole_score(attack.intensity)
    duration = elapsed(attack.start, attack.end, ZoneInfo(user.timezone)) if attack.end else None
    note = " ".join(
        ([lasted(duration)] if duration and duration.total_seconds() >= 60 else [])
        + [d for d in attack.details if d]
    )
    rows = [
        checked_reading(
            user,
            recorded_at=attack.start,
            pain=pain,
            note=note,
            client_key=source_key(fmt, attack.key),
        )
    ]
    for day in _continued_days(attack):
        rows.append(
            checked_reading(
                user,
                recorded_at=start_of(day),
                pain=pain,
                note=f"Continues the attack that began {long_moment(attack.start)}.",
                client_key=source_key(fmt, attack.key, day.isoformat()),
            )
        )
    return rows


def _new_only(rows: list[dict], model, user: User, time_key: str) -> tuple[list[dict], int]:
    """Leave out rows whose key the user's diary already holds (an earlier import)."""
    keys = [row["client_key"] for row in rows]
    held: set[str] = set()
    for n in range(0, len(keys), 500):
        held.update(
            db.session.scalars(
                select(model.client_key).where(
                    model.user_id == user.id, model.client_key.in_(keys[n : n + 500])
                )
            )
        )
    new = sorted((r for r in rows if r["client_key"] not in held), key=lambda r: r[time_key])
    return new, len(rows) - len(new)


def plan_import(user: User, source: Source) -> Plan:
    """Check every entry through the services and return what an import would add."""
    plan = Plan(
        format=source.format,
        left_out=source.left_out,
        clock_changes=source.clock_changes,
        problems=list(source.problems),
    )
    readings: list[dict] = []
    for attack in source.attacks:
        try:
            readings += _attack_rows(user, source.format, attack)
        except EntryError as exc:
            plan.problems.append((attack.where, str(exc)))
    for reading in source.intensities:
        try:
            readings.append(
                checked_reading(
                    user,
                    recorded_at=reading.at,
                    pain=whole_score(reading.intensity),
                    note="Recorded during an episode.",
                    client_key=source_key(source.format, reading.key),
                )
            )
        except EntryError as exc:
            plan.problems.append((reading.where, str(exc)))
    doses: list[dict] = []
    for taken in source.doses:
        if taken.name.strip().lower() in NO_MEDICINE:
            continue
        med_class = reference.medicine_class(taken.name)
        if med_class is None:
            plan.unknown_medicines[taken.name.strip()] += 1
        try:
            doses.append(
                checked_dose(
                    user,
                    taken_at=taken.at,
                    name=taken.name,
                    dose=taken.dose,
                    med_class=med_class or "other",
                    note=taken.note,
                    client_key=source_key(source.format, taken.key),
                )
            )
        except EntryError as exc:
            plan.problems.append((taken.where, str(exc)))
    plan.readings, held_readings = _new_only(readings, Reading, user, "recorded_at")
    plan.doses, held_doses = _new_only(doses, MedicationDose, user, "taken_at")
    plan.already_present = held_readings + held_doses
    plan.classes = Counter(d["med_class"] for d in plan.doses)
    shown = [PreviewEntry(r["recorded_at"], _reading_text(r)) for r in plan.readings]
    shown += [PreviewEntry(d["taken_at"], _dose_text(d)) for d in plan.doses]
    shown.sort(key=lambda e: e.at)
    plan.entries = shown[:PREVIEW_ENTRIES]
    if shown:
        plan.first_day, plan.last_day = shown[0].at.date(), shown[-1].at.date()
    return plan


def _reading_text(row: dict) -> str:
    return f"Pain {row['pain']}" + (f": {row['note']}" if row["note"] else "")


def _dose_text(row: dict) -> str:
    classes = reference.medication_classes()
    dose = f" {row['dose']}" if row["dose"] else ""
    return f"{row['name']}{dose} ({classes[row['med_class']].label.lower()})"


def apply_plan(plan: Plan) -> dict[str, int]:
    """Add a planned import's rows in bulk (flush, no commit); return how many of each."""
    if plan.problems:
        raise ValueError("an import with problems writes nothing")
    insert_bulk(bulk_rows(Reading, plan.readings))
    insert_bulk(bulk_rows(MedicationDose, plan.doses))
    return {"readings": len(plan.readings), "medications": len(plan.doses)}
