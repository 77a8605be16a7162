"""Rules for diary values, shared by the web forms, CSV import and the API."""

from datetime import datetime

from diary.clock import format_timestamp
from diary.models.reading import NOTE_MAX_LENGTH, PAIN_MAX, PAIN_MIN


def parse_pain(text: str) -> int:
    """Return the pain score in text, or raise ValueError saying what is wrong."""
    text = text.strip()
    if not text:
        raise ValueError(f"Pain is required: a whole number from {PAIN_MIN} to {PAIN_MAX}.")
    try:
        value = int(text, 10)
    except ValueError:
        raise ValueError(
            f"Pain must be a whole number from {PAIN_MIN} to {PAIN_MAX}, not '{text}'."
        ) from None
    check_pain(value)
    return value


def check_pain(value: int) -> None:
    if not PAIN_MIN <= value <= PAIN_MAX:
        raise ValueError(f"Pain must be from {PAIN_MIN} to {PAIN_MAX}, not {value}.")


def check_not_future(moment: datetime, now: datetime) -> None:
    """Refuse a local time later than now (both naive, in the user's time zone)."""
    if moment > now:
        raise ValueError(f"{format_timestamp(moment).replace('T', ' ')} is in the future.")


NUL_MESSAGE = "Text cannot contain the NUL character (\\0)."


def check_no_nul(text: str) -> None:
    """Refuse text with a NUL character: PostgreSQL cannot store it, nobody types it."""
    if "\x00" in text:
        raise ValueError(NUL_MESSAGE)


def check_note(note: str) -> None:
    if len(note) > NOTE_MAX_LENGTH:
        raise ValueError(
            f"Notes can be up to {NOTE_MAX_LENGTH:,} characters; this one has {len(note):,}."
        )
