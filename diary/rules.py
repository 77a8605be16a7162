"""The rules every diary value meets, whichever way it comes in.

Only the services call these. Forms, CSV import, the API, offline sync, the
account restore and the CLI reach them through the services, so one bad value
gets the same field and the same message from every entry point.
"""

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import get_locale

from diary.clock import format_timestamp, local_now
from diary.i18n import decimal as format_number
from diary.i18n import gettext as _
from diary.i18n import lazy_gettext

EARLIEST_DAY = date(1900, 1, 1)
ONE_DAY = timedelta(days=1)
# A phone's clock may run a little ahead of the server's.
CLOCK_SKEW = timedelta(minutes=1)
# Treatments and reminders can be planned, but not further than this.
PLAN_AHEAD_YEARS = 2

# Twenty years of days: more than any diary here holds, small enough to answer at once.
MAX_RANGE_DAYS = 20 * 366
NOTE_MAX = 10_000
NAME_MAX = 200
NUL_MESSAGE = "Text cannot contain the NUL character (\\0)."

# A local time, optionally with seconds and a UTC offset. An offset has seconds where the
# clocks were not yet a whole number of minutes from UTC (Amsterdam until 1937).
MOMENT_PATTERN = (
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2}(:\d{2})?)?$"
)
_MOMENT = re.compile(MOMENT_PATTERN)
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# The seconds of a time written as text, with any fraction (an offset may follow).
_SECONDS = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:(\d{2}(?:\.\d+)?)")
_WHOLE = re.compile(r"^[+-]?[0-9]{1,30}$")
# True while a JSON API request is handled: its values are typed, so "3" is text, not 3.
json_values: ContextVar[bool] = ContextVar("json_values", default=False)


@dataclass(frozen=True)
class _Batch:
    """Entries checked together (an import's chunk): the one time now is for all of them
    (reading the clock takes a microsecond), and the times checked so far, each by the
    value, its fold and the zone (an attack's start is its reading's and its dose's too)."""

    now: datetime
    times: dict[tuple[datetime, int, str], datetime] = field(default_factory=dict)


_batch: ContextVar[_Batch | None] = ContextVar("checked_together", default=None)


@dataclass(frozen=True, slots=True)
class Owner:
    """Whose entries a check reads: the account's id and time zone, read once for an
    import's 200,000 entries (not from the account's database row for each)."""

    id: int
    timezone: str


# A longer list of codes (the time zones) is not spelled out in a message.
CODES_LISTED = 30
# Labels that only a refusal shows: translated then, not for each value checked (an
# import checks 600,000 values, and a translation takes microseconds).
TIME, NOTE, CREATED_AT = lazy_gettext("Time"), lazy_gettext("Note"), lazy_gettext("Created at")


def mid_sentence(label: Any) -> str:
    """Return a field's name as it reads inside a sentence: lower case, as German is not."""
    locale = get_locale()
    return str(label) if locale is not None and locale.language == "de" else str(label).lower()


def _range_problem(label: Any, low: Any, high: Any, value: Any, *, number: bool = False) -> str:
    """Say the range a value must lie in; one that is no number at all is quoted as given."""
    bounds = {"label": label, "low": low, "high": high}
    if number:
        return _(
            "%(label)s must be a number from %(low)s to %(high)s, not %(value)s.",
            value=shown(value),
            **bounds,
        )
    return _("%(label)s must be from %(low)s to %(high)s, not %(value)s.", value=value, **bounds)


def shown(value: Any) -> str:
    """Return a value as a message quotes it: text in quotes, JSON's other types by name."""
    if isinstance(value, str):
        return f"'{value}'" if len(value) <= 40 else f"'{value[:40]}…'"
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    if isinstance(value, int | float | Decimal):
        return str(value)
    return "a list" if isinstance(value, list | tuple) else "an object"


class EntryError(ValueError):
    """Values that cannot be stored: each field's problem, said so a person can fix it.

    The one error every service raises; nothing was written when it is raised.
    """

    def __init__(self, errors: dict[str, str]):
        super().__init__(" ".join(errors.values()))
        self.errors = errors

    @property
    def field(self) -> str:
        return next(iter(self.errors))

    @property
    def message(self) -> str:
        return self.errors[self.field]


