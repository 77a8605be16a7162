"""What each API collection accepts and returns, shared by the views and the OpenAPI document."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from diary import reference
from diary.clock import format_timestamp, local_now, parse_timestamp
from diary.models import MedicationDose, Reading, SideEffectReport, User
from diary.models.reading import NOTE_MAX_LENGTH, PAIN_MAX, PAIN_MIN
from diary.models.symptoms import SEVERITIES
from diary.services import medications, readings, side_effects
from diary.services.medications import NAME_MAX
from diary.validation import check_not_future, check_note, check_pain


class FieldError(ValueError):
    """A request field that cannot be used; the API answers 422 naming it."""

    def __init__(self, field: str | None, message: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Field:
    attribute: str
    schema: dict
    parse: Callable[[Any, User], Any]
    required: bool = False
    # What an omitted field becomes on POST (called with the user).
    default: Callable[[User], Any] | None = None


def _text(max_length: int) -> Callable[[Any, User], str]:
    def parse(value: Any, _user: User) -> str:
        if not isinstance(value, str):
            raise ValueError("must be a string")
        if len(value) > max_length:
            raise ValueError(f"can be up to {max_length} characters")
        if "\x00" in value:
            raise ValueError("must not contain the NUL character (\\0)")
        return value

    return parse


def _note(value: Any, user: User) -> str:
    text = _text(NOTE_MAX_LENGTH)(value, user)
    check_note(text)
    return text


def _moment(value: Any, user: User) -> datetime:
    if not isinstance(value, str):
        raise ValueError("must be a string YYYY-MM-DDTHH:MM")
    moment = parse_timestamp(value)
    check_not_future(moment, local_now(user.timezone))
    return moment


def _pain(value: Any, _user: User) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"must be a whole number from {PAIN_MIN} to {PAIN_MAX}")
    check_pain(value)
    return value


def _choice(codes: Callable[[], Any], what: str) -> Callable[[Any, User], str]:
    def parse(value: Any, _user: User) -> str:
        if not isinstance(value, str) or value not in codes():
            raise ValueError(f"must be one of the {what}: {', '.join(codes())}")
        return value

    return parse


def _name(value: Any, user: User) -> str:
    text = _text(NAME_MAX)(value, user)
    if not text.strip():
        raise ValueError("cannot be empty")
    return text.strip()


def _other_needs_note(values: dict[str, Any]) -> None:
    if values.get("effect") == "other" and not values.get("note", "").strip():
        raise FieldError("note", "note is required when effect is 'other'.")


def _safety(report) -> dict:
    notice = side_effects.safety_notice([report])
    return {"safety": notice} if notice else {}


def _now(user: User) -> datetime:
    return local_now(user.timezone)


TIMESTAMP = {
    "type": "string",
    "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$",
    "example": "2024-03-01T08:30",
}
NOTE = {"type": "string", "maxLength": NOTE_MAX_LENGTH}
# Sent with a seizure, breathing difficulty or any severe report: the pages' calm message.
SAFETY = {
    "type": "object",
    "required": ["message", "sources"],
    "properties": {
        "message": {"type": "string"},
        "sources": {"type": "array", "items": {"type": "object"}},
    },
}


@dataclass(frozen=True)
class Resource:
    name: str
    model: type
    fields: dict[str, Field]
    create: Callable[..., Any]
    describe: str
    # Rules across fields, on the values a row would have; raises FieldError.
    check: Callable[[dict[str, Any]], None] = lambda values: None
    # Optional keys an answer may carry beside the fields (e.g. the safety message).
    extra_json: Callable[[Any], dict[str, Any]] = lambda row: {}
    extra_schema: dict[str, dict] = field(default_factory=dict)

    def to_json(self, row) -> dict:
        out: dict[str, Any] = {"id": row.id}
        for key, spec in self.fields.items():
            value = getattr(row, spec.attribute)
            out[key] = format_timestamp(value) if isinstance(value, datetime) else value
        return out | self.extra_json(row)

    def parse(self, body: dict, user: User, *, partial: bool) -> dict[str, Any]:
        """Return model attribute values from a JSON body, or raise FieldError."""
        unknown = [key for key in body if key not in self.fields]
        if unknown:
            raise FieldError(unknown[0], f"'{unknown[0]}' is not a field of {self.name}.")
        values = {}
        for key, spec in self.fields.items():
            if key in body:
                try:
                    values[spec.attribute] = spec.parse(body[key], user)
                except ValueError as exc:
                    raise FieldError(
                        key, f"{key} {exc}" if str(exc)[:1].islower() else str(exc)
                    ) from None
            elif not partial and spec.required:
                raise FieldError(key, f"{key} is required.")
            elif not partial:
                values[spec.attribute] = spec.default(user) if spec.default else ""
        return values


RESOURCES = {
    "readings": Resource(
        name="readings",
        model=Reading,
        describe="Pain readings on the 0-10 scale",
        fields={
            "recorded_at": Field("recorded_at", TIMESTAMP, _moment, default=_now),
            "pain": Field(
                "pain",
                {"type": "integer", "minimum": PAIN_MIN, "maximum": PAIN_MAX},
                _pain,
                required=True,
            ),
            "note": Field("note", NOTE, _note),
        },
        create=lambda user, v, key: readings.add_reading(
            user, v["recorded_at"], v["pain"], v["note"], client_key=key
        ),
    ),
    "side-effects": Resource(
        name="side-effects",
        model=SideEffectReport,
        describe="Side-effect reports",
        fields={
            "recorded_at": Field("recorded_at", TIMESTAMP, _moment, default=_now),
            "effect": Field(
                "effect",
                {"type": "string", "enum": list(reference.side_effects())},
                _choice(reference.side_effects, "side-effect codes"),
                required=True,
            ),
            "severity": Field(
                "severity",
                {"type": "string", "enum": list(SEVERITIES)},
                _choice(lambda: SEVERITIES, "severities"),
                required=True,
            ),
            "note": Field("note", NOTE, _note),
        },
        create=lambda user, v, key: side_effects.add_report(
            user, v["recorded_at"], v["effect"], v["severity"], v["note"], client_key=key
        ),
        check=_other_needs_note,
        extra_json=_safety,
        extra_schema={"safety": SAFETY},
    ),
    "medications": Resource(
        name="medications",
        model=MedicationDose,
        describe="Acute medication doses",
        fields={
            "taken_at": Field("taken_at", TIMESTAMP, _moment, default=_now),
            "name": Field(
                "name",
                {"type": "string", "minLength": 1, "maxLength": NAME_MAX, "pattern": r"\S"},
                _name,
                required=True,
            ),
            "dose": Field("dose", {"type": "string", "maxLength": NAME_MAX}, _text(NAME_MAX)),
            "class": Field(
                "med_class",
                {"type": "string", "enum": list(reference.medication_classes())},
                _choice(reference.medication_classes, "medication classes"),
                required=True,
            ),
            "note": Field("note", NOTE, _note),
        },
        create=lambda user, v, key: medications.add_dose(
            user, v["taken_at"], v["name"], v["dose"], v["med_class"], v["note"], client_key=key
        ),
    ),
}
