"""MigraLog (iOS): JSON export with episodes, intensity readings and medication doses.

Times are Unix epoch milliseconds. An episode has no intensity of its own: its first
intensity reading is the episode's reading at its start, and every later one a reading
of its own. Source: vfilby/migralog, spec/schemas/export/migralog-export.schema.json.
"""

from typing import Any

from diary.imports.readers import items
from diary.imports.source import Attack, Intensity, Source, Taken, Times

CODE, LABEL = "migralog", "MigraLog JSON"
# What an export may hold that the diary does not take.
LEFT_OUT = {
    "dailyStatusLogs": "daily status (green, yellow, red days)",
    "calendarOverlays": "calendar overlays",
    "medicationSchedules": "medication schedules",
    "symptomLogs": "symptom onset and resolution times",
    "painLocationLogs": "pain location snapshots",
}


def detect(document: Any) -> bool:
    return isinstance(document, dict) and {"metadata", "episodes", "medicationDoses"} <= set(
        document
    )


def _list(document: dict, key: str) -> list:
    value = document.get(key) or []
    return value if isinstance(value, list) else []


def read(document: dict, zone: str) -> Source:
    source = Source(CODE)
    times = Times(zone, source)
    readings: dict[str, list[tuple[int, dict]]] = {}
    for n, reading in enumerate(_list(document, "intensityReadings")):
        if isinstance(reading, dict):
            readings.setdefault(str(reading.get("episodeId")), []).append((n, reading))
    for n, episode in enumerate(_list(document, "episodes")):
        _episode(source, times, f"episodes[{n}]", episode, readings)
    medicines = {
        m.get("id"): m.get("name", "")
        for m in _list(document, "medications")
        if isinstance(m, dict)
    }
    for n, dose in enumerate(_list(document, "medicationDoses")):
        _dose(source, times, f"medicationDoses[{n}]", dose, medicines)
    for key, what in LEFT_OUT.items():
        if _list(document, key):
            source.left_out[what] += len(_list(document, key))
    return source


def _episode(source, times, where, episode, readings) -> None:
    if not isinstance(episode, dict):
        source.problems.append((where, "expected an object"))
        return
    try:
        start = times.epoch(episode.get("startTime"), scale=1000)
        end = times.epoch(episode["endTime"], scale=1000) if "endTime" in episode else None
    except ValueError as exc:
        source.problems.append((where, str(exc)))
        return
    own = sorted(readings.get(str(episode.get("id")), []), key=lambda r: r[1].get("timestamp", 0))
    source.leave_out("location (GPS)", episode.get("location"))
    source.leave_out("pain locations", episode.get("locations"))
    source.leave_out("pain qualities", episode.get("qualities"))
    if not own:
        source.left_out["episodes without an intensity reading"] += 1
        return
    details = (
        _listed("Triggers", episode.get("triggers")),
        _listed("Symptoms", episode.get("symptoms")),
        str(episode.get("notes") or "").strip(),
    )
    # The first reading is the episode's at its start; each later one a reading of its own.
    source.attacks.append(
        Attack(str(episode.get("id")), where, start, end, own[0][1].get("intensity"), details)
    )
    for n, reading in own[1:]:
        try:
            at = times.epoch(reading.get("timestamp"), scale=1000)
        except ValueError as exc:
            source.problems.append((f"intensityReadings[{n}]", str(exc)))
            continue
        source.intensities.append(
            Intensity(
                str(reading.get("id")), f"intensityReadings[{n}]", at, reading.get("intensity")
            )
        )


def _listed(label: str, values: Any) -> str:
    words = [v.replace("_", " ") for v in items(values)]
    return f"{label}: {', '.join(words)}." if words else ""


def _dose(source, times, where, dose, medicines) -> None:
    if not isinstance(dose, dict):
        source.problems.append((where, "expected an object"))
        return
    if dose.get("status") == "skipped":
        source.left_out["skipped doses"] += 1
        return
    try:
        at = times.epoch(dose.get("timestamp"), scale=1000)
    except ValueError as exc:
        source.problems.append((where, str(exc)))
        return
    source.leave_out("effectiveness ratings", dose.get("effectivenessRating"))
    source.leave_out("dose side effects", dose.get("sideEffects"))
    amount, unit = dose.get("dosageAmount"), dose.get("dosageUnit") or ""
    quantity = dose.get("quantity")
    strength = f"{amount:g} {unit}".strip() if isinstance(amount, int | float) else ""
    count = f"{quantity:g}x" if isinstance(quantity, int | float) and quantity else ""
    name = str(medicines.get(dose.get("medicationId"), "") or "")
    note = str(dose.get("notes") or "")
    source.doses.append(
        Taken(
            str(dose.get("id")), where, at, name, " ".join(p for p in (count, strength) if p), note
        )
    )
