"""The account backup's fields, list by list: each field's name, its one shape, and whether a
restore needs it. Written out here rather than read from the services' signatures, so that
a renamed keyword cannot change the file, and versioned, so that a restore knows what it reads.

Version 2 (this one) differs from version 1 in three ways, and version 1 still restores:
- a time of day is always local to the minute with its UTC offset (2024-03-01T08:00+01:00);
  version 1 wrote the offset only in the second pass through an hour the clocks repeat;
- a UTC stamp (created_at, dismissed_at, last_viewed_at) ends in Z; version 1 had no zone;
- a medicine's class is "class", as in medications.csv and the API; version 1 said med_class.
Attacks (aura and triggers as lists), day marks and the profile's day_rule and
period_tracking are read from either version in the same shapes.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from typing import Any

from diary.clock import format_timestamp
from diary.models.attack import YES_NO

FORMAT = "headache-diary-account"
FORMAT_VERSION = 2
# Versions a restore reads; older ones are brought to this version's names and shapes.
READABLE = (1, 2)

TEXT, INTEGER, NUMBER, BOOLEAN, DAY, LOCAL_TIME, UTC_TIME, INTEGERS, TEXTS = (
    "text",
    "integer",
    "number",
    "boolean",
    "day",
    "local time",
    "UTC time",
    "list of integers",
    "list of texts",
)


@dataclass(frozen=True)
class Field:
    """One field of a backup entry, and its names in the service and the model, if other."""

    name: str
    shape: str
    required: bool = False
    keyword: str | None = None
    attribute: str | None = None

    @property
    def argument(self) -> str:
        """The service's keyword argument for this field."""
        return self.keyword or self.name

    @property
    def column(self) -> str:
        """The model's attribute this field is written from."""
        return self.attribute or self.name

    def written(self, value: Any, zone: tzinfo) -> Any:
        """Return a column's value as the backup writes it."""
        if value is None:
            return None
        if self.shape == LOCAL_TIME:
            return format_timestamp(value, zone)
        if self.shape == UTC_TIME:
            return value.replace(tzinfo=UTC).isoformat().replace("+00:00", "Z")
        if isinstance(value, date):
            return value.isoformat()
        return value

    def read(self, value: Any) -> Any:
        """Return a backup value as the service takes it: a UTC stamp as naive UTC."""
        if self.shape != UTC_TIME or not isinstance(value, str):
            return value
        try:
            stamp = datetime.fromisoformat(value)
        except ValueError:
            return value  # the service says what is wrong with it
        if stamp.tzinfo is None:
            return stamp
        return stamp.astimezone(UTC).replace(tzinfo=None)


def _fields(*fields: Field) -> dict[str, Field]:
    return {field.name: field for field in fields}


NOTE = Field("note", TEXT)
KEY = Field("client_key", TEXT)
CREATED = Field("created_at", UTC_TIME)
REMINDER_STATE = (
    Field("booked_for", DAY),
    Field("done_on", DAY),
    Field("dismissed_at", UTC_TIME),
    Field("emailed_for", DAY),
    Field("uid", TEXT, required=True),
)

SCHEMA: dict[str, dict[str, Field]] = {
    "profile": _fields(
        Field("timezone", TEXT),
        Field("weight_kg", NUMBER),
        Field("email", TEXT),
        Field("low_light", BOOLEAN),
        Field("language", TEXT),
        Field("full_name", TEXT),
        Field("date_of_birth", DAY, keyword="birth_date", attribute="birth_date"),
        Field("period_tracking", BOOLEAN),
        Field("day_rule", TEXT),
    ),
    "readings": _fields(
        Field("recorded_at", LOCAL_TIME), Field("pain", INTEGER, True), NOTE, KEY, CREATED
    ),
    "side_effects": _fields(
        Field("recorded_at", LOCAL_TIME),
        Field("effect", TEXT, True),
        Field("severity", TEXT, True),
        NOTE,
        KEY,
        CREATED,
    ),
    "medications": _fields(
        Field("taken_at", LOCAL_TIME),
        Field("name", TEXT, True),
        Field("dose", TEXT),
        Field("class", TEXT, keyword="med_class", attribute="med_class"),
        NOTE,
        Field("relief_2h", TEXT),
        KEY,
        CREATED,
    ),
    "treatments": _fields(
        Field("kind", TEXT, True),
        Field("started_on", DAY, True),
        Field("ended_on", DAY),
        Field("setting", TEXT),
        Field("notes", TEXT),
        Field("name", TEXT),
        CREATED,
    ),
    "doses": _fields(
        Field("changed_at", LOCAL_TIME, True),
        Field("rate_mg_per_kg_h", NUMBER),
        Field("entered_value", NUMBER, True, keyword="value"),
        Field("entered_unit", TEXT, True, keyword="unit"),
        NOTE,
    ),
    "medicines": _fields(
        Field("role", TEXT, True), Field("name", TEXT, True), Field("dose", TEXT), NOTE
    ),
    "preventives": _fields(
        Field("name", TEXT, True),
        Field("dose", TEXT),
        Field("schedule", TEXT, True),
        Field("started_on", DAY, True),
        Field("ended_on", DAY),
        NOTE,
        KEY,
        CREATED,
    ),
    "preventive_doses": _fields(Field("due_on", DAY, True), Field("status", TEXT, True)),
    "reminders": _fields(
        Field("title", TEXT, True), Field("due_on", DAY, True), CREATED, *REMINDER_STATE
    ),
    "reminder_state": _fields(*REMINDER_STATE, CREATED),
    "questionnaires": _fields(
        Field("answered_on", DAY, True),
        Field("instrument", TEXT, True),
        Field("instrument_version", TEXT),
        Field("treatment_started_on", DAY),
        Field("score", INTEGER),
        Field("items", INTEGERS),
        Field("language", TEXT),
    ),
    "attacks": _fields(
        Field("started_at", LOCAL_TIME, True),
        Field("ended_at", LOCAL_TIME),
        Field("peak_pain", INTEGER),
        Field("side", TEXT),
        # The yes/no features: true, false, or null for not answered.
        *(Field(name, BOOLEAN) for name in YES_NO),
        Field("aura", TEXTS, attribute="aura_kinds"),
        Field("aura_minutes", INTEGER),
        Field("triggers", TEXTS),
        Field("location", TEXT),
        NOTE,
        KEY,
        CREATED,
    ),
    "day_marks": _fields(
        Field("day", DAY, True), Field("headache_free", BOOLEAN), Field("period", BOOLEAN)
    ),
    "shares": _fields(
        Field("first_day", DAY, True),
        Field("last_day", DAY, True),
        Field("created_at", UTC_TIME, True),
        Field("views", INTEGER),
        Field("last_viewed_at", UTC_TIME),
    ),
}
# Names version 1 used for what version 2 calls otherwise, per list.
RENAMED_IN_VERSION_1 = {"medications": {"med_class": "class"}}


def upgraded(items: list, table: str, version: int) -> list:
    """Return a list's entries under this version's names (a version 1 backup's renamed)."""
    renamed = RENAMED_IN_VERSION_1.get(table, {}) if version == 1 else {}
    if not renamed:
        return items
    return [
        {renamed.get(name, name): value for name, value in item.items()}
        if isinstance(item, dict)
        else item
        for item in items
    ]
