"""Strict date parsing for CSV cells."""

from datetime import date


def parse_day(text: str, column: str) -> date:
    """Parse YYYY-MM-DD strictly, naming the column in the error."""
    try:
        if len(text) != 10:
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{column} '{text}' is not a real date in the form YYYY-MM-DD.") from None
