"""Walk every route as a second user: the first user's objects are never found (404)."""

import re
from datetime import date

import pytest
from sqlalchemy import select

from diary.extensions import db
from diary.models import (
    ApiToken,
    Attack,
    DoseChange,
    LoginSession,
    MedicationDose,
    PreventiveRegimen,
    PushSubscription,
    QuestionnaireAnswer,
    Reading,
    Reminder,
    ShareLink,
    SideEffectReport,
    Treatment,
    TreatmentMedicine,
    User,
)
from diary.services.tokens import create_token
from tests.conftest import sign_in, user_row

# Route arguments naming one of alice's objects, by the model they point at.
ARGUMENT_MODELS = {
    "reading_id": Reading,
    "attack_id": Attack,
    "treatment_id": Treatment,
    "report_id": SideEffectReport,
    "dose_id": MedicationDose,
    "regimen_id": PreventiveRegimen,
    "reminder_id": Reminder,
    "token_id": ApiToken,
    "session_id": LoginSession,
    "answer_id": QuestionnaireAnswer,
    "share_id": ShareLink,
    "subscription_id": PushSubscription,
    "user_id": User,  # the household admin's pages for a member
    "object_id": None,  # the API: resolved from the collection
    "child_id": None,  # a treatment's dose or medicine: resolved from the part
}
COLLECTION_MODELS = {
    "readings": Reading,
    "side-effects": SideEffectReport,
    "medications": MedicationDose,
    "attacks": Attack,
    "preventives": PreventiveRegimen,
}
PART_MODELS = {"doses": DoseChange, "medicines": TreatmentMedicine}


@pytest.fixture
def alices_diary(app, client, alice):
    """One of everything in alice's diary, made through the web forms."""
    client.post(
        "/readings/new",
        data={"day": "2024-03-01", "time": "08:00", "pain": "6", "note": "alice only"},
    )
    client.post(
        "/treatments/new",
        data={
            "kind": "ketamine_iv_inpatient",
            "started_on": "2024-03-01",
            "ended_on": "2024-03-05",
        },
    )
    with app.app_context():
        treatment_id = db.session.scalar(select(Treatment.id))
    client.post(
        f"/treatments/{treatment_id}/doses",
        data={"day": "2024-03-01", "time": "15:00", "rate": "0.1", "unit": "mg/kg/h"},
    )
    client.post(
        f"/treatments/{treatment_id}/medicines", data={"role": "adjunct", "name": "Magnesium"}
    )
    client.post(
        "/side-effects/new", data={"day": "2024-03-02", "time": "20:00", "severity-nausea": "mild"}
    )
    client.post(
        "/medications/new",
        data={
            "day": "2024-03-02",
            "time": "09:00",
            "name": "naproxen",
            "med_class": "simple_analgesic",
        },
    )
    client.post(
        "/preventives/new",
        data={
            "name": "alice's propranolol",
            "how_often": "daily",
            "started_on": "2024-03-01",
        },
    )
    client.post("/reminders", data={"title": "alice's blood test", "due_on": "2024-04-01"})
    assert client.post("/attacks/start").status_code == 302
    described = client.post(
        "/attacks/1/edit",
        data={"start_day": "2024-03-03", "start_time": "07:00", "location": "alice's temple"},
    )
    assert described.status_code == 302
    midas = {f"item_{n}": "2" for n in range(1, 6)} | {"answered_on": "2024-02-20"}
    assert client.post("/midas", data=midas).status_code == 302
    share = {"from": "2024-03-01", "to": "2024-03-31", "treatment": [treatment_id], "days": "30"}
    assert client.post("/shares", data=share).status_code == 200
    device = {"endpoint": "https://push.example/alice", "keys": {"p256dh": "BPk", "auth": "Ag"}}
    assert client.post("/sync/push-subscriptions", json=device).status_code == 201
    with app.app_context():
        create_token(user_row(alice), "alice's phone")
        db.session.commit()


def first_id(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(model.id).order_by(model.id))


def concrete_paths(app, rule) -> list[str]:
    """Return the paths of a rule filled in with alice's ids, one per choice of any()."""
    choices = re.findall(r"<any\(([^)]*)\):(\w+)>", rule.rule)
    variants = [{}]
    for options, name in choices:
        variants = [v | {name: o.strip().strip('"')} for v in variants for o in options.split(",")]
    paths = []
    for chosen in variants:
        path = rule.rule
        for name, value in chosen.items():
            path = re.sub(rf"<any\([^)]*\):{name}>", value, path)
        for name in re.findall(r"<int:(\w+)>", path):
            model = (
                ARGUMENT_MODELS[name]
                # An API collection chosen by any(), or named in the path (/api/v1/<name>/...).
                or COLLECTION_MODELS.get(chosen.get("collection") or path.split("/")[3])
                or PART_MODELS[chosen["part"]]
            )
            path = path.replace(f"<int:{name}>", str(first_id(app, model)))
        paths.append(path)
    return paths


def test_every_route_with_an_id_is_404_for_another_user(app, alices_diary, bob):
    other = app.test_client()
    sign_in(other, "bob")
    with app.app_context():
        _, secret = create_token(user_row(bob), "bob's phone")
        db.session.commit()
    bearer = {"Authorization": f"Bearer {secret}"}
    checked = []
    for rule in app.url_map.iter_rules():
        if "<int:" not in rule.rule:
            continue
        for path in concrete_paths(app, rule):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                headers = bearer if rule.endpoint.startswith("api.") else {}
                response = other.open(
                    path, method=method, headers=headers, json={} if method == "PATCH" else None
                )
                # The household pages are the admin's: any other member is refused them whole.
                expected = 403 if rule.endpoint.startswith("household.") else 404
                assert response.status_code == expected, (method, path, response.status_code)
                checked.append((method, path))
    assert len(checked) >= 25
    # Nothing of alice's was changed or removed by any of it.
    with app.app_context():
        for model in (
            Reading,
            Treatment,
            DoseChange,
            LoginSession,
            QuestionnaireAnswer,
            TreatmentMedicine,
            SideEffectReport,
            MedicationDose,
            Reminder,
            ApiToken,
            PushSubscription,
        ):
            assert db.session.scalar(select(model.id)) is not None, model
        assert db.session.scalar(select(ShareLink.revoked_at)) is None


def test_lists_exports_and_feeds_show_nothing_of_another_user(app, client, alices_diary, bob):
    other = app.test_client()
    sign_in(other, "bob")
    for path in [
        "/",
        "/readings",
        "/attacks",
        "/treatments/",
        "/side-effects/",
        "/medications/",
        "/reminders",
        "/trends",
        "/report",
        "/account",
    ]:
        page = other.get(path).get_data(as_text=True)
        assert "alice" not in page.lower().replace("alice@", ""), path
        assert "naproxen" not in page and "Magnesium" not in page, path
    for name in [
        "readings.csv",
        "treatments.csv",
        "side_effects.csv",
        "medications.csv",
        "daily.csv",
        "pain-observations.fhir.json",
    ]:
        body = other.get(f"/export/{name}").get_data(as_text=True)
        assert "alice" not in body and "naproxen" not in body and "2024-03-01" not in body, name
    assert other.get("/reminders.ics").get_data(as_text=True).count("BEGIN:VEVENT") == 0
    with app.app_context():
        assert date(2024, 3, 19) == db.session.scalar(
            select(Reminder.due_on).where(Reminder.kind == "follow_up")
        )
