"""The API's collections: their models, shapes and the services that write them."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import tzinfo
from functools import cached_property
from typing import Any

from pydantic import BaseModel

from diary import models
from diary.api import schemas
from diary.clock import format_timestamp
from diary.services import attacks, medications, preventives, readings, side_effects
from diary.services.rows import as_entered


@dataclass(frozen=True)
class Collection:
    """One collection of /api/v1/: what it accepts and answers, and who writes it."""

    name: str
    model: type[models.Reading | models.SideEffectReport | models.MedicationDose]
    body: type[schemas.Body]
    item: type[BaseModel]
    add: Callable[..., Any]
    update: Callable[..., None]
    delete: Callable[[Any], None]
    describe: str
    # Keys an answer carries beside the row's columns (e.g. the safety message).
    beside: Callable[[Any], dict[str, Any]] = field(default=lambda row: {})
    # A row's values as the answer gives them, where they are not its columns (an attack's).
    shaped: Callable[[Any, tzinfo], dict[str, Any]] | None = None
    # The first field is a day (a preventive's start), not a local time with its fold.
    dated: bool = False

    @cached_property
    def changes(self) -> type[schemas.Body]:
        return schemas.patch_of(self.body)

    @cached_property
    def schema_name(self) -> str:
        return self.item.__name__

    @cached_property
    def time_name(self) -> str:
        """The field that says when it happened (the first of every body)."""
        return next(iter(self.body.model_fields))

    @property
    def time_column(self):
        """The column lists are ordered by: when it happened."""
        return getattr(self.model, self.time_name)

    def to_json(self, row, zone: tzinfo) -> dict[str, Any]:
        """Return a row as the API answers it, its time with the offset its fold picks."""
        if self.shaped is not None:
            values = self.shaped(row, zone)
        else:
            names = ["id", *(name for name in self.body.model_fields if hasattr(row, name))]
            if self.dated:
                values = as_entered(row, names)
            else:
                values = as_entered(row, names, self.time_name)
                # Without the offset, the second pass through a repeated hour would read as
                # the first.
                values[self.time_name] = format_timestamp(values[self.time_name], zone)
        item = self.item.model_validate(values | self.beside(row))
        return item.model_dump(mode="json", by_alias=True, exclude_unset=True)


def _safety(report) -> dict[str, Any]:
    notice = side_effects.safety_notice([report])
    return {"safety": notice} if notice else {}


def _attack(attack, zone: tzinfo) -> dict[str, Any]:
    """Return an attack as the API answers it: times with offsets, aura and triggers as lists."""
    values = attacks.as_entered(attack)
    ended = values.get("ended_at")
    return values | {
        "id": attack.id,
        "started_at": format_timestamp(values["started_at"], zone),
        "ended_at": format_timestamp(ended, zone) if ended else None,
        "aura": attack.aura_kinds,
    }


COLLECTIONS = {
    collection.name: collection
    for collection in (
        Collection(
            name="readings",
            model=models.Reading,
            body=schemas.ReadingBody,
            item=schemas.Reading,
            add=readings.add_reading,
            update=readings.update_reading,
            delete=readings.delete_reading,
            describe="Pain readings on the 0-10 scale",
        ),
        Collection(
            name="side-effects",
            model=models.SideEffectReport,
            body=schemas.SideEffectBody,
            item=schemas.SideEffect,
            add=side_effects.add_report,
            update=side_effects.update_report,
            delete=side_effects.delete_report,
            describe="Side-effect reports",
            beside=_safety,
        ),
        Collection(
            name="medications",
            model=models.MedicationDose,
            body=schemas.MedicationBody,
            item=schemas.Medication,
            add=medications.add_dose,
            update=medications.update_dose,
            delete=medications.delete_dose,
            describe="Acute medication doses",
        ),
        Collection(
            name="attacks",
            model=models.Attack,
            body=schemas.AttackBody,
            item=schemas.Attack,
            add=attacks.add_attack,
            update=attacks.update_attack,
            delete=attacks.delete_attack,
            describe="Headache attacks (one runs at a time)",
            shaped=_attack,
        ),
        Collection(
            name="preventives",
            model=models.PreventiveRegimen,
            body=schemas.PreventiveBody,
            item=schemas.Preventive,
            add=preventives.add_regimen,
            update=preventives.update_regimen,
            delete=preventives.delete_regimen,
            describe="Preventive regimens (a dose change ends one and starts the next)",
            dated=True,
        ),
    )
}
