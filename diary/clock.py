"""The user's local time: readings are kept in the time zone of the person who logs them."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import tzlocal

TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M"


def server_timezone() -> str:
    """Return the server's IANA time zone name, or UTC when it cannot be told."""
    try:
        return tzlocal.get_localzone_name() or "UTC"
    except (ZoneInfoNotFoundError, LookupError, ValueError):
        return "UTC"


def is_timezone(name: str) -> bool:
    """Tell whether name is a known IANA time zone."""
    return name in timezone_names()


def timezone_names() -> list[str]:
    """Return the IANA zone names a user can choose from, sorted."""
    return sorted(available_timezones())


def local_now(zone_name: str, now: datetime | None = None) -> datetime:
    """Return the naive local wall-clock time in zone_name, to the minute."""
    now = now or datetime.now(UTC)
    return now.astimezone(ZoneInfo(zone_name)).replace(tzinfo=None, second=0, microsecond=0)


def local_today(zone_name: str, now: datetime | None = None) -> date:
    """Return today's date in zone_name."""
    return local_now(zone_name, now).date()


def start_of(day: date) -> datetime:
    """Return midnight at the start of day, as a naive local timestamp."""
    return datetime.combine(day, datetime.min.time())


def format_timestamp(value: datetime) -> str:
    """Format a local timestamp as YYYY-MM-DDTHH:MM."""
    return value.strftime(TIMESTAMP_FORMAT)


def parse_timestamp(text: str) -> datetime:
    """Parse YYYY-MM-DDTHH:MM strictly; raise ValueError with a plain reason."""
    try:
        if len(text) != 16:
            raise ValueError
        return datetime.strptime(text, TIMESTAMP_FORMAT)
    except ValueError:
        raise ValueError(
            f"'{text}' is not a real date and time in the form YYYY-MM-DDTHH:MM"
        ) from None
