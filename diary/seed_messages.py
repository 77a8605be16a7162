"""Find the words in seeds/ that the diary shows, for pybabel (see babel.cfg).

Labels, values in words ("55 of 77 patients"), the calm safety messages, the PGIC wording,
the notes about a source's part, the diary's summaries of a source and the names readers
know the documents by are the diary's own words and are translated. Quotes and document
titles are not: a quote stays in its source's words, with the source named.
"""

import json
from collections.abc import Iterator
from typing import Any

SHOWN_KEYS = {
    "label",
    "value",
    "as",
    "summary",
    "known_as",
    "note",
    "urgent_message",
    "severe_message",
    "question",
    "adaptation",
    "items",
}


def _shown(value: Any, key: str | None = None) -> Iterator[str]:
    if isinstance(value, dict):
        for name, item in value.items():
            yield from _shown(item, name)
    elif isinstance(value, list):
        for item in value:
            yield from _shown(item, key)
    elif isinstance(value, str) and key in SHOWN_KEYS:
        yield value
    elif isinstance(value, str) and key is not None and key.isdigit():
        yield value  # a numbered answer (PGIC's "1": "Very much improved")


def extract(fileobj, keywords, comment_tags, options) -> Iterator[tuple[int, str, str, list]]:
    """Yield (line, funcname, message, comments) for each shown string, as Babel expects."""
    text = fileobj.read().decode("utf-8")
    for message in dict.fromkeys(_shown(json.loads(text))):
        position = text.find(json.dumps(message, ensure_ascii=False))
        yield text.count("\n", 0, max(position, 0)) + 1, "gettext", message, []
