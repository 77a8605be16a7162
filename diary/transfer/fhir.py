"""A FHIR R4 Bundle: one Observation per pain reading, one MedicationStatement per preventive
regimen and per acute dose (with its WHO ATC code where the medicine lists have it); a
collection to read, and the same resources as a transaction that a FHIR server takes at
POST [base]."""

import hashlib
import json
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from functools import partial
from itertools import islice
from zoneinfo import ZoneInfo

from sqlalchemy import select

from diary import reference
from diary.clock import Timestamps
from diary.config import installation_id
from diary.extensions import db
from diary.models import MedicationDose, PreventiveRegimen, Reading, User
from diary.services.preventives import schedule_of
from diary.transfer.shapes import Shapes

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


class _StableIds:
    """Each entry's id: uuid5(namespace, key) as text, as str(uuid.uuid5(...)) writes it.

    Without the UUID objects, at a third of their cost: ten years of readings take twelve
    thousand ids.
    """

    def __init__(self, namespace: uuid.UUID):
        self._namespace = hashlib.sha1(namespace.bytes, usedforsecurity=False)

    def __call__(self, key: str) -> str:
        digest = self._namespace.copy()
        digest.update(key.encode())
        text = digest.hexdigest()
        # Version 5 and RFC 4122's variant (10 in the top bits of the ninth byte).
        variant = "89ab"[int(text[16], 16) & 3]
        return f"{text[:8]}-{text[8:12]}-5{text[13:16]}-{variant}{text[17:20]}-{text[20:32]}"


def _entry(namespace: uuid.UUID, stable_id: str, resource: dict, transaction: bool) -> dict:
    """Return a Bundle entry whose id (see _StableIds) stays the same in every export of this
    installation.

    The namespace is the installation's own random id, so two installations never give
    two patients one id. The identifier (the installation, the entry's id) stays with
    the resource on a server, which can then recognise a re-upload. In a transaction,
    the entry is a conditional create on that identifier: a second upload creates nothing.
    """
    identifier = {"system": f"urn:uuid:{namespace}", "value": stable_id}
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


def _shaped(namespace: uuid.UUID, resource, transaction: bool, stable_id: str, *values) -> dict:
    return _entry(namespace, stable_id, resource(*values), transaction)


def fhir_chunks(user: User, transaction: bool = False) -> Iterator[str]:
    """Yield a collection Bundle (or a transaction) as JSON text, piece by piece: the
    patient, one Observation per reading, then the medicines. Streaming keeps memory flat
    with years of readings. A transaction's references to the patient's urn:uuid are
    resolved by the server.
    """
    for pieces in bundle_pieces(user, (transaction,)):
        yield pieces[0]


def bundle_pieces(user: User, transactions: tuple[bool, ...]) -> Iterator[tuple[str, ...]]:
    """Yield the pieces of a Bundle of each kind (a transaction when True) side by side, as
    fhir_chunks() makes each: every entry is read, identified and timed once for all."""
    entries = _entry_pieces(user, transactions)
    # A thousand entries a piece (about a megabyte): fewer, larger writes.
    while batch := list(islice(entries, 1000)):
        yield tuple("".join(texts) for texts in zip(*batch, strict=True))


def _entry_pieces(user: User, transactions: tuple[bool, ...]) -> Iterator[tuple[str, ...]]:
    namespace = installation_id()
    ids = _StableIds(namespace)

    def entries(resource: Callable[..., dict]) -> Shapes:
        """Return what writes the entry of an id and resource(*values) for each kind."""
        builds = (partial(_shaped, namespace, resource, kind) for kind in transactions)
        return Shapes(*builds, before=",\n")

    def entry(stable_id: str, resource: dict) -> tuple[str, ...]:
        return tuple(
            json.dumps(_entry(namespace, stable_id, resource, kind), ensure_ascii=False)
            for kind in transactions
        )

    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    heads = [
        {
            "resourceType": "Bundle",
            "type": "transaction" if kind else "collection",
            "timestamp": stamp,
        }
        for kind in transactions
    ]
    patient_id = ids(f"patient:{user.id}")
    patient = entry(patient_id, {"resourceType": "Patient", "name": [{"text": user.username}]})
    yield tuple(
        json.dumps(head, ensure_ascii=False)[:-1] + ', "entry": [\n' + text
        for head, text in zip(heads, patient, strict=True)
    )
    subject = {"reference": f"urn:uuid:{patient_id}"}
    readings = db.session.execute(
        select(Reading.id, Reading.recorded_at, Reading.fold, Reading.pain, Reading.note)
        .where(Reading.user_id == user.id)
        .order_by(Reading.recorded_at, Reading.id)
        .execution_options(yield_per=1000)
    )

    def observation(moment: str, pain: int, note: str) -> dict:
        observed = {
            "resourceType": "Observation",
            "status": "final",
            "category": [{"coding": [SURVEY]}],
            "code": {"coding": [LOINC_PAIN], "text": "Pain severity (0-10)"},
            "subject": subject,
            "effectiveDateTime": moment,
            "valueInteger": pain,
        }
        if note:
            observed["note"] = [{"text": note}]
        return observed

    observed = entries(observation)
    # The fold picks the offset of an hour the clocks repeat (autumn).
    moment = Timestamps(ZoneInfo(user.timezone), timespec="seconds")
    key = f"reading:{user.id}:"
    for reading_id, recorded_at, fold, pain, note in readings:
        yield observed(ids(f"{key}{reading_id}"), moment(recorded_at, fold), pain, note)
    regimens = db.session.scalars(
        select(PreventiveRegimen)
        .where(PreventiveRegimen.user_id == user.id)
        .order_by(PreventiveRegimen.started_on, PreventiveRegimen.id)
    )
    for regimen in regimens:
        statement = _regimen_statement(regimen, subject["reference"])
        texts = entry(ids(f"preventive:{user.id}:{regimen.id}"), statement)
        yield tuple(",\n" + text for text in texts)
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

    def dose_taken(moment: str, name: str, atc: str | None, dose: str, note: str) -> dict:
        statement = {
            "resourceType": "MedicationStatement",
            "status": "completed",
            "medicationCodeableConcept": _medication(name, atc),
            "subject": subject,
            "effectiveDateTime": moment,
        }
        if dose:
            statement["dosage"] = [{"text": dose}]
        if note:
            statement["note"] = [{"text": note}]
        return statement

    taken = entries(dose_taken)
    # A diary names few medicines: each is looked up in the lists once.
    atc_codes: dict[str, str | None] = {}
    key = f"dose:{user.id}:"
    for dose_id, taken_at, fold, name, dose, note in doses:
        if name not in atc_codes:
            atc_codes[name] = reference.medicine_atc_code(name)
        stable_id = ids(f"{key}{dose_id}")
        yield taken(stable_id, moment(taken_at, fold), name, atc_codes[name], dose, note)
    yield tuple("\n]}\n" for _ in transactions)
