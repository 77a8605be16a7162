"""Headache Companion (iOS): `HC-DailyData-*.json` (days with attacks and medicines) and
`HC-MedHistory-*.json` (preventive courses).

Times are Unix seconds (Double) or null. An attack over midnight is split per day: the
first piece ends at 23:59:59 and each later day's piece starts at 00:00:00 with a new id.
Source: unobserved-io/headache-companion, SettingsView.swift and Extensions.swift.
"""

from datetime import datetime, time
from typing import Any

from diary.clock import long_moment
from diary.imports.readers import items
from diary.imports.source import Attack, Source, Taken, Times

CODE, LABEL = "headache_companion", "Headache Companion JSON"
DAY_SCORES = ("diet", "exercise", "relax", "sleep", "water")


def detect(document: Any) -> bool:
    if not isinstance(document, list) or not document or not isinstance(document[0], dict):
        return False
    first = set(document[0])
    return {"date", "attacks"} <= first or {"frequency", "startDate"} <= first


def read(document: list, zone: str) -> Source:
    source = Source(CODE)
    times = Times(zone, source)
    if document and "frequency" in document[0]:
        source.left_out["preventive medication history"] += len(document)
        return source
    chain_start: datetime | None = None
    previous_end: datetime | None = None
    for n, day in enumerate(document):
        where = f"[{n}]"
        if not isinstance(day, dict):
            source.problems.append((where, "expected an object"))
            continue
        for score in DAY_SCORES:
            source.leave_out(f"{score} ratings", day.get(score))
        source.leave_out("day notes", day.get("notes"))
        for m, attack in enumerate(day.get("attacks") or []):
            try:
                start, end = _times(times, attack)
            except (ValueError, TypeError) as exc:
                source.problems.append((f"{where}.attacks[{m}]", str(exc)))
                continue
            # A piece starting at midnight right after one ending at 23:59:59 continues it.
            continues = (
                previous_end is not None
                and start.time() == time(0)
                and (start - previous_end).total_seconds() <= 1
            )
            chain_start = chain_start if continues else start
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
            source.attacks.append(
                Attack(
                    str(attack.get("id")),
                    f"{where}.attacks[{m}]",
                    start,
                    end,
                    attack.get("painLevel"),
                    details,
                )
            )
        for m, medicine in enumerate(day.get("medications") or []):
            _medicine(source, times, f"{where}.medications[{m}]", day, medicine)
    return source


def _times(times: Times, attack: dict) -> tuple[datetime, datetime | None]:
    start = times.epoch(attack.get("startTime"))
    stop = attack.get("stopTime")
    return start, (times.epoch(stop) if stop is not None else None)


def _listed(label: str, values: Any) -> str:
    words = items(values)
    return f"{label}: {', '.join(words)}." if words else ""


def _medicine(source: Source, times: Times, where: str, day: dict, medicine: Any) -> None:
    if not isinstance(medicine, dict):
        source.problems.append((where, "expected an object"))
        return
    source.leave_out("medicine effectiveness", medicine.get("effective") in (0, 1))
    source.leave_out("medicine side effects", medicine.get("sideEffects"))
    note = ""
    try:
        if medicine.get("time") is not None:
            at = times.epoch(medicine.get("time"))
        else:
            # The app drops medicine times on re-import: keep the day, say so.
            at = datetime.combine(datetime.strptime(str(day.get("date")), "%Y-%m-%d"), time(0))
            note = "Time not recorded; the day is."
    except ValueError as exc:
        source.problems.append((where, str(exc)))
        return
    amount = medicine.get("amount")
    dose = " ".join(
        p
        for p in (
            f"{amount}x" if isinstance(amount, int) and amount > 0 else "",
            medicine.get("dose") or "",
        )
        if p
    )
    source.doses.append(
        Taken(str(medicine.get("id")), where, at, str(medicine.get("name") or ""), dose, note)
    )
