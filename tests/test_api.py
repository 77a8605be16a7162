"""The token API: auth, CRUD, validation naming the field, idempotency, isolation, OpenAPI."""

import re
from datetime import datetime

import jsonschema_rs
import pytest
from sqlalchemy import func, select

from diary.api.resources import COLLECTIONS
from diary.extensions import db
from diary.models import MedicationDose, Reading, SideEffectReport
from diary.services.tokens import create_token
from tests.conftest import user_row


def token_for(app, user_id: int) -> dict:
    with app.app_context():
        _, secret = create_token(user_row(user_id), "test")
        db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def auth(app, alice):
    return token_for(app, alice)


def test_pain_6_now_in_one_request(app, client, auth):
    response = client.post("/api/v1/readings", json={"pain": 6}, headers=auth)
    assert response.status_code == 201
    body = response.get_json()
    assert body["pain"] == 6 and body["note"] == "" and isinstance(body["id"], int)
    # Now, to the minute, with the offset of the account's zone (London).
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d[+-]\d\d:\d\d", body["recorded_at"])
    assert client.get(f"/api/v1/readings/{body['id']}", headers=auth).get_json() == body


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer nope"},
        {"Authorization": "Basic YWxpY2U6eA=="},
        {"Authorization": "Bearer"},
    ],
)
def test_no_token_or_a_wrong_one_is_401(client, alice, headers):
    response = client.post("/api/v1/readings", json={"pain": 6}, headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.get_json()["error"]["message"].startswith("A valid API token is required")


def test_a_signed_in_browser_session_is_not_enough(client, alice):
    assert client.get("/api/v1/readings").status_code == 401


@pytest.mark.parametrize(
    ("collection", "body", "field", "message"),
    [
        ("readings", {}, "pain", "pain is required."),
        ("readings", {"pain": 11}, "pain", "Pain must be from 0 to 10, not 11."),
        (
            "readings",
            {"pain": "six"},
            "pain",
            "Pain must be a whole number from 0 to 10, not 'six'.",
        ),
        ("readings", {"pain": True}, "pain", "Pain must be a whole number from 0 to 10, not true."),
        ("readings", {"pain": None}, "pain", "pain cannot be null."),
        (
            "readings",
            {"pain": 6, "recorded_at": "2024-02-30T08:00"},
            "recorded_at",
            "is not a real date",
        ),
        (
            "readings",
            {"pain": 6, "recorded_at": "2099-01-01T08:00"},
            "recorded_at",
            "is in the future",
        ),
        ("readings", {"pain": 6, "mood": "low"}, "mood", "'mood' is not a field here."),
        (
            "readings",
            {"pain": 6, "note": "x" * 10_001},
            "note",
            "Note can be up to 10,000 characters; this one has 10,001.",
        ),
        (
            "side-effects",
            {"effect": "headache", "severity": "mild"},
            "effect",
            "'headache' is not a side-effect code; use one of",
        ),
        (
            "side-effects",
            {"effect": "nausea", "severity": "awful"},
            "severity",
            "'awful' is not a severity; use one of: mild, moderate, severe.",
        ),
        (
            "side-effects",
            {"effect": "other", "severity": "mild"},
            "note",
            "Describe the side effect in the note when you choose 'other'.",
        ),
        ("medications", {"name": " ", "class": "triptan"}, "name", "Give the medicine name."),
        (
            "medications",
            {"name": "x", "class": "vitamin"},
            "class",
            "'vitamin' is not a medication class; use one of",
        ),
    ],
)
def test_bad_input_is_422_naming_the_field_and_stores_nothing(
    app, client, auth, collection, body, field, message
):
    response = client.post(f"/api/v1/{collection}", json=body, headers=auth)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["field"] == field
    assert message in error["message"]
    with app.app_context():
        for model in (Reading, SideEffectReport, MedicationDose):
            assert db.session.scalar(select(func.count()).select_from(model)) == 0


@pytest.mark.parametrize("body", ["not json", "[1, 2]", "6"])
def test_a_body_that_is_not_an_object_is_refused(client, auth, body):
    response = client.post(
        "/api/v1/readings", data=body, headers=auth | {"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["message"] == "The body must be a JSON object."


def test_a_retry_with_the_same_idempotency_key_stores_once(app, client, auth):
    headers = auth | {"Idempotency-Key": "shortcut-2024-03-01T08:00"}
    first = client.post("/api/v1/readings", json={"pain": 4}, headers=headers)
    second = client.post("/api/v1/readings", json={"pain": 4}, headers=headers)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.get_json() == second.get_json()
    with app.app_context():
        assert db.session.scalar(select(func.count(Reading.id))) == 1


def test_patch_and_delete_each_collection(app, client, auth):
    made = {
        "readings": {"pain": 5, "recorded_at": "2024-03-01T08:00"},
        "side-effects": {"effect": "nausea", "severity": "mild", "recorded_at": "2024-03-01T20:00"},
        "medications": {
            "name": "sumatriptan",
            "dose": "50 mg",
            "class": "triptan",
            "taken_at": "2024-03-01T09:00",
        },
    }
    changes = {
        "readings": {"pain": 3},
        "side-effects": {"severity": "severe"},
        "medications": {"dose": "100 mg"},
    }
    for collection, body in made.items():
        item = client.post(f"/api/v1/{collection}", json=body, headers=auth).get_json()
        patched = client.patch(
            f"/api/v1/{collection}/{item['id']}", json=changes[collection], headers=auth
        )
        assert patched.status_code == 200
        body = patched.get_json()
        if collection == "side-effects":
            # A report made severe now carries the calm safety message too.
            assert body.pop("safety")["message"].startswith("You recorded a severe side effect.")
        assert body == item | changes[collection]
        bad = client.patch(f"/api/v1/{collection}/{item['id']}", json={"note": 5}, headers=auth)
        assert bad.status_code == 422 and bad.get_json()["error"]["field"] == "note"
        listed = client.get(f"/api/v1/{collection}", headers=auth).get_json()["items"]
        assert [i["id"] for i in listed] == [item["id"]]
        assert client.delete(f"/api/v1/{collection}/{item['id']}", headers=auth).status_code == 204
        assert client.get(f"/api/v1/{collection}/{item['id']}", headers=auth).status_code == 404


def test_another_users_objects_are_404_through_the_api(app, client, auth, bob):
    bobs = token_for(app, bob)
    mine = client.post(
        "/api/v1/readings", json={"pain": 7, "note": "private"}, headers=auth
    ).get_json()
    assert client.get(f"/api/v1/readings/{mine['id']}", headers=bobs).status_code == 404
    assert (
        client.patch(f"/api/v1/readings/{mine['id']}", json={"pain": 1}, headers=bobs).status_code
        == 404
    )
    assert client.delete(f"/api/v1/readings/{mine['id']}", headers=bobs).status_code == 404
    assert client.get("/api/v1/readings", headers=bobs).get_json() == {"items": []}
    assert client.get(f"/api/v1/readings/{mine['id']}", headers=auth).get_json()["pain"] == 7


def test_reminders_are_listed(app, client, auth):
    client.post(
        "/treatments/new",
        data={"kind": "ketamine_nasal", "started_on": "2024-01-01", "ended_on": "2024-01-10"},
    )
    items = client.get("/api/v1/reminders", headers=auth).get_json()["items"]
    assert [(i["kind"], i["due_on"], i["status"]) for i in items] == [
        ("follow_up", "2024-01-24", "overdue")
    ]


def test_list_paging_limits_are_checked(client, auth):
    assert client.get("/api/v1/readings?limit=0", headers=auth).status_code == 422
    assert client.get("/api/v1/readings?limit=5000", headers=auth).status_code == 422


def test_revoked_tokens_stop_working_and_cli_prints_a_working_token(app, client, runner, alice):
    result = runner.invoke(args=["token", "create", "--user", "alice", "--name", "iPhone"])
    assert result.exit_code == 0
    secret = result.stdout.strip()
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/readings", headers=headers).status_code == 200
    listing = runner.invoke(args=["token", "list", "--user", "alice"]).output
    assert "iPhone" in listing and secret not in listing
    token_id = listing.split("\t")[0]
    page = client.get("/account").get_data(as_text=True)
    assert "iPhone" in page and secret not in page
    client.post(f"/account/tokens/{token_id}/revoke")
    assert client.get("/api/v1/readings", headers=headers).status_code == 401


def test_settings_page_shows_a_new_token_once(app, client, alice):
    page = client.post("/account/tokens", data={"name": "Home Assistant"}).get_data(as_text=True)
    assert "it is shown only once" in page
    secret = re.search(r'id="new-token" type="text" readonly value="([^"]+)"', page).group(1)
    later = client.get("/account").get_data(as_text=True)
    assert "Home Assistant" in later  # listed by its name...
    assert secret not in later and "it is shown only once" not in later  # ...never shown again


def test_openapi_document_lists_exactly_the_routes_of_the_api(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"] == "3.1.0"
    documented = {
        (path, method.upper())
        for path, operations in document["paths"].items()
        for method in operations
        if method != "parameters"
    }
    served = set()
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api.") or rule.endpoint == "api.openapi":
            continue
        path = rule.rule.removeprefix("/api/v1").replace("<int:object_id>", "{id}")
        path = path.replace("<day>", "{day}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if "<any(" in path:
                for collection in COLLECTIONS:
                    served.add(("/" + collection + path.split(">", 1)[1], method))
            else:
                served.add((path, method))
    assert documented == served


def test_a_seizure_posted_to_the_api_comes_back_with_the_safety_message(app, client, alice):
    headers = token_for(app, alice)
    calm = client.post(
        "/api/v1/side-effects", json={"effect": "nausea", "severity": "mild"}, headers=headers
    )
    assert calm.status_code == 201 and "safety" not in calm.get_json()
    urgent = client.post(
        "/api/v1/side-effects", json={"effect": "seizures", "severity": "mild"}, headers=headers
    ).get_json()
    assert urgent["safety"]["message"].startswith("If this is happening now")
    assert [s["id"] for s in urgent["safety"]["sources"]] == ["002", "004"]
    # Reading it back later carries the same message.
    again = client.get(f"/api/v1/side-effects/{urgent['id']}", headers=headers).get_json()
    assert again["safety"] == urgent["safety"]


def test_idempotency_keys_are_never_cut_short_or_reused_for_another_item(app, client, alice):
    headers = token_for(app, alice)
    body = {"pain": 5, "recorded_at": "2024-03-01T08:00"}
    long_key = {"Idempotency-Key": "k" * 65}
    refused = client.post("/api/v1/readings", json=body, headers=headers | long_key)
    assert refused.status_code == 422
    assert refused.get_json()["error"]["field"] == "Idempotency-Key"
    key = {"Idempotency-Key": "k" * 64}
    first = client.post("/api/v1/readings", json=body, headers=headers | key)
    again = client.post("/api/v1/readings", json=body, headers=headers | key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json() == first.get_json()
    other = client.post("/api/v1/readings", json=body | {"pain": 6}, headers=headers | key)
    assert other.status_code == 422
    assert "already used for a different entry" in other.get_json()["error"]["message"]
    with app.app_context():
        assert db.session.scalar(select(func.count(Reading.id))) == 1


def test_small_inputs_that_used_to_answer_500(app, client, alice):
    headers = token_for(app, alice)
    # A superscript two passes str.isdigit() and then fails int().
    assert client.get("/api/v1/readings?limit=²", headers=headers).status_code == 422
    nested = "[" * 100_000 + "]" * 100_000
    deep = client.post(
        "/api/v1/readings",
        data=nested,
        headers=headers | {"Content-Type": "application/json"},
    )
    assert deep.status_code == 400 and deep.is_json
    made = client.post("/api/v1/readings", json={"pain": 2}, headers=headers).get_json()
    gone = client.delete(f"/api/v1/readings/{made['id']}", headers=headers)
    assert gone.status_code == 204 and "Content-Type" not in gone.headers
    listed = client.get("/api/v1/readings", headers=headers)
    assert listed.headers["Cache-Control"] == "no-store"


def test_sync_refuses_an_effect_that_is_not_a_code(client, alice):
    token = client.get("/sync/token")
    assert token.headers["Cache-Control"] == "no-store"
    response = client.post(
        "/sync/side-effects",
        json={
            "client_key": "k-list-0001",
            "at": "2024-03-02T20:00:00Z",
            "effect": [],
            "severity": "mild",
            "user_id": alice,
        },
        headers={"X-CSRFToken": token.get_json()["csrf_token"]},
    )
    assert response.status_code == 422
    assert "is not a side-effect code" in response.get_json()["error"]["message"]


def test_a_nul_character_in_a_query_is_a_documented_400(app, client, alice):
    headers = token_for(app, alice)
    response = client.get("/api/v1/readings?offset=%00", headers=headers)
    assert response.status_code == 400
    assert response.get_json()["error"]["message"] == "Text cannot contain the NUL character (\\0)."
    document = client.get("/api/v1/openapi.json").get_json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method != "parameters":
                assert "400" in operation["responses"], (method, path)


def set_zone(app, user_id: int, zone: str) -> None:
    with app.app_context():
        user_row(user_id).timezone = zone
        db.session.commit()


def fhir_times(client) -> list[str]:
    """Return the times of the signed-in user's FHIR export, one per reading."""
    bundle = client.get("/export/pain-observations.fhir.json").get_json()
    return [entry["resource"]["effectiveDateTime"] for entry in bundle["entry"][1:]]


# Berlin's clocks went back at 03:00 CEST (01:00 UTC) on 25 October 2026: 02:30 came twice.
REPEATED_HOUR = {
    "first 02:30": ("2026-10-25T00:30:00Z", "+02:00", False),
    "second 02:30": ("2026-10-25T01:30:00Z", "+01:00", True),
}


@pytest.mark.parametrize(("sent", "offset", "fold"), REPEATED_HOUR.values(), ids=REPEATED_HOUR)
def test_a_reading_in_the_repeated_autumn_hour_is_unchanged_by_get_then_patch(
    app, client, auth, alice, sent, offset, fold
):
    set_zone(app, alice, "Europe/Berlin")
    made = client.post("/api/v1/readings", json={"recorded_at": sent, "pain": 5}, headers=auth)
    url = f"/api/v1/readings/{made.get_json()['id']}"
    read = client.get(url, headers=auth).get_json()
    assert read["recorded_at"] == f"2026-10-25T02:30{offset}"
    fhir_before = fhir_times(client)
    # A client sends back what it read, as an edit form would.
    patched = client.patch(url, json={k: v for k, v in read.items() if k != "id"}, headers=auth)
    assert patched.status_code == 200 and patched.get_json() == read
    assert client.get(url, headers=auth).get_json() == read
    assert fhir_times(client) == fhir_before == [f"2026-10-25T02:30:00{offset}"]
    with app.app_context():
        row = db.session.get(Reading, read["id"])
        assert (row.recorded_at, row.fold) == (datetime(2026, 10, 25, 2, 30), fold)


def texts(value) -> list[str]:
    """Return every string in a JSON value, however deep."""
    if isinstance(value, dict):
        return [text for item in value.values() for text in texts(item)]
    if isinstance(value, list):
        return [text for item in value for text in texts(item)]
    return [value] if isinstance(value, str) else []


def test_every_time_in_every_api_answer_carries_its_utc_offset(client, auth):
    made = {
        "readings": {"pain": 5},
        "side-effects": {"effect": "nausea", "severity": "mild"},
        "medications": {"name": "sumatriptan", "class": "triptan"},
    }
    # London: winter, summer sent in UTC, and the second 01:30 of 27 October 2024.
    sent = ["2024-03-01T08:00", "2024-07-01T06:00:00Z", "2024-10-27T01:30+00:00"]
    answers = []
    for collection, body in made.items():
        time = "taken_at" if collection == "medications" else "recorded_at"
        for when in sent:
            item = client.post(f"/api/v1/{collection}", json=body | {time: when}, headers=auth)
            url = f"/api/v1/{collection}/{item.get_json()['id']}"
            answers += [item, client.get(url, headers=auth)]
            answers.append(client.patch(url, json={"note": "edited"}, headers=auth))
        listed = client.get(f"/api/v1/{collection}", headers=auth)
        assert [i[time] for i in listed.get_json()["items"]] == [
            "2024-10-27T01:30+00:00",
            "2024-07-01T07:00+01:00",
            "2024-03-01T08:00+00:00",
        ]
        answers.append(listed)
    answers.append(client.get("/api/v1/reminders", headers=auth))
    times = [t for a in answers for t in texts(a.get_json()) if re.match(r"\d{4}-\d\d-\d\dT", t)]
    assert len(times) == 3 * (3 * 3 + 3)
    assert all(re.fullmatch(r".+T\d\d:\d\d[+-]\d\d:\d\d", t) for t in times)
    # The document says so: an answer's time without its offset does not match.
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    for name, time in (("Reading", "recorded_at"), ("SideEffect", "recorded_at")):
        pattern = schemas[name]["properties"][time]["pattern"]
        assert re.search(pattern, "2026-10-25T02:30+01:00")
        assert not re.search(pattern, "2026-10-25T02:30")
    assert schemas["Medication"]["properties"]["taken_at"]["pattern"] == pattern


def test_an_offset_with_seconds_goes_back_and_forth_unchanged(app, client, auth, alice):
    """Amsterdam's clocks ran 19 minutes 32 seconds ahead of UTC until 1937."""
    set_zone(app, alice, "Europe/Amsterdam")
    made = client.post(
        "/api/v1/readings", json={"recorded_at": "1930-01-01T08:00", "pain": 4}, headers=auth
    ).get_json()
    assert made["recorded_at"] == "1930-01-01T08:00+00:19:32"
    url = f"/api/v1/readings/{made['id']}"
    patched = client.patch(url, json={"recorded_at": made["recorded_at"]}, headers=auth)
    assert patched.status_code == 200 and patched.get_json() == made


def test_a_number_in_quotes_is_refused_as_problem_details_and_3_0_is_3(app, client, auth):
    response = client.post("/api/v1/readings", json={"pain": "3"}, headers=auth)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    message = "Pain must be a whole number from 0 to 10, not '3'."
    assert response.get_json() == {
        "type": "about:blank",
        "title": "Unprocessable Entity",
        "status": 422,
        "detail": message,
        "errors": {"pain": message},
        "error": {"field": "pain", "message": message},
    }
    stored = client.post("/api/v1/readings", json={"pain": 3.0}, headers=auth)
    assert stored.status_code == 201 and stored.get_json()["pain"] == 3
    with app.app_context():
        assert db.session.scalar(select(func.count(Reading.id))) == 1


@pytest.mark.parametrize("seconds", ["17", "00.5"])
def test_a_time_with_seconds_is_refused_with_the_csv_import_s_message(client, auth, seconds):
    moment = f"2024-03-01T08:30:{seconds}+01:00"
    response = client.post(
        "/api/v1/readings", json={"pain": 3, "recorded_at": moment}, headers=auth
    )
    assert response.status_code == 422
    assert response.get_json()["errors"] == {
        "recorded_at": f"Time '{moment}' has seconds (:{seconds}); the diary keeps times to"
        " the minute: write :00 or leave the seconds out."
    }
    whole = {"pain": 3, "recorded_at": "2024-03-01T08:30:00+01:00"}
    assert client.post("/api/v1/readings", json=whole, headers=auth).status_code == 201


def body_errors(client, name: str, body: dict) -> list[str]:
    """Return what the OpenAPI document's schema says is wrong with a request body."""
    document = client.get("/api/v1/openapi.json").get_json()
    schema = document["components"]["schemas"][name] | {"components": document["components"]}
    validator = jsonschema_rs.Draft202012Validator(schema)
    return [error.message for error in validator.iter_errors(body)]


@pytest.mark.parametrize(
    "moment", ["2024-64-01T08:30", "2024-03-01T68:30", "2024-03-01T08:30:17", "1899-03-01T08:30"]
)
def test_the_schema_admits_only_real_times_to_the_minute(client, auth, moment):
    body = {"pain": 3, "recorded_at": moment}
    assert body_errors(client, "ReadingBody", body)
    assert client.post("/api/v1/readings", json=body, headers=auth).status_code == 422
    real = {"pain": 3, "recorded_at": "2024-03-01T08:30"}
    assert body_errors(client, "ReadingBody", real) == []


def test_the_schema_and_the_server_both_want_a_note_for_other(client, auth):
    body = {"effect": "other", "severity": "mild"}
    assert body_errors(client, "SideEffectBody", body)
    assert body_errors(client, "SideEffectBody", body | {"note": "  "})
    assert body_errors(client, "SideEffectBody", body | {"note": "tingling"}) == []
    assert client.post("/api/v1/side-effects", json=body, headers=auth).status_code == 422
    assert body_errors(client, "ReadingBody", {"pain": "3"})
