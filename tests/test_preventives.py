"""Preventive regimens and their doses; acute medicines' class from the list and effect at 2 h."""

import html
import json
import re
from datetime import date, datetime, timedelta
from fractions import Fraction

import pytest
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import select

from diary.clock import local_now, local_today
from diary.extensions import db
from diary.models import MedicationDose, PreventiveRegimen
from diary.services import preventives
from diary.services.medications import add_dose, medicine_effects
from diary.services.readings import add_reading
from diary.services.treatments import add_treatment
from diary.transfer import ImportRejected, import_files
from tests.conftest import export_text, sign_in, user_row
from tests.test_api import token_for
from tests.test_imports import plan_of, upload
from tests.test_report_pdf import pdf_of, texts
from tests.test_shares import make_link

UNLISTED = "This medicine is not in the diary's list: choose the kind of medicine."


def regimen(app, user_id, **fields) -> int:
    with app.app_context():
        made = preventives.add_regimen(user_row(user_id), **fields)
        db.session.commit()
        return made.id


def stored_classes(app) -> list[tuple[str, str]]:
    with app.app_context():
        rows = db.session.execute(
            select(MedicationDose.name, MedicationDose.med_class).order_by(MedicationDose.id)
        )
        return [tuple(row) for row in rows]


# --- The class of an acute medicine: from the list, or chosen; never assumed -------------------


def test_a_name_from_the_list_sets_the_class_in_the_form_csv_api_and_import(
    app, client, alice, tmp_path
):
    client.post("/medications/new", data={"day": "2024-06-01", "time": "08:00", "name": "Nurtec"})
    csv_file = "taken_at,name,dose,class,note\r\n2024-06-02T08:00,Reyvow,100 mg,,\r\n"
    with app.app_context():
        import_files(user_row(alice), {"medications.csv": csv_file.encode()})
        db.session.commit()
    api = client.post(
        "/api/v1/medications",
        json={"taken_at": "2024-06-03T08:00", "name": "Paspertin"},
        headers=token_for(app, alice),
    )
    assert api.status_code == 201 and api.get_json()["class"] == "antiemetic"
    # Migraine Buddy's sumatriptan and naproxen, with no kind chosen for unlisted medicines.
    preview = upload(client, "migraine-buddy-export.csv", unlisted="").text
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', preview).group(1)
    client.post("/import/other/confirm", data={"token": token})
    assert stored_classes(app) == [
        ("Nurtec", "gepant"),
        ("Reyvow", "ditan"),
        ("Paspertin", "antiemetic"),
        ("Sumatriptan", "triptan"),
        ("Naproxen sodium 550mg Oral", "simple_analgesic"),
        ("Paracetamol", "simple_analgesic"),
    ]


def test_the_form_offers_the_names_in_the_patient_s_language_first(app, client, alice):
    client.post("/account", data={"timezone": "Europe/London", "language": "fr"})
    page = client.get("/medications/new").text
    names = re.findall(r'<option value="([^"]+)" data-class="([^"]+)"', page)
    assert names[0][1] and ("métoclopramide", "antiemetic") in names
    assert names.index(("paracétamol", "simple_analgesic")) < names.index(
        ("paracetamol", "simple_analgesic")
    )


def test_an_unknown_name_without_a_class_is_refused_everywhere(app, client, alice, tmp_path):
    form = client.post(
        "/medications/new", data={"day": "2024-06-01", "time": "08:00", "name": "Kräutertropfen"}
    )
    assert form.status_code == 422 and UNLISTED in html.unescape(form.text)
    with app.app_context():
        with pytest.raises(ImportRejected) as refused:
            import_files(
                user_row(alice),
                {"medications.csv": b"taken_at,name,dose,class\r\n2024-06-01T08:00,Drops,,\r\n"},
            )
        db.session.rollback()
    assert str(refused.value.problems[0]) == f"medications.csv, line 2: {UNLISTED}"
    api = client.post("/api/v1/medications", json={"name": "Drops"}, headers=token_for(app, alice))
    assert api.status_code == 422 and api.get_json()["error"]["message"] == UNLISTED
    path = tmp_path / "headache_logs-2024-06-05.csv"
    path.write_text(
        "start_time,end_time,intensity,medication,triggers,notes\n"
        "2024-06-01 09:00:00,2024-06-01 10:00:00,6,Verapamil,,\n"
    )
    plan = plan_of(app, alice, path, unlisted=None)
    assert plan.problems == [("line 2", UNLISTED)]
    assert stored_classes(app) == []


