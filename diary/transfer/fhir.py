"""A FHIR R4 Bundle: one Observation per pain reading, one MedicationStatement per preventive
regimen and per acute dose (with its WHO ATC code where the medicine lists have it); a
collection to read, and the same resources as a transaction that a FHIR server takes at
POST [base]."""

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from diary import reference
from diary.clock import format_timestamp
from diary.config import installation_id
from diary.extensions import db
from diary.models import MedicationDose, PreventiveRegimen, Reading, User
from diary.services.preventives import schedule_of

FILENAME = "pain-observations.fhir.json"
TRANSACTION_FILENAME = "pain-observations.transaction.fhir.json"
LOINC_PAIN = {
    "system": "http://loinc.org",
    "code": "72514-3",
    "display": "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
}
ATC = "http://www.whocc.no/atc"
SURVEY = {
    "system": "http://terminology.hl7.org/CodeSystem/observation-category",
    "code": "survey",
    "display": "Survey",
}


def _entry(namespace: uuid.UUID, key: str, resource: dict, transaction: bool) -> dict:
    """Return a Bundle entry whose id stays the same in every export of this installation.

    The namespace is the installation's own random id, so two installations never give
    two patients one id. The identifier (the installation, the entry's id) stays with
    the resource on a server, which can then recognise a re-upload. In a transaction,
    the entry is a conditional create on that identifier: a second upload creates nothing.
    """
    stable_id = uuid.uuid5(namespace, key)
    identifier = {"system": f"urn:uuid:{namespace}", "value": str(stable_id)}
    entry = {
        "fullUrl": f"urn:uuid:{stable_id}",
        "resource": resource | {"identifier": [identifier]},
    }
    if transaction:
        entry["request"] = {
            "method": "POST",
            "url": resource["resourceType"],
            "ifNoneExist": f"identifier={identifier['system']}|{identifier['value']}",
        }
    return entry


def _medication(name: str, atc: str | None) -> dict:
    """Return a medicine as a CodeableConcept: its name, and its ATC code when known."""
    concept: dict = {"text": name}
    if atc:
        concept["coding"] = [{"system": ATC, "code": atc}]
    return concept


def _regimen_statement(regimen: PreventiveRegimen, patient: str) -> dict:
    """Return a preventive regimen as a MedicationStatement with its schedule as a timing."""
    schedule = schedule_of(regimen.schedule)
    weekly = regimen.schedule.endswith("_weeks")
    unit, period = ("wk", schedule.every // 7) if weekly else ("d", schedule.every)
    listed = reference.preventive_of(regimen.name)
    period_of = {"start": regimen.started_on.isoformat()}
    if regimen.ended_on:
        period_of["end"] = regimen.ended_on.isoformat()
    statement = {
        "resourceType": "MedicationStatement",
        "status": "active" if regimen.ended_on is None else "completed",
        "medicationCodeableConcept": _medication(regimen.name, listed["atc"] if listed else None),
        "subject": {"reference": patient},
        "effectivePeriod": period_of,
        "dosage": [
            {
                "text": f"{regimen.dose} {regimen.schedule}".strip(),
                "timing": {
                    "repeat": {"frequency": schedule.per_day, "period": period, "periodUnit": unit}
                },
            }
        ],
    }
    if regimen.note:
        statement["note"] = [{"text": regimen.note}]
    return statement


def _medication_entries(
    user: User, namespace: uuid.UUID, patient: str, transaction: bool
) -> Iterator[str]:
    """Yield the preventive regimens, then the acute doses, as MedicationStatement entries."""
    zone = ZoneInfo(user.timezone)
    regimens = db.session.scalars(
        select(PreventiveRegimen)
        .where(PreventiveRegimen.user_id == user.id)
        .order_by(PreventiveRegimen.started_on, PreventiveRegimen.id)
    )
    for regimen in regimens:
        statement = _regimen_statement(regimen, patient)
        entry = _entry(namespace, f"preventive:{user.id}:{regimen.id}", statement, transaction)
        yield ",\n" + json.dumps(entry, ensure_ascii=False)
    doses = db.session.execute(
        select(
            MedicationDose.id,
            MedicationDose.taken_at,
            MedicationDose.fold,
            MedicationDose.name,
            MedicationDose.dose,
            MedicationDose.note,
        )
        .where(MedicationDose.user_id == user.id)
        .order_by(MedicationDose.taken_at, MedicationDose.id)
        .execution_options(yield_per=1000)
    )
    for dose_id, taken_at, fold, name, dose, note in doses:
        statement = {
            "resourceType": "MedicationStatement",
            "status": "completed",
            "medicationCodeableConcept": _medication(name, reference.medicine_atc_code(name)),
            "subject": {"reference": patient},
            "effectiveDateTime": format_timestamp(
                taken_at.replace(fold=fold), zone, timespec="seconds"
            ),
        }
        if dose:
            statement["dosage"] = [{"text": dose}]
        if note:
            statement["note"] = [{"text": note}]
        entry = _entry(namespace, f"dose:{user.id}:{dose_id}", statement, transaction)
        yield ",\n" + json.dumps(entry, ensure_ascii=False)


def fhir_chunks(user: User, transaction: bool = False) -> Iterator[str]:
    """Yield a collection Bundle (or a transaction) as JSON text, piece by piece: the
    patient, one Observation per reading, then the medicines. Streaming keeps memory flat
    with years of readings. A transaction's references to the patient's urn:uuid are
    resolved by the server.
    """
    zone = ZoneInfo(user.timezone)
    namespace = installation_id()
    head = {
        "resourceType": "Bundle",
        "type": "transaction" if transaction else "collection",
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    patient = _entry(
        namespace,
        f"patient:{user.id}",
        {"resourceType": "Patient", "name": [{"text": user.username}]},
        transaction,
    )
    yield (
        json.dumps(head, ensure_ascii=False)[:-1]
        + ', "entry": [\n'
        + json.dumps(patient, ensure_ascii=False)
    )
    readings = db.session.execute(
        select(Reading.id, Reading.recorded_at, Reading.fold, Reading.pain, Reading.note)
        .where(Reading.user_id == user.id)
        .order_by(Reading.recorded_at, Reading.id)
        .execution_options(yield_per=1000)
    )
    for reading_id, recorded_at, fold, pain, note in readings:
        observation = {
            "resourceType": "Observation",
            "status": "final",
            "category": [{"coding": [SURVEY]}],
            "code": {"coding": [LOINC_PAIN], "text": "Pain severity (0-10)"},
            "subject": {"reference": patient["fullUrl"]},
            # The fold picks the offset of an hour the clocks repeat (autumn).
            "effectiveDateTime": format_timestamp(
                recorded_at.replace(fold=fold), zone, timespec="seconds"
            ),
            "valueInteger": pain,
        }
        if note:
            observation["note"] = [{"text": note}]
        entry = _entry(namespace, f"reading:{user.id}:{reading_id}", observation, transaction)
        yield ",\n" + json.dumps(entry, ensure_ascii=False)
    yield from _medication_entries(user, namespace, patient["fullUrl"], transaction)
    yield "\n]}\n"
