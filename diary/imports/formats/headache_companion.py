"""Headache Companion (iOS): `HC-DailyData-*.json` (days with attacks and medicines) and
`HC-MedHistory-*.json` (preventive courses).

Times are Unix seconds (Double) or null. An attack over midnight is split per day: the
first piece ends at 23:59:59 and each later day's piece starts at 00:00:00 with a new id.
Source: unobserved-io/headache-companion, SettingsView.swift and Extensions.swift.
"""

from datetime import datetime, time
from typing import Any

from diary.clock import long_moment
from diary.imports.readers import Export, items
from diary.imports.source import Attack, Entries, Source, Taken

CODE, LABEL = "headache_companion", "Headache Companion JSON"
DAY_SCORES = ("diet", "exercise", "relax", "sleep", "water")


def detect(export: Export) -> bool:
    if not export.is_json:
        return False
    first = next((item for _, item in export.json_items("item")), None)
    if not isinstance(first, dict):
        return False
    return {"date", "attacks"} <= set(first) or {"frequency", "startDate"} <= set(first)


def read(export: Export, source: Source) -> Entries:
    chain_start: datetime | None = None
    previous_end: datetime | None = None
    for n, day in export.json_items("item"):
        where = f"[{n}]"
        if isinstance(day, dict) and "frequency" in day:
            source.left_out["preventive medication history"] += 1
            continue
        if not isinstance(day, dict):
            source.problem(where, "expected an object")
            continue
        for score in DAY_SCORES:
            source.leave_out(f"{score} ratings", day.get(score))
        source.leave_out("day notes", day.get("notes"))
        for m, attack in enumerate(_list_of(source, where, day, "attacks")):
            try:
                if not isinstance(attack, dict):
                    raise ValueError("expected an object")
                start, end = _times(source, attack)
            except ValueError as exc:
                source.problem(f"{where}.attacks[{m}]", str(exc))
                continue
            # A piece starting at midnight right after one ending at 23:59:59 continues it.
            continues = (
                previous_end is not None
                and start.time() == time(0)
                and (start - previous_end).total_seconds() <= 1
            )
            chain_start = chain_start if continues and chain_start is not None else start
            previous_end = end
            details = (
                f"Continues the attack that began {long_moment(chain_start)}." if continues else "",
                _listed("Type", [attack.get("headacheType")]),
                _listed("Auras", attack.get("auras")),
                _listed("Symptoms", attack.get("symptoms")),
            )
            source.leave_out(
                "pain sides and character", attack.get("pulsating") or attack.get("pressing")
            )
            source.leave_out("period", attack.get("onPeriod"))
            yield Attack(
                str(attack.get("id")),
                f"{where}.attacks[{m}]",
                start,
                end,
                attack.get("painLevel"),
                details,
            )
        for m, medicine in enumerate(_list_of(source, where, day, "medications")):
            yield from _medicine(source, f"{where}.medications[{m}]", day, medicine)


def _list_of(source: Source, where: str, day: dict, key: str) -> list:
    """Return a day's list of attacks or medicines; note a problem when it is no list."""
    value = day.get(key)
    if value is None or isinstance(value, list):
        return value or []
    source.problem(f"{where}.{key}", "expected a list")
    return []


def _times(source: Source, attack: dict) -> tuple[datetime, datetime | None]:
    start = source.epoch(attack.get("startTime"))
    stop = attack.get("stopTime")
    return start, (source.epoch(stop) if stop is not None else None)


def _listed(label: str, values: Any) -> str:
    words = items(values)
    return f"{label}: {', '.join(words)}." if words else ""


def _medicine(source: Source, where: str, day: dict, medicine: Any) -> Entries:
    if not isinstance(medicine, dict):
        source.problem(where, "expected an object")
        return
    source.leave_out("medicine effectiveness", medicine.get("effective") in (0, 1))
    source.leave_out("medicine side effects", medicine.get("sideEffects"))
    note = ""
    try:
        if medicine.get("time") is not None:
            at = source.epoch(medicine.get("time"))
        else:
            # The app drops medicine times on re-import: keep the day, say so.
            at = datetime.combine(datetime.strptime(str(day.get("date")), "%Y-%m-%d"), time(0))
            note = "Time not recorded; the day is."
        dose = _dose_text(medicine.get("dose"))
    except ValueError as exc:
        source.problem(where, str(exc))
        return
    amount = medicine.get("amount")
    counted = isinstance(amount, int) and not isinstance(amount, bool) and amount > 0
    dose = " ".join(p for p in (f"{amount}x" if counted else "", dose) if p)
    yield Taken(str(medicine.get("id")), where, at, str(medicine.get("name") or ""), dose, note)


def _dose_text(dose: Any) -> str:
    """Return a medicine's dose as text ("400 mg", as the app writes it, or a number)."""
    if dose is None or isinstance(dose, str):
        return dose or ""
    if isinstance(dose, bool) or not isinstance(dose, int | float):
        raise ValueError("the dose is neither text nor a number")
    return str(int(dose)) if float(dose).is_integer() else repr(dose)