# --- Effect at 2 hours -------------------------------------------------------------------------


def test_the_2_hour_question_appears_once_at_2_hours_and_not_again_once_answered(
    app, client, alice
):
    with app.app_context():
        user = user_row(alice)
        now = local_now(user.timezone).replace(second=0, microsecond=0)
        recent = add_dose(user, taken_at=now - timedelta(minutes=90), name="sumatriptan")
        due = add_dose(user, taken_at=now - timedelta(minutes=125), name="rizatriptan")
        db.session.commit()
        recent_id, due_id = recent.id, due.id
    home = client.get("/").text
    assert f'action="/medications/{due_id}/relief"' in home
    assert f'action="/medications/{recent_id}/relief"' not in home  # not 2 hours yet
    assert home.count("2 hours after rizatriptan") == 1
    client.post(f"/medications/{due_id}/relief", data={"relief_2h": "pain_free", "next": "/"})
    assert "2 hours after rizatriptan" not in client.get("/").text
    with app.app_context():
        assert db.session.get(MedicationDose, due_id).relief_2h == "pain_free"


def test_the_share_pain_free_leaves_out_the_doses_not_answered(app, client, alice):
    with app.app_context():
        user = user_row(alice)
        answers = ["pain_free", "better", "same", None, None, "pain_free"]
        for n, answer in enumerate(answers):
            add_dose(
                user,
                taken_at=datetime(2024, 5, 1 + n // 2, 8 + n),
                name="Sumatriptan",
                relief_2h=answer,
            )
        add_dose(user, taken_at=datetime(2024, 5, 10, 8), name="ibuprofen")
        db.session.commit()
        effects = medicine_effects(user, date(2024, 5, 1), date(2024, 5, 31))
    sumatriptan, ibuprofen = effects
    assert (sumatriptan.doses, sumatriptan.days, sumatriptan.unanswered) == (6, 3, 2)
    assert sumatriptan.pain_free == Fraction(2, 4)
    assert sumatriptan.better == Fraction(3, 4)
    assert ibuprofen.pain_free is None  # nothing answered: not known, never 0
    page = html.unescape(client.get("/report?from=2024-05-01&to=2024-05-31").text)
    row = re.search(r"<th scope=\"row\">Sumatriptan.*?</tr>", page, re.S).group(0)
    cells = [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in row.split("</td>")]
    assert cells[-4:] == ["50% (2 of 4)", "75% (3 of 4)", "2", ""]


# --- Preventives: schedule, doses marked, adherence ---------------------------------------------


def test_a_monthly_injection_due_is_on_home_until_marked_given(app, client, alice):
    with app.app_context():
        today = local_today(user_row(alice).timezone)
    regimen_id = regimen(
        app,
        alice,
        name="Erenumab (Aimovig)",
        dose="140 mg",
        schedule="every_4_weeks",
        started_on=today - timedelta(days=28),
    )
    home = client.get("/").text
    assert f"Erenumab (Aimovig) 140 mg due {today:%d %b %Y}" in html.unescape(home)
    client.post(
        f"/preventives/{regimen_id}/mark",
        data={"due_on": today.isoformat(), "status": "taken", "next": "/"},
    )
    assert f'action="/preventives/{regimen_id}/mark"' not in client.get("/").text
    with app.app_context():
        marked = db.session.get(PreventiveRegimen, regimen_id).doses
        assert [(d.due_on, d.status) for d in marked] == [(today, "taken")]


def test_a_missed_daily_dose_counts_against_adherence_in_one_tap(app, client, alice):
    with app.app_context():
        today = local_today(user_row(alice).timezone)
    regimen_id = regimen(
        app,
        alice,
        name="Propranolol",
        dose="40 mg",
        schedule="daily",
        started_on=today - timedelta(days=9),
    )
    home = html.unescape(client.get("/").text)
    assert "Missed today's Propranolol 40 mg" in home
    client.post(
        f"/preventives/{regimen_id}/mark",
        data={"due_on": today.isoformat(), "status": "missed", "next": "/"},
    )
    assert "Missed today's Propranolol" not in html.unescape(client.get("/").text)
    with app.app_context():
        found = preventives.adherence(db.session.get(PreventiveRegimen, regimen_id), today, today)
    assert (found.due, found.missed, found.share) == (1, 1, Fraction(0))
    listing = html.unescape(client.get("/preventives/").text)
    assert "9 of 10" in listing


def test_adherence_over_a_range_that_starts_in_the_middle_of_a_regimen(app, alice):
    regimen_id = regimen(
        app,
        alice,
        name="Topiramate",
        dose="50 mg",
        schedule="twice_daily",
        started_on=date(2024, 3, 1),
        ended_on=date(2024, 3, 31),
    )
    weekly = regimen(
        app, alice, name="Galcanezumab", schedule="every_2_weeks", started_on=date(2024, 3, 1)
    )
    with app.app_context():
        user = user_row(alice)
        twice = db.session.get(PreventiveRegimen, regimen_id)
        for day in (date(2024, 3, 10), date(2024, 3, 20), date(2024, 3, 20)):
            preventives.mark_dose(user, twice, due_on=day, status="missed")
        with pytest.raises(Exception, match="Every dose of that day is marked already"):
            preventives.mark_dose(user, twice, due_on=date(2024, 3, 20), status="missed")
        # March 16 to April 15: 16 days of the regimen, two doses each; 2 missed in the range
        # (the one on March 10 lies before it).
        middle = preventives.adherence(twice, date(2024, 3, 16), date(2024, 4, 15))
        # Due March 1, 15, 29 and April 12: two of those in the range.
        injections = preventives.adherence(
            db.session.get(PreventiveRegimen, weekly), date(2024, 3, 16), date(2024, 4, 15)
        )
        db.session.commit()
    assert (middle.due, middle.missed, middle.taken, middle.share) == (32, 2, 30, Fraction(15, 16))
    assert (injections.due, injections.share) == (2, Fraction(1))


def test_a_dose_change_ends_one_regimen_and_starts_the_next(app, client, alice):
    regimen_id = regimen(
        app, alice, name="Propranolol", dose="40 mg", schedule="daily", started_on="2024-01-01"
    )
    client.post(f"/preventives/{regimen_id}/dose", data={"dose": "80 mg", "on": "2024-02-01"})
    with app.app_context():
        rows = db.session.execute(
            select(
                PreventiveRegimen.dose, PreventiveRegimen.started_on, PreventiveRegimen.ended_on
            ).order_by(PreventiveRegimen.id)
        ).all()
    assert [tuple(r) for r in rows] == [
        ("40 mg", date(2024, 1, 1), date(2024, 1, 31)),
        ("80 mg", date(2024, 2, 1), None),
    ]


def test_a_dose_change_is_one_change_and_an_end_a_stop(app, client, alice):
    first = regimen(
        app, alice, name="Topiramate", dose="25 mg", schedule="daily", started_on="2024-01-01"
    )
    client.post(f"/preventives/{first}/dose", data={"dose": "50 mg", "on": "2024-03-10"})
    regimen(
        app,
        alice,
        name="Candesartan",
        schedule="daily",
        started_on="2023-06-01",
        ended_on="2024-03-20",
    )
    with app.app_context():
        found = preventives.changes(
            preventives.user_regimens(user_row(alice)), date(2024, 3, 1), date(2024, 3, 31)
        )
    assert [(c.as_json(), c.regimen.name) for c in found] == [
        ({"day": "2024-03-10", "change": "changed"}, "Topiramate"),
        ({"day": "2024-03-20", "change": "stopped"}, "Candesartan"),
    ]


@pytest.mark.parametrize(
    ("schedule", "problem"),
    [("weekly", "'weekly' is not a schedule"), ("every_0_days", "is not a schedule"),
     ("every_53_weeks", "is not a schedule"), ("every_2.5_weeks", "is not a schedule")],
)  # fmt: skip
def test_schedules_are_exactly_the_four_codes(app, alice, schedule, problem):
    with app.app_context(), pytest.raises(Exception, match=problem):
        preventives.add_regimen(
            user_row(alice), name="X", schedule=schedule, started_on="2024-01-01"
        )


# --- Confounders: a preventive change inside a treatment's windows -------------------------------


@pytest.fixture
def changed_during_treatment(app, client, alice):
    """A treatment from 2024-03-01 to 03-05; propranolol started 10 days after discharge."""
    with app.app_context():
        user = user_row(alice)
        treatment = add_treatment(
            user, kind="ketamine_iv_inpatient", started_on="2024-03-01", ended_on="2024-03-05"
        )
        for day in range(1, 31):
            add_reading(user, recorded_at=datetime(2024, 3, day, 9), pain=5)
        db.session.commit()
        treatment_id = treatment.id
    regimen(app, alice, name="Propranolol", dose="40 mg", schedule="daily", started_on="2024-03-15")
    # Outside S-28 .. E+84: not named.
    regimen(app, alice, name="Amitriptyline", schedule="daily", started_on="2023-12-01")
    return treatment_id


NAMED = "Propranolol 40 mg started 10 days after the end (15 Mar 2024)"


def test_a_preventive_change_is_named_on_the_treatment_page_the_pdf_and_the_json(
    app, client, alice, runner, changed_during_treatment
):
    page = html.unescape(client.get(f"/treatments/{changed_during_treatment}/outcome").text)
    notice = re.search(r"<p [^>]*data-preventive-changes>(.*?)</p>", page, re.S).group(1)
    assert NAMED in notice and "the figures after mix both" in notice
    assert "Amitriptyline" not in notice
    pdf = " ".join(texts(pdf_of(client.get("/report.pdf?from=2024-03-01&to=2024-03-31"))))
    assert "Propranolol 40 mg started 10 days after the end" in " ".join(pdf.split())
    result = runner.invoke(args=["report", "--user", "alice", "--json", "--as-of", "2024-04-30"])
    figures = json.loads(result.output)["treatments"][0]
    assert figures["preventive_changes"] == [{"day": "2024-03-15", "change": "started"}]


def test_a_shared_page_hides_the_name_of_a_preventive_it_does_not_include(
    app, client, alice, changed_during_treatment
):
    _, path = make_link(
        client, [changed_during_treatment], first=date(2024, 3, 1), last=date(2024, 3, 31)
    )
    shared = html.unescape(app.test_client().get(path).text)
    assert "a preventive change (not shared), 10 days after the end" in shared
    assert "Propranolol" not in shared
    with app.app_context():
        propranolol = db.session.scalar(
            select(PreventiveRegimen.id).where(PreventiveRegimen.name == "Propranolol")
        )
    page = client.post(
        "/shares",
        data={
            "from": "2024-03-01",
            "to": "2024-03-31",
            "treatment": [changed_during_treatment],
            "preventive": [propranolol],
            "days": "30",
        },
    ).text
    path = re.search(r'id="share-url" type="text" readonly value="([^"]+)"', page).group(1)
    named = html.unescape(app.test_client().get(path.removeprefix("http://localhost")).text)
    assert NAMED in named


# --- Files: CSV round trip, FHIR ----------------------------------------------------------------


def test_the_new_csv_files_round_trip_byte_identical(app, alice, bob):
    first = regimen(
        app,
        alice,
        name="=Propranolol",
        dose="40 mg",
        schedule="daily",
        started_on="2024-01-01",
        ended_on="2024-01-31",
        note='twice "checked", 日本',
    )
    second = regimen(
        app, alice, name="Fremanezumab", schedule="every_12_weeks", started_on="2024-01-10"
    )
    with app.app_context():
        user = user_row(alice)
        preventives.mark_dose(
            user, db.session.get(PreventiveRegimen, first), due_on="2024-01-05", status="missed"
        )
        preventives.mark_dose(
            user, db.session.get(PreventiveRegimen, second), due_on="2024-01-10", status="taken"
        )
        add_dose(
            user,
            taken_at=datetime(2024, 1, 2, 8),
            name="sumatriptan",
            note="x;=1+1",
            relief_2h="better",
        )
        db.session.commit()
        names = ("preventives.csv", "preventive_doses.csv", "medications.csv")
        exported = {name: export_text(user, name) for name in names}
        assert exported["preventives.csv"].startswith(
            '"name","dose","schedule","started_on","ended_on","note"\r\n'
            '"\'=Propranolol","40 mg","daily","2024-01-01","2024-01-31",'
        )
        assert exported["preventive_doses.csv"] == (
            '"regimen_started_on","name","due_on","status"\r\n'
            '"2024-01-01","=Propranolol","2024-01-05","missed"\r\n'
            '"2024-01-10","Fremanezumab","2024-01-10","taken"\r\n'
        ).replace('"=Propranolol"', '"\'=Propranolol"')
        # The note has a cell after it: its piece after ";" is kept text too.
        assert exported["medications.csv"].splitlines()[1].endswith(',"x;\'=1+1","better"')
        other = user_row(bob)
        import_files(other, {name: text.encode() for name, text in exported.items()})
        db.session.commit()
        assert {name: export_text(user_row(bob), name) for name in names} == exported
        again = import_files(user_row(bob), {n: t.encode() for n, t in exported.items()})
        assert again.total_added == 0


def test_a_medications_file_without_relief_2h_still_imports(app, alice):
    with app.app_context():
        summary = import_files(
            user_row(alice),
            {"medications.csv": b"taken_at,name,dose,class,note\r\n2024-01-02T08:00,x,,other,\r\n"},
        )
        db.session.commit()
        assert summary.added == {"medications.csv": 1}
        assert db.session.scalar(select(MedicationDose.relief_2h)) is None


def test_the_fhir_bundle_validates_with_medication_statements(app, client, alice):
    regimen(
        app,
        alice,
        name="Erenumab (Aimovig)",
        dose="140 mg",
        schedule="every_4_weeks",
        started_on="2024-01-01",
    )
    with app.app_context():
        add_dose(user_row(alice), taken_at=datetime(2024, 1, 2, 8), name="sumatriptan", dose="50")
        add_dose(user_row(alice), taken_at=datetime(2024, 1, 3, 8), name="Drops", med_class="other")
        db.session.commit()
    response = client.get("/export/pain-observations.fhir.json")
    bundle = Bundle.model_validate_json(response.data)
    statements = [
        e.resource for e in bundle.entry if e.resource.__resource_type__ == "MedicationStatement"
    ]
    injection, triptan, drops = statements
    assert injection.status == "active"
    assert injection.medicationCodeableConcept.coding[0].code == "N02CD01"
    repeat = injection.dosage[0].timing.repeat
    assert (repeat.frequency, repeat.period, repeat.periodUnit) == (1, 4, "wk")
    assert triptan.medicationCodeableConcept.coding[0].code == "N02CC"
    assert triptan.effectiveDateTime.isoformat() == "2024-01-02T08:00:00+00:00"
    assert drops.medicationCodeableConcept.coding is None


def test_the_api_adds_a_preventive_and_marks_a_dose(app, client, alice):
    headers = token_for(app, alice)
    made = client.post(
        "/api/v1/preventives",
        json={"name": "Galcanezumab", "schedule": "every_4_weeks", "started_on": "2024-01-01"},
        headers=headers,
    )
    assert made.status_code == 201, made.get_json()
    item = made.get_json()
    assert item | {"id": 0} == {
        "id": 0, "started_on": "2024-01-01", "name": "Galcanezumab", "dose": "",
        "schedule": "every_4_weeks", "ended_on": None, "note": "",
    }  # fmt: skip
    marked = client.post(
        f"/api/v1/preventives/{item['id']}/doses",
        json={"due_on": "2024-01-29", "status": "missed"},
        headers=headers,
    )
    assert marked.status_code == 201 and marked.get_json() == {
        "due_on": "2024-01-29",
        "status": "missed",
    }
    wrong = client.post(
        f"/api/v1/preventives/{item['id']}/doses",
        json={"due_on": "2024-01-30", "status": "missed"},
        headers=headers,
    )
    assert wrong.status_code == 422 and wrong.get_json()["error"]["field"] == "due_on"
    bad = client.post(
        "/api/v1/preventives",
        json={"name": "X", "schedule": "monthly", "started_on": "2024-01-01"},
        headers=headers,
    )
    assert bad.status_code == 422 and bad.get_json()["error"]["field"] == "schedule"


def test_another_users_preventives_are_not_found(app, client, alice, bob):
    regimen_id = regimen(app, bob, name="Secret", schedule="daily", started_on="2024-01-01")
    assert client.get(f"/preventives/{regimen_id}/edit").status_code == 404
    assert client.post(f"/preventives/{regimen_id}/mark", data={}).status_code == 404
    assert "Secret" not in client.get("/preventives/").text
    other = app.test_client()
    sign_in(other, "alice")
    assert other.get("/api/v1/preventives/1", headers=token_for(app, alice)).status_code == 404
