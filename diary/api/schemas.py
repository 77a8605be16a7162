"""The API's request and response shapes, as pydantic models.

The same models parse request bodies, shape answers and generate the OpenAPI
document, so the three cannot drift apart. Request models check which fields there
are, required or not, and that a time has no seconds but :00 (with the CSV import's
message). Every value then goes to the entity's service, whose rules are the same for
forms, CSV import, offline sync and the account restore, so a bad value gets the same
field and message here as everywhere else; under /api/ the services take JSON types
strictly (a string is not a number: rules.json_values). What no schema can state (a
time in the future, 30 February) the service refuses with 422, as the document says.
"""

from datetime import date
from typing import Annotated, Any, ClassVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    WithJsonSchema,
    create_model,
)
from pydantic.config import JsonDict
from pydantic_core import PydanticCustomError

from diary import reference
from diary.models.attack import AURA_KINDS, SIDES, TRIGGER_NAME_MAX, YES_NO, AuraKind, Side
from diary.models.preventive import DOSE_STATUSES, DoseStatus
from diary.models.reading import PAIN_MAX, PAIN_MIN
from diary.models.reminder import ReminderKind, ReminderStatus
from diary.models.symptoms import RELIEF_2H, SEVERITIES, Relief2h, Severity
from diary.rules import NAME_MAX, NOTE_MAX, EntryError, whole_minute
from diary.services.attacks import AURA_MINUTES_MAX
from diary.services.idempotency import KEY_MAX
from diary.services.preventives import SCHEDULE_PATTERN
from diary.urls import MAX_ID

LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX = 100, 1000
# What answers give: the local time to the minute with the UTC offset its fold picks.
ANSWER_TIME_PATTERN = (
    r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d"
    r"[+-]\d{2}:[0-5]\d(:[0-5]\d)?$"
)
# A time as a request may give it: a real month, day, hour and minute from 1900 on, seconds
# only :00, and a UTC offset (or Z) or none. What a pattern cannot say (30 February, a
# time in the future) the service refuses with 422.
REQUEST_TIME_PATTERN = (
    r"^(19|[2-9]\d)\d\d-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d"
    r"(:00(\.0{1,6})?)?(Z|[+-](0\d|1[0-4]):[0-5]\d(:[0-5]\d)?)?$"
)
# Text holds no NUL character (rules.text refuses it); a name or an "other" note some
# non-space character too.
TEXT_PATTERN = r"^[^\u0000]*$"
FILLED_PATTERN = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
# A trigger's own name: filled, and without ";", which joins triggers in CSV files.
TRIGGER_PATTERN = r"^[^\u0000;]*[^\s\u0000;][^\u0000;]*$"


def _to_the_minute(value: Any, info: ValidationInfo) -> Any:
    """Refuse seconds other than :00 with the CSV import's message."""
    if isinstance(value, str):
        try:
            whole_minute(value, str(info.field_name))
        except EntryError as exc:
            raise PydanticCustomError("seconds", exc.message) from None
    return value


# A field whose value the service checks (JSON types strictly under /api/, see
# rules.json_values) is Annotated[Any, WithJsonSchema(...)]: the schema documents what it
# accepts.
LocalTime = Annotated[
    Any,
    AfterValidator(_to_the_minute),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": REQUEST_TIME_PATTERN,
            "description": "An instant with its UTC offset, as answers give it"
            " (YYYY-MM-DDTHH:MM+01:00, or Z for UTC), or a wall-clock time in the user's time zone"
            " (YYYY-MM-DDTHH:MM: in an hour the clocks repeat, the first pass). Omitted: now."
            " Seconds, if given, are :00. A day that does not exist (30 February), a time in the"
            " future or before 1900, or one the clocks skipped is refused with 422.",
            "example": "2024-03-01T08:30+01:00",
        }
    ),
]
Note = Annotated[
    Any, WithJsonSchema({"type": "string", "maxLength": NOTE_MAX, "pattern": TEXT_PATTERN})
]
Name = Annotated[
    Any,
    WithJsonSchema(
        {"type": "string", "minLength": 1, "maxLength": NAME_MAX, "pattern": FILLED_PATTERN}
    ),
]
Dose = Annotated[
    Any, WithJsonSchema({"type": "string", "maxLength": NAME_MAX, "pattern": TEXT_PATTERN})
]


def _codes(codes) -> WithJsonSchema:
    """Document a field that takes one of some codes (the service checks which)."""
    return WithJsonSchema({"type": "string", "enum": list(codes)})


