"""Headache Companion (iOS): `HC-DailyData-*.json` (days with attacks and medicines) and
`HC-MedHistory-*.json` (preventive courses).

Times are Unix seconds (Double) or null. An attack over midnight is split per day: the
first piece ends at 23:59:59 and each later day's piece starts at 00:00:00 with a new id;
the pieces are read back into one attack. Source: unobserved-io/headache-companion,
SettingsView.swift and Extensions.swift.
"""

from datetime import datetime, time
from typing import Any

from diary.imports.readers import Export, items
from diary.imports.source import NUMBER, Attack, Entries, Source, Taken, auras, symptoms

CODE, LABEL = "headache_companion", "Headache Companion JSON"
# The day's ratings, and how the preview names each.
DAY_SCORES = {name: f"{name} ratings" for name in ("diet", "exercise", "relax", "sleep", "water")}


def detect(export: Export) -> bool:
    if not export.json_root:
        return False
    first = next((item for _, item in export.json_items("item")), None)
    if not isinstance(first, dict):
        return False
    return {"date", "attacks"} <= set(first) or {"frequency", "startDate"} <= set(first)


def read(export: Export, source: Source) -> Entries:
    running: Attack | None = None  # the attack read so far, which a next piece may continue
    for n, day in export.json_items("item"):
        where = f"[{n}]"
        if isinstance(day, dict) and "frequency" in day:
            source.left_out["preventive medication history"] += 1
            continue
        if not isinstance(day, dict):
            source.problem(where, "expected an object")
            continue
        for score, what in DAY_SCORES.items():
            source.leave_out(what, day.get(score))
        source.leave_out("day notes", day.get("notes"))
        for m, attack in enumerate(_list_of(source, where, day, "attacks")):
            try:
                if not isinstance(attack, dict):
                    raise ValueError("expected an object")
                piece = _piece(source, f"{where}.attacks[{m}]", attack)
            except ValueError as exc:
                source.problem(f"{where}.attacks[{m}]", str(exc))
                continue
            if running is not None and _continues(running, piece):
                running = _joined(running, piece)
                continue
            if running is not None:
                yield running
            running = piece
        for m, medicine in enumerate(_list_of(source, where, day, "medications")):
            yield from _medicine(source, f"{where}.medications[{m}]", day, medicine)
    if running is not None:
        yield running


def _piece(source: Source, where: str, attack: dict) -> Attack:
    """Read one day's piece of an attack, with its features, auras and symptoms."""
    start, end = _times(source, attack)
    answers, other = symptoms(items(attack.get("symptoms")))
    codes, other_auras = auras(items(attack.get("auras")))
    # A box not ticked is not a "no": only a tick says something.
    if attack.get("pulsating") is True:
        answers += (("pulsating", True),)
    source.leave_out("pain sides and pressing pain", attack.get("pressing"))
    source.leave_out("period", attack.get("onPeriod"))
    details = (
        _listed("Type", [attack.get("headacheType")]),
        _listed("Auras", other_auras),
        _listed("Symptoms", other),
    )
    return Attack(
        str(attack.get("id")),
        where,
        start,
        end,
        attack.get("painLevel"),
        answers=answers,
        aura=codes,
        details=details,
    )


def _continues(running: Attack, piece: Attack) -> bool:
    """Tell whether a piece starting at midnight right after one ending at 23:59:59 goes on."""
    return (
        running.end is not None
        and piece.start.time() == time(0)
        and 0 <= (piece.start - running.end).total_seconds() <= 1
    )


def _joined(running: Attack, piece: Attack) -> Attack:
    """Return an attack with a later day's piece: to its end, at the worse pain."""
    pains = [p for p in (running.intensity, piece.intensity) if isinstance(p, NUMBER)]
    return running._replace(
        end=piece.end,
        intensity=max(pains) if pains else running.intensity,
        answers=tuple(dict(running.answers + piece.answers).items()),
        aura=tuple(dict.fromkeys(running.aura + piece.aura)),
        details=tuple(dict.fromkeys(d for d in running.details + piece.details if d)),
    )


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
    if isinstance(dose, bool) or not isinstance(dose, NUMBER):
        raise ValueError("the dose is neither text nor a number")
    return str(int(dose)) if float(dose).is_integer() else repr(dose)
