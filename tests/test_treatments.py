"""Treatments, the follow-up reminder that moves with them, the dose log and medicines."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from diary.extensions import db
from diary.models import DoseChange, Reminder, Treatment, TreatmentMedicine
from diary.services.treatments import add_treatment
from diary.transfer import import_files
from tests.conftest import sign_in, user_row

INPATIENT = {
    "kind": "ketamine_iv_inpatient",
    "started_on": "2024-03-04",
    "ended_on": "2024-03-09",
    "setting": "Jefferson",
    "notes": "five days",
}


def follow_up(app):
    with app.app_context():
        return db.session.scalar(select(Reminder))


def add_via_form(client, **fields):
    return client.post("/treatments/new", data=INPATIENT | fields)


def test_a_treatment_with_an_end_date_gets_a_follow_up_14_days_later(app, client, alice):
    response = add_via_form(client)
    assert response.status_code == 302
    reminder = follow_up(app)
    assert reminder.kind == "follow_up"
    assert reminder.due_on == date(2024, 3, 23)
    assert "headache specialist" in reminder.title


def test_an_other_treatment_is_shown_by_its_name_on_its_page_the_list_and_the_report(
    app, client, alice
):
    form = client.get("/treatments/new").get_data(as_text=True)
    assert ">Name<" in form and "for example Botox or a lidocaine infusion" in form
    add_via_form(client, kind="other", name="Botox", setting="", notes="")
    label = "Other treatment: Botox"
    assert f"<h1>{label}</h1>" in client.get("/treatments/1").get_data(as_text=True)
    assert label in client.get("/treatments/").get_data(as_text=True)
    report = client.get("/report?t=1&from=2024-02-01&to=2024-04-30").get_data(as_text=True)
    assert f'<h2 id="t1-heading">{label}, 04 Mar 2024' in report


@pytest.mark.parametrize(
    ("today", "status"),
    [
        (date(2024, 3, 22), "upcoming"),
        (date(2024, 3, 23), "due"),
        (date(2024, 3, 24), "overdue"),
    ],
)
def test_follow_up_status_around_day_14(app, client, alice, today, status):
    add_via_form(client)
    assert follow_up(app).status(today) == status


def test_single_session_ends_the_day_it_starts(app, client, alice):
    add_via_form(
        client, kind="ketamine_iv_outpatient", started_on="2024-05-01", ended_on="2024-05-01"
    )
    assert follow_up(app).due_on == date(2024, 5, 15)


def test_an_open_treatment_has_no_follow_up_until_it_ends(app, client, alice):
    add_via_form(client, ended_on="")
    assert follow_up(app) is None
    with app.app_context():
        treatment_id = db.session.scalar(select(Treatment.id))
    client.post(f"/treatments/{treatment_id}/edit", data=INPATIENT | {"ended_on": "2024-03-10"})
    assert follow_up(app).due_on == date(2024, 3, 24)


def test_changing_the_end_date_moves_the_same_reminder(app, client, alice):
    add_via_form(client)
    before = follow_up(app)
    with app.app_context():
        treatment_id = db.session.scalar(select(Treatment.id))
    client.post(f"/treatments/{treatment_id}/edit", data=INPATIENT | {"ended_on": "2024-03-08"})
    after = follow_up(app)
    assert (after.id, after.uid, after.due_on) == (before.id, before.uid, date(2024, 3, 22))
    client.post(f"/treatments/{treatment_id}/edit", data=INPATIENT | {"ended_on": ""})
    assert follow_up(app) is None


def test_deleting_a_treatment_removes_its_reminder_dose_log_and_medicines(app, client, alice):
    add_via_form(client)
    with app.app_context():
        treatment_id = db.session.scalar(select(Treatment.id))
    client.post(
        f"/treatments/{treatment_id}/doses",
        data={"day": "2024-03-04", "time": "15:00", "rate": "0.1", "unit": "mg/kg/h"},
    )
    client.post(
        f"/treatments/{treatment_id}/medicines", data={"role": "adjunct", "name": "Magnesium"}
    )
    client.post(f"/treatments/{treatment_id}/delete")
    with app.app_context():
        for model in (Treatment, Reminder, DoseChange, TreatmentMedicine):
            assert db.session.scalar(select(func.count()).select_from(model)) == 0, model


def test_imported_treatments_get_their_follow_up_too(app, alice):
    csv = b"kind,started_on,ended_on,setting,notes\r\nketamine_nasal,2024-01-01,2024-01-31,,\r\n"
    with app.app_context():
        import_files(user_row(alice), {"treatments.csv": csv})
        db.session.commit()
    assert follow_up(app).due_on == date(2024, 2, 14)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"ended_on": "2024-03-01"}, "The end date is before the start date."),
        ({"started_on": "2099-01-01", "ended_on": ""}, "is more than two years ahead."),
        ({"ended_on": "2099-01-01"}, "End date 2099-01-01 is more than two years ahead."),
        ({"started_on": "1899-12-31"}, "Start date 1899-12-31 is before 1900."),
        ({"started_on": "2024-02-31"}, "Start date &#39;2024-02-31&#39; is not a real date."),
        ({"kind": "homeopathy"}, "&#39;homeopathy&#39; is not a treatment kind; use one of"),
        ({"setting": "x" * 201}, "Setting can be up to 200 characters; this one has 201."),
    ],
)
def test_bad_treatment_input_is_explained_and_nothing_is_saved(app, client, alice, fields, message):
    response = add_via_form(client, **fields)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Treatment.id))) == 0


def treatment_url(app) -> str:
    with app.app_context():
        return f"/treatments/{db.session.scalar(select(Treatment.id))}"


def test_dose_log_shows_protocol_facts_with_their_source_and_flags_rates_above_the_maximum(
    app, client, alice
):
    add_via_form(client)
    url = treatment_url(app)
    page = client.get(url).get_data(as_text=True)
    # The study's own words, in full: not a titration schedule to follow.
    assert "“Dose began at 0.1 mg/kg/hr”" in page
    assert "“Increased by 0.05 mg/kg/hr until pain relief was achieved”" in page
    assert "“Patient was then assessed for a possible dose increase.”" in page
    assert "“Maximum dose of 1 mg/kg/hr”" in page
    source = "“Ketamine Infusions for Migraine” (a summary of the Jefferson study, Headache 2017)"
    assert source in page
    assert "this diary only records it" in page
    client.post(
        f"{url}/doses",
        data={"day": "2024-03-05", "time": "09:00", "rate": "1.0", "unit": "mg/kg/h"},
    )
    page = client.get(url).get_data(as_text=True)
    assert "higher than the highest rate used in the study" not in page
    response = client.post(
        f"{url}/doses",
        data={"day": "2024-03-05", "time": "13:00", "rate": "1.05", "unit": "mg/kg/h"},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "Saved. This rate is higher than the highest rate used in the study (1 mg/kg/h)" in page
    assert page.count("higher than the highest rate used in the study (1.0 mg/kg/h)") == 1


# The study's protocol is an inpatient infusion over days; short sessions run at other rates.
@pytest.mark.parametrize("kind", ["other_infusion", "ketamine_iv_outpatient"])
def test_other_infusions_get_a_dose_log_without_the_study_s_figures(app, client, alice, kind):
    client.post(
        "/treatments/new",
        data={"kind": kind, "started_on": "2024-03-01", "ended_on": "2024-03-03"},
    )
    url = treatment_url(app)
    client.post(
        f"{url}/doses",
        data={"day": "2024-03-02", "time": "09:00", "rate": "2", "unit": "mg/kg/h"},
    )
    page = client.get(url).get_data(as_text=True)
    assert "Dose log" in page and "<td>2 mg/kg/h</td>" in page
    assert "What the ketamine study did" not in page
    assert "Dose began at 0.1 mg/kg/hr" not in page
    assert "higher than the highest rate used in the study" not in page


def test_mg_per_hour_is_converted_with_the_users_weight(app, client, alice):
    add_via_form(client)
    url = treatment_url(app)
    response = client.post(
        f"{url}/doses", data={"day": "2024-03-05", "time": "09:00", "rate": "35", "unit": "mg/h"}
    )
    assert "Add your body weight in Settings" in response.get_data(as_text=True)
    client.post("/account", data={"timezone": "Europe/London", "weight_kg": "70"})
    client.post(
        f"{url}/doses", data={"day": "2024-03-05", "time": "09:00", "rate": "35", "unit": "mg/h"}
    )
    with app.app_context():
        dose = db.session.scalar(select(DoseChange))
        assert (dose.rate_mg_per_kg_h, dose.entered_value, dose.entered_unit) == (0.5, 35, "mg/h")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"rate": "-1"}, "Rate must be from 0 to 1000, not -1."),
        ({"rate": "fast"}, "Rate must be a number from 0 to 1000, not &#39;fast&#39;."),
        ({"rate": "1e400"}, "Rate must be from 0 to 1000, not 1e400."),
        ({"unit": "furlongs"}, "&#39;furlongs&#39; is not a rate unit; use one of: mg/kg/h, mg/h."),
        ({"day": "2099-01-01"}, "is in the future"),
    ],
)
def test_bad_dose_input_is_refused(app, client, alice, fields, message):
    add_via_form(client)
    url = treatment_url(app)
    data = {"day": "2024-03-05", "time": "09:00", "rate": "0.2", "unit": "mg/kg/h"} | fields
    response = client.post(f"{url}/doses", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(DoseChange.id))) == 0


def test_adjuncts_and_discharge_prescriptions_are_kept_apart(app, client, alice):
    add_via_form(client)
    url = treatment_url(app)
    page = client.get(url).get_data(as_text=True)
    assert '<option value="Zofran (ondansetron)">' in page
    client.post(
        f"{url}/medicines", data={"role": "adjunct", "name": "Zofran (ondansetron)", "dose": "4 mg"}
    )
    client.post(f"{url}/medicines", data={"role": "discharge", "name": "Ketamine nasal spray"})
    assert client.post(f"{url}/medicines", data={"role": "adjunct", "name": ""}).status_code == 422
    with app.app_context():
        kept = db.session.execute(select(TreatmentMedicine.role, TreatmentMedicine.name)).all()
    assert sorted(kept) == [
        ("adjunct", "Zofran (ondansetron)"),
        ("discharge", "Ketamine nasal spray"),
    ]


def test_another_users_treatment_and_its_parts_are_not_found(app, client, alice, bob):
    add_via_form(client)
    url = treatment_url(app)
    client.post(
        f"{url}/doses",
        data={"day": "2024-03-05", "time": "09:00", "rate": "0.2", "unit": "mg/kg/h"},
    )
    with app.app_context():
        dose_id = db.session.scalar(select(DoseChange.id))
    other = app.test_client()
    sign_in(other, "bob")
    assert other.get(url).status_code == 404
    assert other.get(f"{url}/edit").status_code == 404
    assert other.post(f"{url}/delete").status_code == 404
    assert (
        other.post(
            f"{url}/doses",
            data={"day": "2024-03-05", "time": "09:00", "rate": "0.2", "unit": "mg/kg/h"},
        ).status_code
        == 404
    )
    assert other.post(f"{url}/doses/{dose_id}/delete").status_code == 404
    assert "Ketamine" not in other.get("/treatments/").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(DoseChange.id))) == 1


def test_a_follow_up_shows_on_home_when_due(app, client, alice):
    with app.app_context():
        from diary.clock import local_today

        user = user_row(alice)
        ended = local_today(user.timezone) - timedelta(days=14)
        add_treatment(
            user, kind="ketamine_iv_inpatient", started_on=ended - timedelta(days=5), ended_on=ended
        )
        db.session.commit()
    page = client.get("/").get_data(as_text=True)
    needs = page.split('id="attention-heading"')[1].split("</section>")[0]
    assert "Follow up with your headache specialist" in needs
    assert 'badge-due">due<' in needs
