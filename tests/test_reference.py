"""Reference data in seeds/: the codes other scripts rely on, and the source of every entry."""

import re
from pathlib import Path

import pytest
from flask import render_template_string

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
    "triptan", "ergot", "opioid", "combination_analgesic", "simple_analgesic", "gepant", "ditan",
    "antiemetic", "other",
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
        "simple_analgesic": 15, "gepant": None, "ditan": None, "antiemetic": None, "other": None,
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


def ichd3_citations():
    for entry in (*reference.medication_classes().values(), *reference.overuse_rules().values()):
        yield from ((entry.code, s) for s in entry.sources if s.id == "ICHD-3")


def test_each_ichd3_citation_is_its_words_or_says_it_is_a_summary_and_keeps_the_3_months():
    # Checked against ichd-3.org: 8.2, 8.2.1, 8.2.2, 8.2.3 and 8.2.5 are quoted word for word;
    # 8.2.4 and 8.2.6 could not be, so they are the diary's summaries and say so.
    cited = dict(ichd3_citations())
    assert set(cited) == {
        "triptan", "ergot", "opioid", "combination_analgesic", "simple_analgesic",
        "multiple_classes", "more_than_3_months",
    }  # fmt: skip
    summaries = sorted(code for code, s in cited.items() if s.summary)
    assert summaries == ["multiple_classes", "opioid"]
    for code, source in cited.items():
        words = source.quote or source.summary
        assert ">3 months" in words or "more than 3 months" in words, code
    assert cited["triptan"].quote == (
        "Regular intake of one or more triptans, in any formulation, on ≥10 days/month"
        " for >3 months."
    )


def test_each_pain_scale_word_stands_in_its_quote_or_is_marked_the_diarys_own():
    for entry in reference.catalogue("pain_scale").values():
        if entry.get("own_wording"):
            continue
        assert any(entry.words in normalise(s.quote) for s in entry.sources), entry.code
    assert reference.catalogue("pain_scale")["10"].get("own_wording")


def test_the_two_point_drop_cites_farrar_two_points_30_percent_and_much_improved():
    farrar = [
        s.quote
        for s in reference.catalogue("study_outcomes")["responders"].sources
        if s.id == "Farrar2001"
    ]
    assert any("approximately two points" in q and "approximately 30%" in q for q in farrar)
    assert any('"much improved"' in q for q in farrar)
    assert "Pain 2001;94(2):149-158" in reference.sources()["Farrar2001"]["author"]


def test_the_pgic_question_says_where_it_was_adapted_from_the_published_wording():
    pgic = reference.questionnaires()["pgic"]
    assert pgic["published_question"] == "Since the start of the study, my overall status is:"
    assert pgic["question"] == pgic["published_question"].replace("study", "treatment")
    assert "“study”" in pgic["adaptation"] and "“treatment”" in pgic["adaptation"]


ROOT = Path(__file__).resolve().parent.parent


def test_pages_and_readme_name_each_source_as_a_reader_knows_it_not_by_its_seed_number():
    # The trends pages are reworded separately; every other page and the README are here.
    seed_number = re.compile(r"seeds? (0\d\d|%\(id\)s|\{\{)")
    files = [p for p in (ROOT / "templates").rglob("*.html") if "trends" not in p.parts]
    files.append(ROOT / "README.md")
    found = [
        f"{path.relative_to(ROOT)}: {line.strip()[:80]}"
        for path in files
        for line in path.read_text(encoding="utf-8").splitlines()
        if seed_number.search(line)
    ]
    assert found == []
    assert reference.side_effects()["seizures"].sources[0].known_as == (
        "a pain practice's patient information"
    )


def test_a_summary_is_shown_as_the_diarys_summary_and_a_quote_in_quotation_marks(app):
    summary = reference.overuse_rules()["multiple_classes"].sources[0]
    quote = reference.overuse_rules()["more_than_3_months"].sources[0]
    with app.test_request_context():
        shown = render_template_string(
            '{% from "_form.html" import cited %}{{ cited(summary) }} | {{ cited(quote) }}',
            summary=summary,
            quote=quote,
        )
    assert shown == (
        f"in summary: {summary.summary} | “Regular overuse for &gt;3 months of one or more drugs"
        " that can be taken for acute and/or symptomatic treatment of headache”"
    )
    assert summary.summary.startswith("ICHD-3 8.2.6: regular intake of a combination")
