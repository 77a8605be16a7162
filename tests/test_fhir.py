"""The FHIR export's ids: the installation's own, the same in every export, with an identifier."""

import gzip
import json
import shutil
import uuid
from datetime import datetime
from pathlib import Path

import jsonschema_rs
import pytest
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import select

from diary.extensions import db
from diary.models import MedicationDose, Reading
from diary.services.medications import add_dose
from diary.services.readings import add_reading
from tests.conftest import build_app, make_user, sign_in, user_row
from tests.fhir_server import FhirServer, Refused

FHIR = "/export/pain-observations.fhir.json"


@pytest.fixture
def installations(tmp_path, monkeypatch, sqlite_template):
    """Make fresh installations, each with its own instance folder and SQLite file."""
    made = []

    def install(name: str):
        folder = tmp_path / name
        folder.mkdir(exist_ok=True)
        monkeypatch.setenv("DIARY_INSTANCE_PATH", str(folder / "instance"))
        database = folder / "diary.sqlite3"
        if not database.exists():
            shutil.copy(sqlite_template, database)
        made.append(build_app(database))
        return made[-1]

    yield install
    for app in made:
        with app.app_context():
            db.engine.dispose()


def first_account_with_readings(app) -> None:
    """Give the installation its first account, with two readings."""
    user_id = make_user(app, "alice")
    with app.app_context():
        for hour, pain in ((8, 6), (20, 3)):
            add_reading(user_row(user_id), recorded_at=datetime(2024, 3, 1, hour), pain=pain)
        db.session.commit()


def export(app) -> Bundle:
    """Download the first account's FHIR export, as its browser would."""
    client = app.test_client()
    sign_in(client, "alice")
    response = client.get(FHIR)
    assert response.status_code == 200
    return Bundle.model_validate_json(response.data)


def ids(bundle: Bundle) -> list[str]:
    return [entry.fullUrl for entry in bundle.entry]


def test_two_fresh_installations_give_their_first_patients_different_ids(installations):
    bundles = []
    for name in ("home", "clinic"):
        app = installations(name)
        first_account_with_readings(app)
        bundles.append(export(app))
    home, clinic = bundles
    assert [e.resource.__resource_type__ for e in home.entry] == ["Patient", *["Observation"] * 2]
    assert home.entry[0].fullUrl != clinic.entry[0].fullUrl
    assert not set(ids(home)) & set(ids(clinic))


def test_a_re_export_keeps_every_id_and_carries_the_installations_identifier(installations):
    app = installations("home")
    first_account_with_readings(app)
    kept = Path(app.instance_path) / "installation_id"
    assert not kept.exists()
    first = export(app)
    # The id is made on first need and kept, private, in the instance folder.
    assert oct(kept.stat().st_mode & 0o777) == "0o600"
    system = f"urn:uuid:{uuid.UUID(kept.read_text())}"
    for entry in first.entry:
        (identifier,) = entry.resource.identifier
        assert identifier.system == system
        assert f"urn:uuid:{identifier.value}" == entry.fullUrl
    # The same installation started again exports the same ids.
    again = export(installations("home"))
    assert ids(again) == ids(first)
    assert [e.resource.identifier for e in again.entry] == [
        e.resource.identifier for e in first.entry
    ]


TRANSACTION = "/export/pain-observations.transaction.fhir.json"


@pytest.fixture(scope="module")
def r4_schema():
    """The official FHIR R4 (4.0.1) JSON schema; see tests/data/fhir/README.md."""
    with gzip.open(Path(__file__).parent / "data/fhir/fhir.schema.json.gz") as file:
        return jsonschema_rs.Draft6Validator(json.load(file))


def test_the_transaction_bundle_is_valid_r4_and_a_second_upload_creates_nothing(
    app, client, alice, r4_schema
):
    with app.app_context():
        for hour, pain in ((8, 6), (20, 3)):
            add_reading(user_row(alice), recorded_at=datetime(2024, 3, 1, hour), pain=pain)
        db.session.commit()
    response = client.get(TRANSACTION)
    assert response.mimetype == "application/fhir+json"
    bundle = response.get_json()
    errors = [f"{e.instance_path}: {e.message}" for e in r4_schema.iter_errors(bundle)]
    assert errors == []
    assert bundle["type"] == "transaction"
    assert [entry["request"]["url"] for entry in bundle["entry"]] == [
        "Patient",
        *["Observation"] * 2,
    ]

    server = FhirServer()
    first = server.post(response.data)
    assert [e["response"]["status"] for e in first["entry"]] == ["201 Created"] * 3
    (patient_id,) = server.resources["Patient"]
    observations = server.resources["Observation"].values()
    assert {o["subject"]["reference"] for o in observations} == {f"Patient/{patient_id}"}

    # Exported again (a new timestamp) and uploaded again: every entry is found, none made.
    second = server.post(client.get(TRANSACTION).data)
    assert [e["response"]["status"] for e in second["entry"]] == ["200 OK"] * 3
    assert [len(server.resources[kind]) for kind in ("Patient", "Observation")] == [1, 2]
    # The collection export, by contrast, is not what POST [base] takes.
    with pytest.raises(Refused, match="transaction or batch"):
        server.post(client.get(FHIR).data)


def test_an_export_keeps_the_ids_of_earlier_versions_and_every_note_exactly(installations):
    """A FHIR server holding an earlier upload recognises each entry again: its id is uuid5
    of the installation's id and the entry, as every version wrote it. A note comes back
    exactly whatever it holds, and each entry is written as json.dumps writes it."""
    app = installations("home")
    user_id = make_user(app, "alice")
    notes = ['"quoted", \\ back', "two\nlines\t", "Kopfschmerz äö 😀", "<hole:0>", ""]
    with app.app_context():
        alice = user_row(user_id)
        for hour, note in enumerate(notes):
            add_reading(alice, recorded_at=datetime(2024, 3, 1, 8 + hour), pain=hour, note=note)
        add_dose(alice, taken_at=datetime(2024, 3, 1, 9), name="Sumatriptan", note=notes[0])
        add_dose(
            alice,
            taken_at=datetime(2024, 3, 2, 9),
            name='Tea "herbal"',
            dose="1 cup",
            med_class="other",
        )
        db.session.commit()
        readings = [f"reading:{user_id}:{n}" for n in db.session.scalars(select(Reading.id))]
        doses = [f"dose:{user_id}:{n}" for n in db.session.scalars(select(MedicationDose.id))]
    client = app.test_client()
    sign_in(client, "alice")
    for path in (FHIR, TRANSACTION):
        text = client.get(path).get_data(as_text=True)
        namespace = uuid.UUID((Path(app.instance_path) / "installation_id").read_text())
        entries = json.loads(text)["entry"]
        keys = [f"patient:{user_id}", *readings, *doses]
        assert [e["fullUrl"] for e in entries] == [
            f"urn:uuid:{uuid.uuid5(namespace, k)}" for k in keys
        ]
        assert [e["resource"].get("note", [{"text": ""}])[0]["text"] for e in entries[1:6]] == notes
        assert entries[-1]["resource"]["medicationCodeableConcept"] == {"text": 'Tea "herbal"'}
        for line in text.splitlines()[1:-1]:
            entry = line.removesuffix(",")
            assert json.dumps(json.loads(entry), ensure_ascii=False) == entry
