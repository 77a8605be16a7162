"""The sync endpoints the offline queue sends to: exactly once, at the original time."""

from sqlalchemy import func, select

from diary.extensions import db
from diary.models import Reading, SideEffectReport


def test_a_resent_reading_is_stored_once_at_its_original_local_time(app, client, alice):
    body = {"client_key": "0f8b7a3c-offline-1", "at": "2024-03-01T13:45:10Z", "pain": 6}
    first = client.post("/sync/readings", json=body)
    again = client.post("/sync/readings", json=body)
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.get_json() == again.get_json()
    assert first.get_json()["recorded_at"] == "2024-03-01T13:45"  # Europe/London in winter
    with app.app_context():
        assert db.session.scalar(select(func.count(Reading.id))) == 1


def test_sync_refuses_bad_items_with_a_reason(client, alice):
    cases = [
        ({"client_key": "k", "at": "2024-03-01T13:45:00Z", "pain": 6}, "client_key"),
        ({"client_key": "key-12345", "at": "2024-03-01T13:45:00", "pain": 6}, "UTC offset"),
        ({"client_key": "key-12345", "at": "2999-01-01T00:00:00Z", "pain": 6}, "future"),
        (
            {"client_key": "key-12345", "at": "2024-03-01T13:45:00Z", "pain": 12},
            "Pain must be from 0 to 10",
        ),
        ({"client_key": "key-12345", "at": "2024-03-01T13:45:00Z", "pain": "6"}, "whole number"),
    ]
    for body, message in cases:
        response = client.post("/sync/readings", json=body)
        assert response.status_code == 422
        assert message in response.get_json()["error"]["message"]
    bad = client.post(
        "/sync/side-effects",
        json={
            "client_key": "key-12345",
            "at": "2024-03-01T13:45:00Z",
            "effect": "x",
            "severity": "mild",
        },
    )
    assert bad.status_code == 422


def test_side_effects_sync_once(app, client, alice):
    body = {
        "client_key": "se-offline-1",
        "at": "2024-03-01T20:00:00+01:00",
        "effect": "nausea",
        "severity": "mild",
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
    sent = {"at": "2024-03-02T20:00:00Z", "severity": "mild"}
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
