"""Side effects: several ticked at once, the calm safety message, editing and isolation."""

import re

import pytest
from sqlalchemy import func, select

from diary.extensions import db
from diary.models import SideEffectReport
from diary.services.accounts import update_profile
from tests.conftest import sign_in, user_row


def reports(app):
    with app.app_context():
        rows = db.session.execute(
            select(
                SideEffectReport.effect, SideEffectReport.severity, SideEffectReport.note
            ).order_by(SideEffectReport.effect)
        ).all()
        return [tuple(r) for r in rows]


def tick(client, extra=None, **severities):
    data = {"day": "2024-03-09", "time": "20:00", "note": "", "other_note": ""}
    data |= {f"severity-{code}": level for code, level in severities.items()}
    return client.post("/side-effects/new", data=data | (extra or {}))


def test_several_side_effects_in_one_form(app, client, alice):
    response = tick(client, nausea="moderate", dizziness="mild", vivid_dreams="severe")
    assert response.status_code == 302
    assert reports(app) == [
        ("dizziness", "mild", ""),
        ("nausea", "moderate", ""),
        ("vivid_dreams", "severe", ""),
    ]
    with app.app_context():
        times = set(db.session.scalars(select(SideEffectReport.recorded_at)))
    assert len(times) == 1


def test_the_form_lists_every_catalogue_entry_with_its_source(client, alice):
    page = client.get("/side-effects/new").get_data(as_text=True)
    assert page.count('name="effect-') == 22
    assert "Feeling disconnected from the body" in page
    assert "Ketamine for Migraines” (a ketamine clinic&#39;s article: among the experiences" in page
    # Each quote says which part of its document it is from.
    practice = "a pain practice&#39;s patient information"
    assert (
        f"“Fast heart rate”, “What are Ketamine Infusions?” ({practice}: a contraindication" in page
    )
    study = "a summary of the Jefferson study, Headache 2017"
    katie = f"({study}: one patient&#39;s own account (Katie Golden)"
    assert f"“You may become paranoid”, “Ketamine Infusions for Migraine” {katie}" in page
    monitoring = f"({study}: what the researchers advise monitoring patients for"
    assert (
        f"“Closely monitor all patients for falls”, “Ketamine Infusions for Migraine” {monitoring}"
        in page
    )


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({}, "Tick at least one side effect."),
        ({"extra": {"effect-nausea": "y"}}, "Choose how bad it was for: Nausea."),
        ({"other": "mild"}, "Describe the side effect in the note when you choose 'other'."),
        ({"nausea": "terrible"}, "Choose how bad it was for: Nausea."),
    ],
)
def test_incomplete_ticks_are_explained_and_nothing_is_saved(app, client, alice, form, message):
    response = tick(client, **form)
    assert message in response.get_data(as_text=True).replace("&#39;", "'")
    assert reports(app) == []


def test_other_needs_and_keeps_its_description(app, client, alice):
    tick(client, other="mild", extra={"other_note": "ringing ears"})
    assert reports(app) == [("other", "mild", "ringing ears")]


def test_a_resent_form_stores_once(app, client, alice):
    key = re.search(
        r'name="client_key"[^>]*value="([0-9a-f]+)"',
        client.get("/side-effects/new").get_data(as_text=True),
    ).group(1)
    tick(client, nausea="mild", extra={"client_key": key})
    tick(client, nausea="mild", extra={"client_key": key})
    assert len(reports(app)) == 1


@pytest.mark.parametrize("effect", ["seizures", "respiratory_difficulty"])
def test_urgent_effects_show_the_calm_message_with_its_sources(client, alice, effect):
    page = tick(client, **{effect: "mild"}).headers["Location"]
    html = client.get(page).get_data(as_text=True)
    assert "call your local emergency number or contact your care team" in html
    assert "not a diagnosis" in html
    risks = "What are Ketamine Infusions?” (a pain practice&#39;s patient information) lists this"
    assert risks + " among the possible risks" in html
    # The advice to call for help rests on seed 002's disclaimer, quoted.
    assert "disclaimer of “Ketamine for Migraines” (a ketamine clinic&#39;s article)" in html
    assert "If you think you may have a medical emergency, immediately call your doctor" in html


