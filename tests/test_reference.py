"""Reference data in seeds/: the codes other scripts rely on, and the source of every entry."""

from pathlib import Path

import pytest

from diary import reference

SHARED_SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"

SIDE_EFFECT_CODES = [
    "amnesia", "delirium", "hallucinations", "agitation", "drowsiness", "nausea",
    "slurred_speech", "dizziness", "dissociation", "time_space_distortion", "paranoia",
    "vivid_dreams", "double_vision", "unsteady_walking", "falls", "mood_changes",
    "increased_blood_pressure", "fast_heart_rate", "respiratory_difficulty", "seizures",
    "addiction_cravings", "other",
]  # fmt: skip
TREATMENT_KINDS = [
    "ketamine_iv_inpatient", "ketamine_iv_outpatient", "ketamine_nasal", "ketamine_im",
    "other_infusion", "nerve_block", "other",
]  # fmt: skip
MEDICATION_CLASSES = [
    "triptan", "ergot", "opioid", "combination_analgesic", "simple_analgesic", "other",
]  # fmt: skip


def test_catalogues_hold_exactly_the_contracted_codes():
    assert list(reference.side_effects()) == SIDE_EFFECT_CODES
    assert list(reference.treatment_kinds()) == TREATMENT_KINDS
    assert list(reference.medication_classes()) == MEDICATION_CLASSES
    assert list(reference.pain_scale()) == list(range(11))


def test_overuse_thresholds_follow_ichd3():
    days = {code: e["overuse_days"] for code, e in reference.medication_classes().items()}
    assert days == {
        "triptan": 10, "ergot": 10, "opioid": 10, "combination_analgesic": 10,
        "simple_analgesic": 15, "other": None,
    }  # fmt: skip


def test_only_seizures_and_breathing_are_urgent_side_effects():
    urgent = [code for code, e in reference.side_effects().items() if e["urgent"]]
    assert urgent == ["respiratory_difficulty", "seizures"]


def all_cited_sources():
    for name in ("side_effects", "treatment_kinds", "medication_classes", "pain_scale"):
        for entry in reference.catalogue(name).values():
            yield from ((entry.code, source) for source in entry.sources)


def test_every_entry_except_other_names_a_source():
    for name in ("side_effects", "treatment_kinds"):
        for entry in reference.catalogue(name).values():
            assert entry.sources or entry.code == "other", entry.code


def normalise(text: str) -> str:
    """Fold line breaks and typographic apostrophes, which the documents use unevenly."""
    return " ".join(text.replace("\u2019", "'").split())


def test_every_quote_stands_in_its_source_document():
    if not SHARED_SEEDS.is_dir():
        pytest.skip(f"source documents not beside the checkout ({SHARED_SEEDS})")
    for code, source in all_cited_sources():
        if source.file is None:
            continue
        text = (SHARED_SEEDS / source.file).read_text(encoding="utf-8")
        assert normalise(source.quote) in normalise(text), (code, source.quote)