class Checker:
    """Run each field's rule, keep the first problem per field, raise them all at the end."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def __call__(self, field: str, rule, *args, **kwargs) -> Any:
        try:
            return rule(*args, **kwargs)
        except ValueError as exc:
            self.errors.setdefault(field, str(exc))
            return None

    def optional(self, field: str, rule, value: Any, *args: Any) -> Any:
        """Run a rule on a value given; one left empty (None or "") is None, and no rule
        is run for it (most of an import's optional values are empty)."""
        if value is None or value == "":
            return None
        return self(field, rule, value, *args)

    def fail(self, field: str, message: str) -> None:
        self.errors.setdefault(field, message)

    def done(self) -> None:
        if self.errors:
            raise EntryError(self.errors)


def text(
    value: Any, label: str, max_length: int, *, required: bool = False, strip: bool = True
) -> str:
    """Return the text, stripped unless told otherwise; refuse non-text, NUL and overlong text."""
    if not isinstance(value, str):
        raise ValueError(
            _("%(label)s must be text, not %(value)s.", label=label, value=shown(value))
        )
    if "\x00" in value:
        raise ValueError(NUL_MESSAGE)
    if strip:
        value = value.strip()
    if required and not value.strip():
        raise ValueError(_("Give the %(label)s.", label=mid_sentence(label)))
    if len(value) > max_length:
        raise ValueError(
            _(
                "%(label)s can be up to %(most)s characters; this one has %(length)s.",
                label=label,
                most=format_number(max_length),
                length=format_number(len(value)),
            )
        )
    return value


def note(value: Any, label: Any = None) -> str:
    """Return a free-text note as written (not stripped: line breaks are the writer's)."""
    return text(value, NOTE if label is None else label, NOTE_MAX, strip=False)


def whole(value: Any, label: str, low: int, high: int) -> int:
    """Return a whole number from low to high, from an int or from text of ASCII digits."""
    if value == "":
        raise ValueError(
            _(
                "Give the %(label)s: a whole number from %(low)s to %(high)s.",
                label=mid_sentence(label),
                low=low,
                high=high,
            )
        )
    # A form field or a CSV cell is text; a JSON number is not written in quotes, and is an
    # integer when its fraction is zero (3.0, as JSON Schema counts it).
    if isinstance(value, str) and not json_values.get() and _WHOLE.match(value.strip()):
        value = int(value.strip())
    if isinstance(value, float) and json_values.get() and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(
            _(
                "%(label)s must be a whole number from %(low)s to %(high)s, not %(value)s.",
                label=label,
                low=low,
                high=high,
                value=shown(value),
            )
        )
    if not low <= value <= high:
        raise ValueError(_range_problem(label, low, high, value))
    return value


def number(value: Any, label: str, low: Decimal | int, high: Decimal | int) -> Decimal:
    """Return a finite decimal number from low to high; NaN and infinities are refused."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        raise ValueError(_range_problem(label, low, high, value, number=True))
    try:
        parsed = Decimal(value.strip() if isinstance(value, str) else str(value))
    except InvalidOperation:
        raise ValueError(_range_problem(label, low, high, value, number=True)) from None
    if not parsed.is_finite():
        raise ValueError(_range_problem(label, low, high, value, number=True))
    if not low <= parsed <= high:
        raise ValueError(_range_problem(label, low, high, value))
    return parsed


def choice(value: Any, label: str, codes: Iterable[str]) -> str:
    """Return one of the codes; anything else is refused with the list of codes."""
    codes = list(codes)
    if not isinstance(value, str) or value not in codes:
        if len(codes) <= CODES_LISTED:
            raise ValueError(
                _(
                    "%(value)s is not a %(label)s; use one of: %(codes)s.",
                    value=shown(value),
                    label=mid_sentence(label),
                    codes=", ".join(codes),
                )
            )
        raise ValueError(
            _("%(value)s is not a %(label)s.", value=shown(value), label=mid_sentence(label))
        )
    return value


def latest_planned(today: date) -> date:
    """Return the last day a treatment or reminder may be planned for."""
    try:
        return today.replace(year=today.year + PLAN_AHEAD_YEARS)
    except ValueError:  # 29 February
        return today.replace(year=today.year + PLAN_AHEAD_YEARS, day=28)


def day(value: Any, label: str, today: date, *, planned: bool = False) -> date:
    """Return a date from 1900 to today (or up to two years ahead when planned)."""
    if isinstance(value, str) and _DAY.match(value):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            raise ValueError(
                _("%(label)s %(value)s is not a real date.", label=label, value=shown(value))
            ) from None
    if isinstance(value, datetime) or not isinstance(value, date):
        raise ValueError(
            _(
                "%(label)s must be a date in the form YYYY-MM-DD, not %(value)s.",
                label=label,
                value=shown(value),
            )
        )
    if value < EARLIEST_DAY:
        raise ValueError(
            _("%(label)s %(value)s is before 1900.", label=label, value=value.isoformat())
        )
    last = latest_planned(today) if planned else today
    if value > last:
        if planned:
            raise ValueError(
                _(
                    "%(label)s %(value)s is more than two years ahead.",
                    label=label,
                    value=value.isoformat(),
                )
            )
        raise ValueError(
            _("%(label)s %(value)s is in the future.", label=label, value=value.isoformat())
        )
    return value


def moment(value: Any, label: str, zone_name: str, now: datetime | None = None) -> datetime:
    """Return a naive local time to the minute, with fold=1 for the second of a repeated hour.

    Takes a datetime, or text YYYY-MM-DDTHH:MM (a wall-clock time) optionally with
    seconds and a UTC offset (an instant, turned into the user's time zone). The time
    must exist in the zone, fall on or after 1900-01-01 and not lie in the future.
    """
    batch = _batch.get()
    if batch is None or now is not None or not isinstance(value, datetime):
        return _moment(value, label, zone_name, now or (batch.now if batch else None))
    key = (value, value.fold, zone_name)
    checked = batch.times.get(key)
    if checked is None:
        checked = batch.times[key] = _moment(value, label, zone_name, batch.now)
    return checked


def _moment(value: Any, label: str, zone_name: str, now: datetime | None) -> datetime:
    """Check one time as moment() does."""
    zone = ZoneInfo(zone_name)
    if isinstance(value, str) and _MOMENT.match(value):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(
                _(
                    "%(label)s %(value)s is not a real date and time.",
                    label=label,
                    value=shown(value),
                )
            ) from None
    if not isinstance(value, datetime):
        raise ValueError(
            _(
                "%(label)s must be a date and time in the form YYYY-MM-DDTHH:MM, not %(value)s.",
                label=label,
                value=shown(value),
            )
        )
    if value.tzinfo is not None:
        try:
            value = value.astimezone(zone).replace(tzinfo=None)
        except OverflowError:
            raise ValueError(
                _(
                    "%(label)s %(value)s is outside the calendar.",
                    label=label,
                    value=value.isoformat(),
                )
            ) from None
    if value.second or value.microsecond:
        value = value.replace(second=0, microsecond=0)
    day = value.date()
    if day < EARLIEST_DAY:
        raise ValueError(
            _("%(label)s %(value)s is before 1900.", label=label, value=_written(value))
        )
    now = now or datetime.now(UTC)
    today = now.date()
    # A date past tomorrow is in the future in any zone, and converting it would overflow in 9999.
    if day > today + ONE_DAY:
        raise ValueError(_future(label, value))
    # Both readings of the time agree except at a clock change (checked only then: imports
    # check 200,000 times at once). A time the clocks skipped does not come back as itself.
    # The zone reads the wall-clock time and fold of a naive time as its own: no aware copy
    # is built for the usual case.
    if zone.utcoffset(value) != zone.utcoffset(value.replace(fold=1 - value.fold)):
        back = value.replace(tzinfo=zone).astimezone(UTC).astimezone(zone).replace(tzinfo=None)
        if back != value.replace(fold=0):
            raise ValueError(
                _(
                    "%(label)s %(value)s did not happen in %(zone)s: the clocks went forward then.",
                    label=label,
                    value=_written(value),
                    zone=zone_name,
                )
            )
    # A day before yesterday is in the past in any zone.
    if day >= today - ONE_DAY and value.replace(tzinfo=zone).astimezone(UTC) > now + CLOCK_SKEW:
        raise ValueError(_future(label, value))
    return value


def _written(value: datetime) -> str:
    """Return a local time as a message quotes it."""
    return format_timestamp(value).replace("T", " ")


def _future(label: Any, value: datetime) -> str:
    return _(
        "%(label)s %(value)s is in the future. Log what has already happened.",
        label=label,
        value=_written(value),
    )


@contextmanager
def checked_together(now: datetime) -> Iterator[None]:
    """Check the entries of the block together: their times against one moment (UTC), and
    each time once."""
    token = _batch.set(_Batch(now))
    try:
        yield
    finally:
        _batch.reset(token)


def whole_minute(text: str, field: str) -> None:
    """Refuse a time written with seconds other than :00 (EntryError naming field).

    The diary keeps times to the minute: a time with seconds would be stored as another.
    """
    found = _SECONDS.match(text.strip())
    if found and found[1].strip("0."):
        raise EntryError(
            {
                field: f"Time '{text}' has seconds (:{found[1]}); the diary keeps times to"
                " the minute: write :00 or leave the seconds out."
            }
        )


def entry_time(value: Any, zone_name: str) -> datetime:
    """Return when an entry happened (see moment); None means now."""
    return moment(local_now(zone_name) if value is None else value, TIME, zone_name)


def with_fold(name: str, value: datetime, fold: str = "fold") -> dict[str, Any]:
    """Return a checked local time as its two columns: the wall-clock time and its fold."""
    return {name: value.replace(fold=0) if value.fold else value, fold: bool(value.fold)}


def stamp(value: Any, label: Any = None) -> datetime:
    """Return a stored UTC time (when a row was created): from 1900 to now."""
    label = CREATED_AT if label is None else label
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(
                _("%(label)s %(value)s is not a date and time.", label=label, value=shown(value))
            ) from None
    if not isinstance(value, datetime) or value.tzinfo is not None:
        raise ValueError(_("%(label)s must be a UTC date and time without an offset.", label=label))
    if value.date() < EARLIEST_DAY or value > datetime.now(UTC).replace(tzinfo=None) + CLOCK_SKEW:
        raise ValueError(
            _(
                "%(label)s %(value)s is not a time that has been.",
                label=label,
                value=value.isoformat(),
            )
        )
    return value


def kept(check: "Checker", created_at: Any) -> dict[str, Any]:
    """Return the created_at column a restore keeps, or nothing (the database stamps it now)."""
    if created_at is None:
        return {}
    return {"created_at": check("created_at", stamp, created_at)}
