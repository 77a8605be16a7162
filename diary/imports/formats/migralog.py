"""MigraLog (iOS): JSON export with episodes, intensity readings and medication doses.

Times are Unix epoch milliseconds. An episode has no intensity of its own: its first
intensity reading is the episode's reading at its start, and every later one a reading
of its own. Pain locations are `left_`/`right_` + eye, temple, neck, head or teeth;
symptoms, qualities and triggers snake_case built-ins or the patient's own words.
Source: vfilby/migralog, spec/schemas/export/migralog-export.schema.json.
"""

from typing import Any

from diary.imports.readers import Export, items
from diary.imports.source import NUMBER, Attack, Entries, Intensity, Source, Taken, symptoms

CODE, LABEL = "migralog", "MigraLog JSON"
# What an export may hold that the diary does not take.
LEFT_OUT = {
    "dailyStatusLogs": "daily status (green, yellow, red days)",
    "calendarOverlays": "calendar overlays",
    "medicationSchedules": "medication schedules",
    "symptomLogs": "symptom onset and resolution times",
    "painLocationLogs": "pain location snapshots",
}


def detect(export: Export) -> bool:
    if export.json_root != "{":
        return False  # a list (Headache Companion's) is not parsed through for a member
    # Only the version is built: the metadata could be a list as long as the file.
    return next(export.json_items("metadata.schemaVersion"), None) is not None


def read(export: Export, source: Source) -> Entries:
    lengths = export.json_lengths(LEFT_OUT)
    for key, what in LEFT_OUT.items():
        if lengths[key]:
            source.left_out[what] += lengths[key]
    firsts, readings = _first_readings(export)
    episodes: set[str] = set()
    for n, episode in export.json_items("episodes.item"):
        for attack in _episode(source, f"episodes[{n}]", episode, firsts):
            episodes.add(attack.key)
            yield attack
    # Every later intensity reading of an episode that was read is a reading of its own;
    # when each reading is its episode's first, there is none to read the file again for.
    later = export.json_items("intensityReadings.item") if readings > len(firsts) else ()
    for n, reading in later:
        episode = str(reading.get("episodeId")) if isinstance(reading, dict) else None
        if episode in episodes and firsts[episode][1] != n:
            where = f"intensityReadings[{n}]"
            try:
                at = source.epoch(reading.get("timestamp"), scale=1000)
            except ValueError as exc:
                source.problem(where, str(exc))
                continue
            yield Intensity(str(reading.get("id")), where, at, reading.get("intensity"))
    medicines = {
        str(m.get("id")): m.get("name", "")
        for _, m in export.json_items("medications.item")
        if isinstance(m, dict)
    }
    for n, dose in export.json_items("medicationDoses.item"):
        yield from _dose(source, f"medicationDoses[{n}]", dose, medicines)


def _first_readings(export: Export) -> tuple[dict[str, tuple[Any, int, Any]], int]:
    """Return each episode's earliest intensity reading (its time, position and intensity),
    and how many readings there are."""
    firsts: dict[str, tuple[Any, int, Any]] = {}
    readings = 0
    # Read through the whole file, the first time: a file not JSON anywhere is refused
    # before any entry; later passes read only their lists.
    for n, reading in export.json_items("intensityReadings.item", whole_file=True):
        if not isinstance(reading, dict):
            continue
        readings += 1
        stamp = reading.get("timestamp")
        when = stamp if isinstance(stamp, NUMBER) and not isinstance(stamp, bool) else 0
        episode = str(reading.get("episodeId"))
        if episode not in firsts or when < firsts[episode][0]:
            firsts[episode] = (when, n, reading.get("intensity"))
    return firsts, readings


def _episode(source: Source, where: str, episode: Any, firsts: dict) -> Entries:
    if not isinstance(episode, dict):
        source.problem(where, "expected an object")
        return
    try:
        start = source.epoch(episode.get("startTime"), scale=1000)
        end = source.epoch(episode["endTime"], scale=1000) if "endTime" in episode else None
    except ValueError as exc:
        source.problem(where, str(exc))
        return
    source.leave_out("location (GPS)", episode.get("location"))
    answers, other = symptoms(_words(episode.get("symptoms")))
    pulsating, qualities = symptoms(_words(episode.get("qualities")))
    source.leave_out("pain qualities", qualities)
    locations = _words(episode.get("locations"))
    first = firsts.get(str(episode.get("id")))
    # The first reading is the episode's at its start; each later one a reading of its own.
    yield Attack(
        str(episode.get("id")),
        where,
        start,
        end,
        first[2] if first else None,
        answers=answers + pulsating,
        triggers=tuple(_words(episode.get("triggers"))),
        side=_side(locations),
        location=", ".join(locations),
        details=(
            f"Symptoms: {', '.join(other)}." if other else "",
            str(episode.get("notes") or "").strip(),
        ),
        peak=False,
    )


def _words(values: Any) -> list[str]:
    """Return a list of codes as words: weather_change is "weather change"."""
    return [v.replace("_", " ") for v in items(values)]


def _side(locations: list[str]) -> str | None:
    """Return the side of the head the pain locations are on (left, right or both)."""
    sides = {word.split(" ", 1)[0] for word in locations} & {"left", "right"}
    if len(sides) == 2:
        return "both"
    return sides.pop() if sides else None


def _dose(source: Source, where: str, dose: Any, medicines: dict) -> Entries:
    if not isinstance(dose, dict):
        source.problem(where, "expected an object")
        return
    if dose.get("status") == "skipped":
        source.left_out["skipped doses"] += 1
        return
    try:
        at = source.epoch(dose.get("timestamp"), scale=1000)
    except ValueError as exc:
        source.problem(where, str(exc))
        return
    source.leave_out("dose side effects", dose.get("sideEffects"))
    amount, unit = dose.get("dosageAmount"), dose.get("dosageUnit") or ""
    quantity = dose.get("quantity")
    strength = f"{amount:g} {unit}".strip() if isinstance(amount, NUMBER) else ""
    count = f"{quantity:g}x" if isinstance(quantity, NUMBER) and quantity else ""
    name = str(medicines.get(str(dose.get("medicationId")), "") or "")
    note = str(dose.get("notes") or "")
    dosage = " ".join(p for p in (count, strength) if p)
    rating = dose.get("effectivenessRating")
    relief = None
    if isinstance(rating, NUMBER) and not isinstance(rating, bool) and 0 <= rating <= 10:
        # 0 of 10 is no effect; any other rating some. The rating itself stays in the note.
        relief = "same" if rating == 0 else "better"
        note = " ".join(p for p in (note, f"Effectiveness {rating:g}/10.") if p)
    yield Taken(str(dose.get("id")), where, at, name, dosage, note, relief_2h=relief)
