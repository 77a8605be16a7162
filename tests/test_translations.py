"""The catalogues: complete, current with the code, and compiled as committed."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "diary" / "translations"
LANGUAGES = ("de", "es", "fr")
# The marking functions besides gettext's own, as scripts/translations passes them.
KEYWORDS = ("lazy_gettext", "_l", "lazy_pgettext:1c,2")


def catalogue(language: str, name: str = "messages.po"):
    path = TRANSLATIONS / language / "LC_MESSAGES" / name
    with path.open("rb") as file:
        return (read_po if name.endswith(".po") else read_mo)(file)


def extracted_ids(tmp_path) -> set:
    pot = tmp_path / "messages.pot"
    pybabel = Path(sys.executable).with_name("pybabel")
    keywords = [arg for keyword in KEYWORDS for arg in ("-k", keyword)]
    subprocess.run(
        [
            pybabel,
            "-q",
            "extract",
            "-F",
            "babel.cfg",
            *keywords,
            "--no-location",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
    )
    with pot.open("rb") as file:
        return {message.id for message in read_po(file) if message.id}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_entry_is_translated_and_none_is_fuzzy(language):
    untranslated = [
        message.id
        for message in catalogue(language)
        if message.id
        and (message.fuzzy or not all(message.string if message.pluralizable else [message.string]))
    ]
    assert untranslated == []


def test_the_catalogues_hold_exactly_the_words_the_code_and_seeds_mark(tmp_path):
    # As `pybabel extract` + `update` (scripts/translations) would leave them: no change.
    marked = extracted_ids(tmp_path)
    for language in LANGUAGES:
        held = {message.id for message in catalogue(language) if message.id}
        assert sorted(map(str, marked - held)) == [], f"{language}: not in the catalogue"
        assert sorted(map(str, held - marked)) == [], f"{language}: no longer in the code"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_committed_mo_files_are_compiled_from_the_po_files(language):
    def entries(messages):
        return {_plain(m.id): _plain(m.string) for m in messages if m.id}

    assert entries(catalogue(language, "messages.mo")) == entries(catalogue(language))


def _plain(value):
    """Return a plural's forms as a tuple, however the reader gave them."""
    return value if isinstance(value, str) else tuple(value)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_translation_keeps_every_placeholder_of_its_english(language):
    for message in catalogue(language):
        if not message.id:
            continue
        ids = message.id if message.pluralizable else (message.id,)
        strings = message.string if message.pluralizable else (message.string,)
        wanted = _placeholders(ids[-1])
        for text in strings:
            # A singular may say "one day" in words instead of %(count)s.
            assert _placeholders(text) <= wanted, (message.id, text)
            if not message.pluralizable:
                assert _placeholders(text) == wanted, (message.id, text)


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"%\(\w+\)s", text))
