"""Date ranges asked for in a URL: read strictly, then held like any range (services/spans.py)."""

from dataclasses import replace
from datetime import date

from flask import abort, request

from diary.clock import parse_day, shift
from diary.services.spans import DayRange, bounded


def day_arg(name: str) -> date | None:
    """Return the YYYY-MM-DD query argument `name`, or None; a bad one is a 400 saying why."""
    text = request.args.get(name, "").strip()
    if not text:
        return None
    try:
        return parse_day(text, f"'{name}'")
    except ValueError as exc:
        abort(400, description=str(exc))


def asked_range(diary: DayRange, default_days: int | None = None) -> DayRange:
    """Return the request's ?from=&to= range within the diary.

    Without ?from=, the range is the last default_days days, or the whole diary.
    """
    last = day_arg("to") or diary.last
    default_first = shift(min(last, diary.last), -(default_days - 1)) if default_days else None
    first = day_arg("from") or default_first or diary.first
    span = bounded(first, last, diary.first, diary.last)
    # The diary itself was cut to MAX_RANGE_DAYS and the request reaches into what was cut.
    if diary.shortened and first < diary.first:
        return replace(span, shortened=True)
    return span
