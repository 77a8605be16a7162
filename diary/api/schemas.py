"""The API's request and response shapes, as pydantic models.

The same models parse request bodies, shape answers and generate the OpenAPI
document, so the three cannot drift apart. Request models check only the shape
(which fields, required or not); every value goes to the entity's service, whose
rules are the same for forms, CSV import, offline sync and the account restore,
so a bad value gets the same field and message here as everywhere else.
"""

from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, create_model

from diary import reference
from diary.models.attack import AURA_KINDS, SIDES, TRIGGER_NAME_MAX, YES_NO
from diary.models.reading import PAIN_MAX, PAIN_MIN
from diary.models.reminder import ReminderKind, ReminderStatus
from diary.models.symptoms import SEVERITIES
from diary.rules import MOMENT_PATTERN, NAME_MAX, NOTE_MAX
from diary.services.idempotency import KEY_MAX
from diary.urls import MAX_ID

LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX = 100, 1000
# What answers give: the local time to the minute with the UTC offset its fold picks.
ANSWER_TIME_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}[+-]\d{2}:\d{2}(:\d{2})?$"


def _value(schema: dict[str, Any]) -> Any:
    """A field whose value the service checks; the schema documents what it accepts."""
    return Annotated[Any, WithJsonSchema(schema)]


LocalTime = _value(
    {
        "type": "string",
        "pattern": MOMENT_PATTERN,
        "description": "An instant with its UTC offset, as answers give it"
        " (YYYY-MM-DDTHH:MM+01:00, or Z for UTC), or a wall-clock time in the user's time zone"
        " (YYYY-MM-DDTHH:MM: in an hour the clocks repeat, the first pass). Omitted: now."
        " Not in the future, not before 1900.",
        "example": "2024-03-01T08:30+01:00",
    }
)
Note = _value({"type": "string", "maxLength": NOTE_MAX})


def _codes(codes) -> Any:
    return _value({"type": "string", "enum": list(codes)})


class Body(BaseModel):
    """A request body: fields it does not know are refused."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    # Fields where null means something ("not answered", "still going"); elsewhere it is refused.
    nullable: ClassVar[frozenset[str]] = frozenset()


class ReadingBody(Body):
    recorded_at: LocalTime = None
    pain: _value({"type": "integer", "minimum": PAIN_MIN, "maximum": PAIN_MAX})
    note: Note = ""


class SideEffectBody(Body):
    recorded_at: LocalTime = None
    effect: _codes(reference.side_effects())
    severity: _codes(SEVERITIES)
    note: Note = Field("", description="Required when effect is 'other'.")


class MedicationBody(Body):
    taken_at: LocalTime = None
    name: _value({"type": "string", "minLength": 1, "maxLength": NAME_MAX, "pattern": r"\S"})
    dose: _value({"type": "string", "maxLength": NAME_MAX}) = ""
    med_class: _codes(reference.medication_classes()) = Field(alias="class")
    note: Note = ""


YesNo = _value(
    {
        "type": ["boolean", "null"],
        "description": "true (yes), false (no), or null: not answered, which is never no.",
    }
)


class AttackBody(Body):
    started_at: LocalTime = None
    ended_at: _value(
        {
            "type": ["string", "null"],
            "pattern": MOMENT_PATTERN,
            "description": "As started_at; null or omitted while the attack lasts. Not before"
            " its start. One attack runs at a time.",
        }
    ) = None
    peak_pain: _value({"type": ["integer", "null"], "minimum": PAIN_MIN, "maximum": PAIN_MAX}) = (
        None
    )
    side: _value({"enum": [*SIDES, None]}) = None
    pulsating: YesNo = None
    worse_with_activity: YesNo = Field(
        None, description="Worse with routine physical activity, or activity avoided."
    )
    nausea: YesNo = None
    vomiting: YesNo = None
    light_sensitivity: YesNo = None
    sound_sensitivity: YesNo = None
    aura: _value({"type": "array", "items": {"enum": list(AURA_KINDS)}, "uniqueItems": True}) = []
    aura_minutes: _value({"type": ["integer", "null"], "minimum": 0}) = None
    triggers: _value(
        {
            "type": "array",
            "items": {"type": "string", "minLength": 1, "maxLength": TRIGGER_NAME_MAX},
            "description": "Codes of the trigger catalogue (seeds/triggers.json) or the"
            " patient's own trigger names (no ';'); an own name is kept once, in any case.",
        }
    ) = []
    location: _value({"type": "string", "maxLength": 200}) = ""
    note: Note = ""

    nullable = frozenset({"ended_at", "peak_pain", "side", *YES_NO, "aura_minutes"})


class DayMarksBody(Body):
    headache_free: _value({"type": "boolean", "description": "No headache that day."}) = None
    period: _value({"type": "boolean", "description": "A period day."}) = None


def patch_of(body: type[Body]) -> type[Body]:
    """Return the PATCH body of a collection: the same fields, none required."""
    fields = {
        name: (
            Annotated[info.annotation, *info.metadata],
            Field(None, alias=info.alias, description=info.description),
        )
        for name, info in body.model_fields.items()
    }
    changes = create_model(body.__name__.replace("Body", "Changes"), __base__=Body, **fields)
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
    severity: Literal[SEVERITIES]
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


class Attack(BaseModel):
    id: int
    started_at: Timestamp
    ended_at: Timestamp | None
    peak_pain: int | None = Field(ge=PAIN_MIN, le=PAIN_MAX)
    side: Literal[SIDES] | None
    pulsating: bool | None
    worse_with_activity: bool | None
    nausea: bool | None
    vomiting: bool | None
    light_sensitivity: bool | None
    sound_sensitivity: bool | None
    aura: list[Literal[AURA_KINDS]]
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
    error: ErrorDetail


IDEMPOTENCY_KEY_SCHEMA = {"type": "string", "maxLength": KEY_MAX}
