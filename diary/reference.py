"""Reference data read from seeds/: side effects, treatment kinds, medicines and their classes."""

import importlib.resources
import json
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from diary.i18n import current_locale, translate

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    file: str | None
    # In the source's own words, never translated; empty when the entry is only a summary.
    quote: str
    # Which part of the document the quote comes from, when that matters to how it reads:
    # a listed risk, a contraindication, one patient's own account. In English, as seeded.
    part_words: str = ""
    # The diary's own summary of the source, where its exact words could not be checked.
    summary_words: str = ""
    # How a reader knows the document ("a patient's blog post, 2023"). In English, as seeded.
    known_as_words: str = ""

    @property
    def part(self) -> str:
        """Return which part of the document the quote is from, in the request's language."""
        return translate(self.part_words) if self.part_words else ""

    @property
    def summary(self) -> str:
        """Return the diary's summary of the source, in the request's language."""
        return translate(self.summary_words) if self.summary_words else ""

    @property
    def known_as(self) -> str:
        """Return how a reader knows the document, in the request's language."""
        return translate(self.known_as_words) if self.known_as_words else ""


@dataclass(frozen=True)
class Entry:
    """One coded item of a catalogue, with its human label and sources."""

    code: str
    words: str  # the label in English, as seeded
    sources: tuple[Source, ...]
    extra: dict[str, Any]

    @property
    def label(self) -> str:
        """Return the label in the request's language (English outside a request)."""
        return translate(self.words)

    @property
    def value(self) -> Any:
        """Return the entry's value; a value in words is translated like the label."""
        value = self.extra.get("value")
        return translate(value) if isinstance(value, str) else value

    def __getitem__(self, key: str) -> Any:
        return self.extra[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.extra.get(key, default)


def _load(name: str) -> Any:
    return json.loads((SEEDS / name).read_text(encoding="utf-8"))


@cache
def sources() -> dict[str, dict[str, Any]]:
    """Return the source documents by id."""
    return _load("sources.json")


@cache
def catalogue(name: str) -> dict[str, Entry]:
    """Return the catalogue seeds/<name>.json as an ordered mapping of code to entry."""
    entries = {}
    for item in _load(f"{name}.json"):
        item = dict(item)
        code, label = item.pop("code"), item.pop("label")
        entries[code] = Entry(code, label, _cite(item.pop("sources")), item)
    return entries


def _cite(cited: list[dict[str, str]]) -> tuple[Source, ...]:
    return tuple(_source(s) for s in cited)


def _source(cited: dict[str, str]) -> Source:
    """Return one citation: a quote in the source's words, or the diary's summary of it."""
    if bool(cited.get("quote")) == bool(cited.get("summary")):
        raise ValueError(f"seeds: a citation of {cited['id']} needs a quote or a summary, not both")
    doc = sources()[cited["id"]]
    return Source(
        cited["id"],
        doc["title"],
        doc["file"],
        cited.get("quote", ""),
        part_words=cited.get("as", ""),
        summary_words=cited.get("summary", ""),
        known_as_words=doc.get("known_as", ""),
    )


def side_effects() -> dict[str, Entry]:
    return catalogue("side_effects")


def treatment_kinds() -> dict[str, Entry]:
    return catalogue("treatment_kinds")


def medication_classes() -> dict[str, Entry]:
    return catalogue("medication_classes")


def triggers() -> dict[str, Entry]:
    return catalogue("triggers")


def migraine_specific_classes() -> frozenset[str]:
    """Return the medication classes made for migraine (triptans, ergots) the day rule counts."""
    return frozenset(c for c, e in medication_classes().items() if e.get("migraine_specific"))


def overuse_rules() -> dict[str, Entry]:
    return catalogue("overuse_rules")


def adjunct_medicines() -> dict[str, Entry]:
    return catalogue("adjunct_medicines")


def infusion_protocol() -> dict[str, Entry]:
    return catalogue("infusion_protocol")


@cache
def questionnaires() -> dict[str, Any]:
    """Return the PGIC wording and the MIDAS day-count descriptions and grades, with sources."""
    data = _load("questionnaires.json")
    for instrument in data.values():
        instrument["sources"] = _cite(instrument["sources"])
    return data


@cache
def safety() -> dict[str, Any]:
    """Return the wording for urgent and severe side-effect reports, with its sources."""
    data = _load("safety.json")
    data["sources"] = _cite(data["sources"])
    return data


def emergency_number(timezone: str) -> str | None:
    """Return the emergency number of the country a time zone belongs to, when the seeds know it."""
    country = _zone_countries().get(timezone)
    numbers = _load("safety.json")["emergency_numbers"]
    return next((e["number"] for e in numbers if country in e["countries"]), None)


@cache
def _zone_countries() -> dict[str, str]:
    """Return each IANA time zone's country code, from the tz database's zone.tab."""
    table = importlib.resources.files("tzdata.zoneinfo").joinpath("zone.tab").read_text()
    rows = (line.split("\t") for line in table.splitlines() if not line.startswith("#"))
    return {row[2]: row[0] for row in rows if len(row) >= 3}


def moderate_pain_min() -> int:
    """Return the lowest score the pain scale's source calls moderate (seeds/pain_scale.json)."""
    return next(int(e.code) for e in catalogue("pain_scale").values() if e.get("moderate_from"))


def pain_scale() -> dict[int, str]:
    """Return the word for each point of the 0-10 scale, in the request's language."""
    return _pain_scale_in(str(current_locale()))


@cache
def _pain_scale_in(language: str) -> dict[int, str]:
    """Return the scale's words in language (the request's: every page is given them)."""
    return {int(code): entry.label for code, entry in catalogue("pain_scale").items()}


def preventives() -> dict[str, Entry]:
    return catalogue("preventives")


def _medicine_groups() -> list[dict[str, Any]]:
    """Return the groups of seeds/medicine_names.json, each checked to name a known class."""
    groups = _load("medicine_names.json")["groups"]
    for group in groups:
        if group["class"] not in medication_classes():
            raise ValueError(f"seeds/medicine_names.json: unknown class {group['class']}")
    return groups


@cache
def medicine_names() -> dict[str, str]:
    """Return medication class by lower-case medicine name (generic or brand, in any language
    the list has; WHO ATC groups)."""
    names = {}
    for group in _medicine_groups():
        for name in (*group["names"], *(n for ns in group.get("local", {}).values() for n in ns)):
            names[name] = group["class"]
    return names


@cache
def medicine_choices(language: str) -> tuple[tuple[str, str], ...]:
    """Return (name, class) for the name picker: the language's own names first, then the rest."""
    groups = _medicine_groups()
    own = [(n, g["class"]) for g in groups for n in g.get("local", {}).get(language, ())]
    return (*own, *((n, g["class"]) for g in groups for n in g["names"]))


@cache
def medicine_atc() -> dict[str, str]:
    """Return the WHO ATC code by lower-case medicine name, where its group has exactly one."""
    return {
        name: group["atc"]
        for group in _medicine_groups()
        if "," not in group["atc"]
        for name in (*group["names"], *(n for ns in group.get("local", {}).values() for n in ns))
    }


# A word of a medicine's name: letters of any language and digits, hyphens inside it.
_WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*")


def _words(name: str) -> str:
    return f" {' '.join(_WORD.findall(name.lower()))} "


def _longest(name: str, known: dict[str, str]) -> str | None:
    """Return the longest listed name found as whole words in name, or None."""
    words = _words(name)
    found = [listed for listed in known if f" {listed} " in words]
    return max(found, key=len) if found else None


@lru_cache(maxsize=4096)
def medicine_class(name: str) -> str | None:
    """Return the class of a medicine named as a patient writes it ("Naproxen sodium 550mg"),
    or None when the name is not in seeds/medicine_names.json.

    The longest listed name found as whole words wins, so "tylenol with codeine" is an
    opioid combination and plain "tylenol" a simple analgesic.
    """
    found = _longest(name, medicine_names())
    return medicine_names()[found] if found else None


def medicine_atc_code(name: str) -> str | None:
    """Return the WHO ATC code of an acute medicine named as a patient writes it, if listed."""
    found = _longest(name, medicine_names())
    return medicine_atc().get(found) if found else None


@cache
def _preventive_names() -> dict[str, str]:
    """Return preventive code by lower-case name: its code, its label's words and its brands."""
    names = {}
    for code, entry in preventives().items():
        for name in (code, *entry["names"]):
            names[name] = code
    return names


def preventive_of(name: str) -> Entry | None:
    """Return the listed preventive a regimen's name ("Aimovig 140 mg") names, or None."""
    found = _longest(name, _preventive_names())
    return preventives()[_preventive_names()[found]] if found else None