def test_any_severe_report_shows_the_care_team_message(client, alice):
    html = client.get(tick(client, nausea="severe").headers["Location"]).get_data(as_text=True)
    assert "You recorded a severe side effect." in html


def test_mild_ordinary_effects_show_no_alarm(client, alice):
    html = client.get(tick(client, nausea="mild").headers["Location"]).get_data(as_text=True)
    assert "Please look after yourself" not in html


def test_edit_and_delete(app, client, alice):
    tick(client, nausea="mild")
    with app.app_context():
        report_id = db.session.scalar(select(SideEffectReport.id))
    client.post(
        f"/side-effects/{report_id}/edit",
        data={
            "day": "2024-03-09",
            "time": "21:00",
            "effect": "agitation",
            "severity": "moderate",
            "note": "evening",
        },
    )
    assert reports(app) == [("agitation", "moderate", "evening")]
    bad = client.post(
        f"/side-effects/{report_id}/edit",
        data={
            "day": "2024-03-09",
            "time": "21:00",
            "effect": "other",
            "severity": "mild",
            "note": "",
        },
    )
    assert "Describe the side effect in the note" in bad.get_data(as_text=True)
    assert reports(app) == [("agitation", "moderate", "evening")]
    client.post(f"/side-effects/{report_id}/delete")
    assert reports(app) == []


def test_another_users_reports_are_not_found(app, client, alice, bob):
    tick(client, nausea="mild", extra={"note": "private"})
    with app.app_context():
        report_id = db.session.scalar(select(SideEffectReport.id))
    other = app.test_client()
    sign_in(other, "bob")
    assert other.get(f"/side-effects/{report_id}/edit").status_code == 404
    assert other.post(f"/side-effects/{report_id}/delete").status_code == 404
    assert "private" not in other.get("/side-effects/").get_data(as_text=True)
    assert "Please look after" not in other.get(f"/side-effects/?saved={report_id}").get_data(
        as_text=True
    )
    with app.app_context():
        assert db.session.scalar(select(func.count(SideEffectReport.id))) == 1


def test_a_resent_form_with_the_longest_key_stores_each_effect_once(app, client, alice):
    # One key of 64 characters, one entry per ticked effect: each entry's key is derived by
    # hashing, so "key:increased_blood_pressure" never runs over the 64-character column.
    key = {"client_key": "k" * 64}
    for _ in range(2):
        response = tick(client, key, increased_blood_pressure="mild", nausea="mild")
        assert response.status_code == 302
    assert reports(app) == [("increased_blood_pressure", "mild", ""), ("nausea", "mild", "")]
    with app.app_context():
        keys = db.session.scalars(select(SideEffectReport.client_key)).all()
    assert len(set(keys)) == 2 and all(len(k) <= 64 for k in keys)


@pytest.mark.parametrize(
    ("zone", "said"),
    [
        ("America/Chicago", "Your emergency number, by the time zone of your diary: 911."),
        ("Europe/Berlin", "Your emergency number, by the time zone of your diary: 112."),
        ("Europe/London", "Your emergency number, by the time zone of your diary: 999."),
        ("Asia/Tokyo", "Emergency numbers: 112 in Europe, 911 in North America, 999 in the UK."),
    ],
)
def test_the_safety_message_names_the_local_emergency_number(app, client, alice, zone, said):
    with app.app_context():
        update_profile(user_row(alice), timezone=zone)
        db.session.commit()
    html = client.get(tick(client, nausea="severe").headers["Location"]).get_data(as_text=True)
    assert said in html
    assert "dial 911" in html  # the source's own words stay as they are
