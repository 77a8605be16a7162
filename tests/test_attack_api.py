"""Attacks and day marks through the token API: one request to start or stop, details later."""

from sqlalchemy import func, select

from diary.extensions import db
from diary.models import Attack
from tests.test_api import token_for


def test_an_attack_starts_with_one_request_and_stops_with_another(app, client, alice):
    auth = token_for(app, alice)
    started = client.post("/api/v1/attacks", json={}, headers=auth)
    assert started.status_code == 201
    item = started.get_json()
    assert item["ended_at"] is None and item["started_at"][16:] in ("+00:00", "+01:00")
    # Nothing was answered: not answered is null, never false.
    assert [item[name] for name in ("side", "nausea", "peak_pain", "aura_minutes")] == [None] * 4
    assert (item["aura"], item["triggers"], item["note"]) == ([], [], "")
    again = client.post("/api/v1/attacks", json={}, headers=auth)
    assert again.status_code == 422
    assert again.get_json()["error"]["field"] == "ended_at"
    assert "An attack is already running since" in again.get_json()["error"]["message"]
    stopped = client.patch(
        f"/api/v1/attacks/{item['id']}", json={"ended_at": item["started_at"]}, headers=auth
    )
    assert stopped.status_code == 200
    assert stopped.get_json()["ended_at"] == item["started_at"]


def test_details_added_later_and_an_answer_taken_back_to_not_answered(app, client, alice):
    auth = token_for(app, alice)
    body = {"started_at": "2024-03-01T08:00", "ended_at": "2024-03-01T20:00"}
    item = client.post("/api/v1/attacks", json=body, headers=auth).get_json()
    details = {
        "side": "left",
        "nausea": True,
        "light_sensitivity": False,
        "aura": ["speech", "visual"],
        "aura_minutes": 20,
        "triggers": ["Stress", "Red wine"],
        "peak_pain": 7,
    }
    changed = client.patch(f"/api/v1/attacks/{item['id']}", json=details, headers=auth)
    assert changed.status_code == 200
    shown = changed.get_json()
    assert shown["aura"] == ["visual", "speech"] and shown["triggers"] == ["stress", "Red wine"]
    assert (shown["nausea"], shown["light_sensitivity"], shown["vomiting"]) == (True, False, None)
    back = client.patch(f"/api/v1/attacks/{item['id']}", json={"nausea": None}, headers=auth)
    assert back.get_json()["nausea"] is None
    listed = client.get("/api/v1/attacks", headers=auth).get_json()["items"]
    assert listed == [back.get_json()]


def test_a_bad_attack_is_422_naming_the_field_and_stores_nothing(app, client, alice):
    auth = token_for(app, alice)
    for body, field in [
        ({"side": "middle"}, "side"),
        ({"nausea": "yes"}, "nausea"),
        ({"started_at": "2024-03-01T08:00", "ended_at": "2024-03-01T07:00"}, "ended_at"),
        ({"aura_minutes": 20}, "aura_minutes"),
        ({"triggers": ["wine; cheese"]}, "triggers"),
        ({"pain": 5}, "pain"),
        ({"note": None}, "note"),
    ]:
        response = client.post("/api/v1/attacks", json=body, headers=auth)
        assert response.status_code == 422, body
        assert response.get_json()["error"]["field"] == field, body
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Attack)) == 0


def test_days_are_marked_and_unmarked_and_listed(app, client, alice):
    auth = token_for(app, alice)
    marked = client.put("/api/v1/day-marks/2024-03-04", json={"headache_free": True}, headers=auth)
    assert marked.get_json() == {"day": "2024-03-04", "headache_free": True, "period": False}
    client.put("/api/v1/day-marks/2024-03-05", json={"period": True}, headers=auth)
    listed = client.get("/api/v1/day-marks", headers=auth).get_json()["items"]
    assert [d["day"] for d in listed] == ["2024-03-05", "2024-03-04"]
    cleared = client.put("/api/v1/day-marks/2024-03-05", json={"period": False}, headers=auth)
    assert cleared.get_json() == {"day": "2024-03-05", "headache_free": False, "period": False}
    assert len(client.get("/api/v1/day-marks", headers=auth).get_json()["items"]) == 1
    future = client.put("/api/v1/day-marks/2999-01-01", json={"period": True}, headers=auth)
    assert future.status_code == 422 and future.get_json()["error"]["field"] == "day"
    moment = client.put("/api/v1/day-marks/2024-03-06T08:00", json={"period": True}, headers=auth)
    assert moment.status_code == 422 and moment.get_json()["error"]["field"] == "day"
    wrong = client.put("/api/v1/day-marks/2024-03-06", json={"period": "yes"}, headers=auth)
    assert wrong.status_code == 422 and wrong.get_json()["error"]["field"] == "period"


def test_another_users_attacks_and_days_are_not_seen(app, client, alice, bob):
    auth, bobs = token_for(app, alice), token_for(app, bob)
    item = client.post("/api/v1/attacks", json={"note": "mine"}, headers=auth).get_json()
    client.put("/api/v1/day-marks/2024-03-04", json={"headache_free": True}, headers=auth)
    assert client.get(f"/api/v1/attacks/{item['id']}", headers=bobs).status_code == 404
    patch = client.patch(f"/api/v1/attacks/{item['id']}", json={"note": "x"}, headers=bobs)
    assert patch.status_code == 404
    assert client.get("/api/v1/attacks", headers=bobs).get_json() == {"items": []}
    assert client.get("/api/v1/day-marks", headers=bobs).get_json() == {"items": []}


def test_the_openapi_document_describes_attacks_and_day_marks(client):
    document = client.get("/api/v1/openapi.json").get_json()
    shapes = document["components"]["schemas"]
    assert shapes["AttackBody"]["properties"]["nausea"]["type"] == ["boolean", "null"]
    assert shapes["Attack"]["properties"]["aura"]["items"]["enum"] == [
        "visual",
        "sensory",
        "speech",
        "motor",
    ]
    assert "put" in document["paths"]["/day-marks/{day}"]
    assert "patch" in document["paths"]["/attacks/{id}"]
