"""The sync endpoints the offline queue sends to: exactly once, at the original time."""

from sqlalchemy import func, select

from diary.extensions import db
from diary.models import Reading, SideEffectReport


def test_a_resent_reading_is_stored_once_at_its_original_local_time(app, client, alice):
    body = {
        "client_key": "0f8b7a3c-offline-1",
        "at": "2024-03-01T13:45:10Z",
        "pain": 6,
        "user_id": alice,
    }
    first = client.post("/sync/readings", json=body)
    again = client.post("/sync/readings", json=body)
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.get_json() == again.get_json()
    assert first.get_json()["recorded_at"] == "2024-03-01T13:45"  # Europe/London in winter
    with app.app_context():
        assert db.session.scalar(select(func.count(Reading.id))) == 1


def test_sync_refuses_bad_items_with_a_reason(client, alice):
    cases = [
        ({"client_key": "k" * 65, "at": "2024-03-01T13:45:00Z", "pain": 6}, "up to 64"),
        ({"at": "2024-03-01T13:45:00Z", "pain": 6}, "carries its idempotency key"),
        ({"client_key": "key-12345", "at": "2999-01-01T00:00:00Z", "pain": 6}, "future"),
        ({"client_key": "key-12345", "at": "2026-03-29T01:30", "pain": 6}, "did not happen"),
        (
            {"client_key": "key-12345", "at": "2024-03-01T13:45:00Z", "pain": 12},
            "Pain must be from 0 to 10",
        ),
        ({"client_key": "key-12345", "at": "2024-03-01T13:45:00Z", "pain": "six"}, "whole number"),
    ]
    for body, message in cases:
        response = client.post("/sync/readings", json=body | {"user_id": alice})
        assert response.status_code == 422
        assert message in response.get_json()["error"]["message"]
    bad = client.post(
        "/sync/side-effects",
        json={
            "client_key": "key-12345",
            "at": "2024-03-01T13:45:00Z",
            "effect": "x",
            "severity": "mild",
            "user_id": alice,
        },
    )
    assert bad.status_code == 422


def test_side_effects_sync_once(app, client, alice):
    body = {
        "client_key": "se-offline-1",
        "at": "2024-03-01T20:00:00+01:00",
        "effect": "nausea",
        "severity": "mild",
        "user_id": alice,
    }
    assert client.post("/sync/side-effects", json=body).status_code == 201
    assert client.post("/sync/side-effects", json=body).status_code == 201
    with app.app_context():
        assert db.session.scalar(select(func.count(SideEffectReport.id))) == 1


def test_the_offline_page_and_worker_hold_no_diary_data(client, alice):
    client.post(
        "/readings/new",
        data={"day": "2024-03-01", "time": "08:00", "pain": "6", "note": "secret note"},
    )
    page = client.get("/offline").get_data(as_text=True)
    assert "secret note" not in page and "alice" not in page
    worker = client.get("/sw.js")
    body = worker.get_data(as_text=True)
    worker.close()
    assert worker.mimetype in ("text/javascript", "application/javascript")
    assert "diary-shell" in body


def test_a_synced_seizure_or_severe_effect_comes_back_with_the_safety_message(client, alice):
    token = client.get("/sync/token").get_json()["csrf_token"]
    headers = {"X-CSRFToken": token}
    sent = {"at": "2024-03-02T20:00:00Z", "severity": "mild", "user_id": alice}
    calm = client.post(
        "/sync/side-effects",
        json=sent | {"client_key": "k-nausea-1", "effect": "nausea"},
        headers=headers,
    )
    assert calm.status_code == 201 and "safety" not in calm.get_json()
    seizure = client.post(
        "/sync/side-effects",
        json=sent | {"client_key": "k-seizure-1", "effect": "seizures"},
        headers=headers,
    ).get_json()
    assert seizure["safety"]["message"].startswith("If this is happening now")
    assert seizure["safety"]["sources"][0]["id"] == "002"
    severe = client.post(
        "/sync/side-effects",
        json=sent | {"client_key": "k-severe-1", "effect": "nausea", "severity": "severe"},
        headers=headers,
    ).get_json()
    assert severe["safety"]["message"].startswith("You recorded a severe side effect.")


def test_an_item_queued_by_another_member_is_refused_and_kept_for_them(app, client, alice, bob):
    token = client.get("/sync/token").get_json()
    assert token["user_id"] == alice
    body = {"client_key": "queued-by-bob-1", "at": "2024-03-01T13:45:00Z", "pain": 7}
    response = client.post("/sync/readings", json=body | {"user_id": bob})
    assert response.status_code == 409
    assert "another household member" in response.get_json()["error"]["message"]
    with app.app_context():
        assert db.session.scalar(select(func.count(Reading.id))) == 0


def test_the_second_pass_through_a_repeated_hour_stays_an_hour_later(app, client, alice):
    """Two offline readings in the hour the clocks repeat keep their order and their offsets."""
    sent = {"pain": 5, "user_id": alice}
    first = client.post(
        "/sync/readings", json=sent | {"client_key": "fold-0", "at": "2024-10-27T00:30:00Z"}
    )
    second = client.post(
        "/sync/readings", json=sent | {"client_key": "fold-1", "at": "2024-10-27T01:30:00Z"}
    )
    # Europe/London: both are 01:30 on the wall clock, BST then GMT.
    assert first.get_json()["recorded_at"] == second.get_json()["recorded_at"] == "2024-10-27T01:30"
    fhir = client.get("/export/pain-observations.fhir.json").get_json()
    times = [e["resource"].get("effectiveDateTime") for e in fhir["entry"][1:]]
    assert times == ["2024-10-27T01:30:00+01:00", "2024-10-27T01:30:00+00:00"]


def test_the_queue_without_a_sign_in_gets_a_401_and_no_cookie_that_could_replace_a_forms(
    app, alice
):
    # A redirect to the sign-in form would flash into a fresh session cookie, and the queue
    # asks while the sign-in form loads: that cookie would replace the form's CSRF token.
    body = {"client_key": "signed-out-1", "at": "2024-03-01T13:45:00Z", "pain": 6, "user_id": alice}
    client = app.test_client()
    for response in (client.get("/sync/token"), client.post("/sync/readings", json=body)):
        assert response.status_code == 401
        assert response.get_json()["error"]["message"] == "Sign in to send what is waiting."
        assert "Set-Cookie" not in response.headers
    with app.app_context():
        assert db.session.scalar(select(func.count(Reading.id))) == 0
