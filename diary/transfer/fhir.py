"""A FHIR R4 Bundle with one Observation per pain reading: a collection to read, and the
same resources as a transaction that a FHIR server takes at POST [base]."""

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from diary.clock import format_timestamp
from diary.config import installation_id
from diary.extensions import db
from diary.models import Reading, User

FILENAME = "pain-observations.fhir.json"
TRANSACTION_FILENAME = "pain-observations.transaction.fhir.json"
LOINC_PAIN = {
    "system": "http://loinc.org",
    "code": "72514-3",
    "display": "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
}
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


def fhir_chunks(user: User, transaction: bool = False) -> Iterator[str]:
    """Yield a collection Bundle (or a transaction) as JSON text, piece by piece: the
    patient, then one Observation per reading. Streaming keeps memory flat with years of
    readings. A transaction's references to the patient's urn:uuid are resolved by the server.
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
    yield "\n]}\n"
