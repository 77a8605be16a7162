"""The user's local time: readings are kept in the time zone of the person who logs them."""

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import tzlocal


def utcnow() -> datetime:
    """Return the current UTC time without tzinfo, as stored in the database."""
    return datetime.now(UTC).replace(tzinfo=None)


def server_timezone() -> str:
    """Return the server's IANA time zone name, or UTC when it cannot be told."""
    try:
        return tzlocal.get_localzone_name() or "UTC"
    except (ZoneInfoNotFoundError, LookupError, ValueError):
        return "UTC"


@cache
def timezone_set() -> frozenset[str]:
    """Return the IANA zone names a user can choose from (read from disk once)."""
    return frozenset(available_timezones())


@cache
def timezone_names() -> tuple[str, ...]:
    """Return the IANA zone names a user can choose from, sorted."""
    return tuple(sorted(timezone_set()))


def local_now(zone_name: str, now: datetime | None = None) -> datetime:
    """Return the naive local wall-clock time in zone_name, to the minute."""
    now = now or datetime.now(UTC)
    return now.astimezone(ZoneInfo(zone_name)).replace(tzinfo=None, second=0, microsecond=0)


def local_today(zone_name: str, now: datetime | None = None) -> date:
    """Return today's date in zone_name."""
    return local_now(zone_name, now).date()


def shift(day: date, days: int) -> date:
    """Return day + days, held at the first or last day a date can hold.

    Stored dates can sit at the edge of the calendar (year 1, year 9999); a window
    around them is then cut short instead of failing.
    """
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return date.max if days > 0 else date.min


def start_of(day: date) -> datetime:
    """Return midnight at the start of day, as a naive local timestamp."""
    return datetime.combine(day, datetime.min.time())


def start_of_yesterday(today: date) -> datetime:
    """Return the start of the day before today: every window of 24 hours up to a moment of
    today starts after it, so what home asks of such a window can be read once a day."""
    return start_of(shift(today, -1))


def any_between(moments: Iterable[datetime], after: datetime, until: datetime) -> bool:
    """Tell whether a moment is after `after` and at or before `until`."""
    return any(after < moment <= until for moment in moments)


def format_timestamp(value: datetime, zone: tzinfo | None = None, timespec: str = "minutes") -> str:
    """Format a local timestamp as YYYY-MM-DDTHH:MM (or to the timespec), the year in four digits.

    Given its zone, add the UTC offset its fold picks: the hour the clocks repeat in
    autumn is written twice, +02:00 and then +01:00 in Berlin, and reads back as itself.
    """
    # strftime("%Y") writes year 1 as "1"; isoformat pads it, so the importer reads it back.
    if zone is None and value.tzinfo is None:
        return value.isoformat(timespec=timespec)  # as stored: no copy (a CSV file has many)
    return value.replace(tzinfo=zone).isoformat(timespec=timespec)


class Timestamps:
    """format_timestamp() for many times of one zone, at half its cost (an export writes
    thousands): a zone has few UTC offsets, each written once."""

    def __init__(self, zone: tzinfo, timespec: str = "minutes"):
        self._zone, self._timespec = zone, timespec
        self._offsets: dict[timedelta | None, str] = {}

    def __call__(self, value: datetime, fold: int = 0) -> str:
        """Return format_timestamp(value.replace(fold=fold), zone, timespec)."""
        if fold:
            value = value.replace(fold=fold)
        local = value.isoformat(timespec=self._timespec)
        offset = self._zone.utcoffset(value)
        written = self._offsets.get(offset)
        if written is None:
            whole = format_timestamp(value, self._zone, self._timespec)
            written = self._offsets[offset] = whole.removeprefix(local)
        return local + written


def long_date(value: date) -> str:
    """Format a day as 'Mon 01 Jan 2026', the year always in four digits."""
    return f"{value:%a %d %b} {value.year:04d}"


def long_moment(value: datetime) -> str:
    """Format a local time as 'Mon 01 Jan 2026, 08:30'."""
    return f"{long_date(value)}, {value:%H:%M}"


def short_moment(value: datetime) -> str:
    """Format a local time as '01 Jan 2026, 08:30'."""
    return f"{short_date(value)}, {value:%H:%M}"


def short_date(value: date) -> str:
    """Format a day as '01 Jan 2026', the year always in four digits."""
    return f"{value:%d %b} {value.year:04d}"


def parse_day(text: str, column: str) -> date:
    """Parse YYYY-MM-DD strictly, naming the column in the error."""
    try:
        if len(text) != 10:
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{column} '{text}' is not a real date in the form YYYY-MM-DD.") from None