class Body(BaseModel):
    """A request body: fields it does not know are refused."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    # Fields where null means something ("not answered", "still going"); elsewhere it is refused.
    nullable: ClassVar[frozenset[str]] = frozenset()


class ReadingBody(Body):
    recorded_at: LocalTime = None
    pain: Annotated[
        Any, WithJsonSchema({"type": "integer", "minimum": PAIN_MIN, "maximum": PAIN_MAX})
    ]
    note: Note = ""


# "other" says what it was in the note: the schema states it as the service checks it.
OTHER_NEEDS_A_NOTE: JsonDict = {
    "if": {"properties": {"effect": {"const": "other"}}, "required": ["effect"]},
    "then": {"properties": {"note": {"pattern": FILLED_PATTERN}}, "required": ["note"]},
}


class SideEffectBody(Body):
    model_config = ConfigDict(json_schema_extra=OTHER_NEEDS_A_NOTE)

    recorded_at: LocalTime = None
    effect: Annotated[Any, _codes(reference.side_effects())]
    severity: Annotated[Any, _codes(SEVERITIES)]
    note: Note = Field("", description="Required, not blank, when effect is 'other'.")


class MedicationBody(Body):
    taken_at: LocalTime = None
    name: Name
    dose: Dose = ""
    med_class: Annotated[Any, _codes(reference.medication_classes())] = Field(
        "",
        alias="class",
        description="Optional for a medicine of the diary's list (its class is the list's);"
        " required for any other.",
    )
    note: Note = ""
    relief_2h: Annotated[Any, _codes(["", *RELIEF_2H])] = Field(
        "", description="The effect 2 hours after the dose; empty: not answered."
    )


# A real day from 1900 (a day that does not exist, 30 February, is refused with 422).
DAY_PATTERN = r"^(19|[2-9]\d)\d\d-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$"
Day = Annotated[
    Any,
    WithJsonSchema(
        {"type": "string", "format": "date", "pattern": DAY_PATTERN, "example": "2024-03-01"}
    ),
]


class PreventiveBody(Body):
    started_on: Day
    name: Name
    dose: Dose = ""
    schedule: Annotated[
        Any,
        WithJsonSchema({"type": "string", "pattern": SCHEDULE_PATTERN, "example": "every_4_weeks"}),
    ]
    ended_on: Annotated[
        Any,
        WithJsonSchema(
            {
                "type": "string",
                "pattern": f"^$|{DAY_PATTERN}",
                "description": "A day (YYYY-MM-DD), or empty while taken.",
            }
        ),
    ] = ""
    note: Note = ""


YesNo = Annotated[
    Any,
    WithJsonSchema(
        {
            "type": ["boolean", "null"],
            "description": "true (yes), false (no), or null: not answered, which is never no.",
        }
    ),
]


# Minutes of an aura say which aura it was: the schema states it as the service checks it.
AURA_MINUTES_NEED_AN_AURA: JsonDict = {
    "if": {"properties": {"aura_minutes": {"type": "integer"}}, "required": ["aura_minutes"]},
    "then": {"properties": {"aura": {"minItems": 1}}, "required": ["aura"]},
}


class AttackBody(Body):
    model_config = ConfigDict(json_schema_extra=AURA_MINUTES_NEED_AN_AURA)

    started_at: LocalTime = None
    ended_at: Annotated[
        Any,
        AfterValidator(_to_the_minute),
        WithJsonSchema(
            {
                "type": ["string", "null"],
                "pattern": REQUEST_TIME_PATTERN,
                "description": "As started_at; null or omitted while the attack lasts. Not"
                " before its start. One attack runs at a time.",
            }
        ),
    ] = None
    peak_pain: Annotated[
        Any,
        WithJsonSchema({"type": ["integer", "null"], "minimum": PAIN_MIN, "maximum": PAIN_MAX}),
    ] = None
    side: Annotated[Any, WithJsonSchema({"enum": [*SIDES, None]})] = None
    pulsating: YesNo = None
    worse_with_activity: YesNo = Field(
        None, description="Worse with routine physical activity, or activity avoided."
    )
    nausea: YesNo = None
    vomiting: YesNo = None
    light_sensitivity: YesNo = None
    sound_sensitivity: YesNo = None
    aura: Annotated[
        Any,
        WithJsonSchema({"type": "array", "items": {"enum": list(AURA_KINDS)}, "uniqueItems": True}),
    ] = []
    aura_minutes: Annotated[
        Any,
        WithJsonSchema(
            {
                "type": ["integer", "null"],
                "minimum": 0,
                "maximum": AURA_MINUTES_MAX,
                "description": "Only with an aura (aura not empty).",
            }
        ),
    ] = None
    triggers: Annotated[
        Any,
        WithJsonSchema(
            {
                "type": "array",
                "items": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": TRIGGER_NAME_MAX,
                    "pattern": TRIGGER_PATTERN,
                },
                "description": "Codes of the trigger catalogue (seeds/triggers.json) or the"
                " patient's own trigger names (no ';'); an own name is kept once, in any case.",
            }
        ),
    ] = []
    location: Annotated[
        Any, WithJsonSchema({"type": "string", "maxLength": 200, "pattern": TEXT_PATTERN})
    ] = ""
    note: Note = ""

    nullable = frozenset({"ended_at", "peak_pain", "side", *YES_NO, "aura_minutes"})


class DayMarksBody(Body):
    headache_free: Annotated[
        Any, WithJsonSchema({"type": "boolean", "description": "No headache that day."})
    ] = None
    period: Annotated[Any, WithJsonSchema({"type": "boolean", "description": "A period day."})] = (
        None
    )


class PreventiveDoseBody(Body):
    due_on: Day
    status: Annotated[Any, _codes(DOSE_STATUSES)]


def patch_of(body: type[Body]) -> type[Body]:
    """Return the PATCH body of a collection: the same fields, none required.

    A condition of the body (if/then) holds for a change too, but what it requires may be
    left out: the stored value counts (the service judges the two together).
    """
    fields: dict[str, Any] = {
        name: (
            Annotated[info.annotation, *info.metadata],
            Field(None, alias=info.alias, description=info.description),
        )
        for name, info in body.model_fields.items()
    }
    base: type[Body] = Body
    condition = body.model_config.get("json_schema_extra")
    if isinstance(condition, dict) and isinstance(condition["then"], dict):
        then = {key: value for key, value in condition["then"].items() if key != "required"}
        extra: JsonDict = condition | {"then": then}

        class Conditional(Body):
            model_config = ConfigDict(json_schema_extra=extra)

        base = Conditional
    changes = create_model(body.__name__.replace("Body", "Changes"), __base__=base, **fields)
    changes.nullable = body.nullable
    return changes


Timestamp = Annotated[
    str,
    Field(
        pattern=ANSWER_TIME_PATTERN,
        description="The local time in the user's time zone with its UTC offset, which tells"
        " the two passes through an hour the clocks repeat apart (seconds in the offset only"
        " where clocks were not yet whole minutes from UTC, as in Amsterdam until 1937).",
        examples=["2024-03-01T08:30+01:00"],
    ),
]


class SafetySource(BaseModel):
    id: str
    title: str
    quote: str
    part: str


class Safety(BaseModel):
    """The calm message the pages show after a seizure, breathing difficulty or a severe effect."""

    message: str
    sources: list[SafetySource]


class Reading(BaseModel):
    id: int
    recorded_at: Timestamp
    pain: int = Field(ge=PAIN_MIN, le=PAIN_MAX)
    note: str


class SideEffect(BaseModel):
    id: int
    recorded_at: Timestamp
    effect: str
    severity: Severity
    note: str
    safety: Safety | None = None


class Medication(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    id: int
    taken_at: Timestamp
    name: str
    dose: str
    med_class: str = Field(serialization_alias="class", alias="class")
    note: str
    relief_2h: Relief2h | None


class Preventive(BaseModel):
    id: int
    started_on: date
    name: str
    dose: str
    schedule: str = Field(pattern=SCHEDULE_PATTERN)
    ended_on: date | None
    note: str


class PreventiveDose(BaseModel):
    due_on: date
    status: DoseStatus


class Attack(BaseModel):
    id: int
    started_at: Timestamp
    ended_at: Timestamp | None
    peak_pain: int | None = Field(ge=PAIN_MIN, le=PAIN_MAX)
    side: Side | None
    pulsating: bool | None
    worse_with_activity: bool | None
    nausea: bool | None
    vomiting: bool | None
    light_sensitivity: bool | None
    sound_sensitivity: bool | None
    aura: list[AuraKind]
    aura_minutes: int | None
    triggers: list[str]
    location: str
    note: str


class DayMarks(BaseModel):
    """What the patient marked about a day; both false when nothing is marked."""

    day: str = Field(json_schema_extra={"format": "date"})
    headache_free: bool
    period: bool


class Reminder(BaseModel):
    id: int
    kind: ReminderKind
    title: str
    due_on: str = Field(json_schema_extra={"format": "date"})
    status: ReminderStatus
    booked_for: str | None = Field(json_schema_extra={"format": "date"})
    done_on: str | None = Field(json_schema_extra={"format": "date"})
    treatment_id: int | None = None
    ended_on: str | None = Field(None, json_schema_extra={"format": "date"})


# A list's query parameters: (default, lowest, highest).
PAGE = {"limit": (LIST_LIMIT_DEFAULT, 1, LIST_LIMIT_MAX), "offset": (0, 0, MAX_ID)}


class Page(BaseModel):
    """Which part of a list to answer with, newest first."""

    limit: int = Field(PAGE["limit"][0], ge=PAGE["limit"][1], le=PAGE["limit"][2])
    offset: int = Field(PAGE["offset"][0], ge=PAGE["offset"][1], le=PAGE["offset"][2])


class ErrorDetail(BaseModel):
    field: str | None
    message: str


class Error(BaseModel):
    """An error answer as RFC 9457 problem details (application/problem+json)."""

    type: str = Field(description="Always about:blank: the status says what kind of problem.")
    title: str = Field(description="The HTTP status's phrase, e.g. Unprocessable Content.")
    status: int
    detail: str = Field(description="What is wrong, in the words the pages use.")
    errors: dict[str, str] = Field(
        description="Each field at fault and what is wrong with it (empty when no field is)."
    )
    error: ErrorDetail = Field(
        description="The first field and message, as the API's first version answered them.",
        json_schema_extra={"deprecated": True},
    )


IDEMPOTENCY_KEY_SCHEMA = {"type": "string", "maxLength": KEY_MAX}
