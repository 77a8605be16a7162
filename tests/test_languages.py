"""Which language the diary speaks: the account's setting, else the browser's, else English."""

import io
import re
from datetime import datetime, timedelta
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date
from pypdf import PdfReader
from sqlalchemy import func, select

from diary.extensions import db
from diary.models import Reading
from tests.conftest import make_user, sign_in, user_row
from tests.test_api import token_for

GERMAN = {"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}


def speaks(app, user_id: int, language: str | None) -> None:
    """Set the account's language (None: the browser's), as Settings would."""
    with app.app_context():
        user_row(user_id).language = language
        db.session.commit()


def speaks_german(app, user_id: int) -> None:
    """Set the account's language to German, as Settings would."""
    speaks(app, user_id, "de")


def page(client, path: str, **kwargs) -> str:
    return client.get(path, **kwargs).get_data(as_text=True)


def test_the_sign_in_and_first_run_pages_follow_the_browsers_language(client):
    first_run = page(client, "/setup", headers={"Accept-Language": "es-ES,es;q=0.9"})
    assert '<html lang="es">' in first_run
    assert "Bienvenido a su diario de cefaleas" in first_run
    make_user(client.application, "ana")
    login = page(client, "/login", headers={"Accept-Language": "fr-CH, fr;q=0.9"})
    assert '<html lang="fr">' in login and ">Se connecter</button>" in login
    # A language the diary does not speak, or none: English.
    for headers in ({"Accept-Language": "ja-JP"}, {}):
        assert '<html lang="en">' in page(client, "/login", headers=headers)


def test_the_accounts_language_wins_over_the_browsers_on_every_device(app, client, alice):
    response = client.post(
        "/account",
        data={"language": "de", "timezone": "Europe/London", "email": "", "weight_kg": ""},
    )
    assert response.status_code == 302
    assert "Einstellungen gespeichert." in page(client, "/account")
    phone = app.test_client()
    sign_in(phone, "alice")
    home = page(phone, "/", headers={"Accept-Language": "fr-FR"})
    assert '<html lang="de">' in home
    assert "Wie stark ist der Schmerz jetzt?" in home
    # Back to following the browser.
    client.post("/account", data={"language": "", "timezone": "Europe/London"})
    assert '<html lang="fr">' in page(phone, "/", headers={"Accept-Language": "fr-FR"})


def test_a_language_the_diary_does_not_speak_is_refused_and_nothing_changes(app, client, alice):
    response = client.post(
        "/account",
        data={"language": "xx", "timezone": "Asia/Tokyo", "email": "", "weight_kg": ""},
    )
    assert response.status_code == 422
    assert "&#39;xx&#39; is not a language; use one of: en, de, es, fr." in response.get_data(
        as_text=True
    )
    with app.app_context():
        assert (user_row(alice).language, user_row(alice).timezone) == (None, "Europe/London")


def test_switching_low_light_keeps_every_other_setting(app, client, alice):
    client.post(
        "/account",
        data={"language": "es", "timezone": "Europe/Madrid", "email": "a@example.org",
              "weight_kg": "61.5"},
    )  # fmt: skip
    client.post("/account/low-light")
    with app.app_context():
        user = user_row(alice)
        assert (user.low_light, user.language, user.timezone, user.email, user.weight_kg) == (
            True, "es", "Europe/Madrid", "a@example.org", 61.5,
        )  # fmt: skip


def test_days_and_figures_are_written_the_readers_way(app, client, alice):
    speaks_german(app, alice)
    yesterday = datetime.now(ZoneInfo("Europe/London")).date() - timedelta(days=1)
    client.post("/readings/new", data={"day": yesterday.isoformat(), "time": "08:30", "pain": "5"})
    client.post("/readings/new", data={"day": yesterday.isoformat(), "time": "09:30", "pain": "6"})
    home = page(client, "/")
    weekday = format_date(yesterday, "EEE", locale="de")  # "Mo.", as German abbreviates it
    row = f'<th scope="row">{weekday}, {yesterday.day}. '
    assert row in home
    # The day's mean of 5 and 6, with a decimal comma.
    assert re.search(re.escape(row) + r"[^<]*</th>\s*<td>5,5</td>", home)


# English words that would show a string was left unmarked (the short list and more);
# "J Pain" and "Pain" after "et al., " are journals in a citation, which stay as published.
ENGLISH_WORDS = re.compile(
    r"\b((?<!J )(?<!al\., )Pain|Treatments?|Reminders?|Save|Settings|Today|Medicines?|"
    r"Side effects|Sign out|Log|Edit|Remove|Delete|Report|Back|Nothing|Your|the|and|of|with)\b"
)
# The pages translated so far; each area is added here once its strings are marked.
GERMAN_PAGES = (
    "/",
    "/more",
    "/account",
    "/readings",
    "/readings/new",
    "/side-effects/",
    "/side-effects/new",
    "/medications/",
    "/medications/new",
    "/reminders",
    "/treatments/",
    "/treatments/new",
    "/trends",
    "/report?from=2024-02-01&to=2024-03-31&appendix=1",
    "/export",
    "/shares",
    "/household/",
    "/midas",
)


class ShownText(HTMLParser):
    """Collect what a reader sees or hears: text, and labels, titles and alternative texts."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.hidden += 1
        for name, value in attrs:
            if name in ("aria-label", "title", "alt", "placeholder") and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden and data.strip():
            self.parts.append(data.strip())


def test_a_german_speaking_patient_sees_no_english_on_the_translated_pages(app, client, alice):
    speaks_german(app, alice)
    # A diary with something on every page: a treatment with its follow-up, a rate change,
    # a severe side effect (the calm safety message), a medicine and a reading.
    treatment = client.post(
        "/treatments/new",
        data={"kind": "ketamine_iv_inpatient", "started_on": "2024-03-04",
              "ended_on": "2024-03-09", "setting": "Jefferson", "notes": ""},
    ).location  # fmt: skip
    client.post(
        f"{treatment}/doses",
        data={"day": "2024-03-05", "time": "10:00", "rate": "1.5", "unit": "mg/kg/h"},
    )
    client.post(
        "/side-effects/new",
        data={"day": "2024-03-06", "time": "20:00", "severity-seizures": "severe"},
    )
    client.post(
        "/medications/new",
        data={"day": "2024-03-06", "time": "21:00", "name": "Sumatriptan", "dose": "50 mg",
              "med_class": "triptan"},
    )  # fmt: skip
    client.post("/readings/new", data={"day": "2024-03-06", "time": "08:30", "pain": "7"})
    pages = (*GERMAN_PAGES, treatment, f"{treatment}/edit", f"{treatment}/outcome")
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        reader = ShownText()
        reader.feed(response.get_data(as_text=True))
        # Quotes from the source documents stay in English, inside “…”, with the source named.
        leftovers = [p for p in reader.parts if ENGLISH_WORDS.search(p) and "“" not in p]
        assert leftovers == [], path


def test_the_report_pdf_speaks_the_patients_language(app, client, alice):
    speaks_german(app, alice)
    client.post("/readings/new", data={"day": "2024-03-06", "time": "08:30", "pain": "7"})
    pdf = PdfReader(io.BytesIO(client.get("/report.pdf?from=2024-03-01&to=2024-03-31").data))
    whole = " ".join(page.extract_text() for page in pdf.pages)
    for german in (
        "Bericht aus dem Kopfschmerztagebuch",
        "Zusammenfassung",
        "Was die Zahlen bedeuten",
    ):
        assert german in whole
    assert "What the numbers mean" not in whole


def test_a_refused_value_is_explained_in_the_patients_language_and_scripts_get_english(
    app, client, alice
):
    speaks_german(app, alice)
    german = "„Schmerz“ muss zwischen 0 und 10 liegen, nicht 42."
    form = {"day": "2024-03-06", "time": "08:30", "pain": "42"}
    response = client.post("/readings/new", data=form)
    assert response.status_code == 422 and german in response.get_data(as_text=True)
    # The offline queue's JSON says it in German too; a script with an API token and no
    # browser language reads English.
    body = {"client_key": "de-1", "at": "2024-03-06T08:30:00Z", "pain": 42, "user_id": alice}
    assert client.post("/sync/readings", json=body).get_json()["error"]["message"] == german
    script = app.test_client().post(
        "/api/v1/readings", json={"pain": 42}, headers=token_for(app, alice)
    )
    assert script.get_json()["error"]["message"] == "Pain must be from 0 to 10, not 42."
    with app.app_context():
        assert db.session.scalar(select(func.count(Reading.id))) == 0


@pytest.mark.parametrize(
    ("language", "confusion", "delusion"),
    [
        ("fr", "Confusion (syndrome confusionnel)", "délire"),
        ("es", "Confusión (síndrome confusional)", "delirio"),
    ],
)
def test_confusion_is_named_as_clinicians_name_it_not_as_a_delusion(
    app, client, alice, language, confusion, delusion
):
    speaks(app, alice, language)
    form = page(client, "/side-effects/new")
    assert confusion in form
    assert delusion not in form.lower()


def test_the_german_safety_message_writes_the_side_effects_as_nouns(app, client, alice):
    speaks_german(app, alice)
    saved = client.post(
        "/side-effects/new",
        data={"day": "2024-03-06", "time": "20:00", "severity-seizures": "mild",
              "severity-respiratory_difficulty": "moderate"},
    )  # fmt: skip
    assert "Sie haben eingetragen: Atembeschwerden, Krampfanfall." in page(client, saved.location)


@pytest.mark.parametrize(
    ("language", "responders", "sustained"),
    [
        ("de", "55 von 77 Patientinnen und Patienten (71,4 %)",
         "15 der 55 Patientinnen und Patienten, deren Schmerz um mindestens zwei Punkte sank"),
        ("es", "55 de 77 pacientes (71,4 %)",
         "15 de los 55 pacientes cuyo dolor bajó al menos dos puntos"),
        ("fr", "55 patients sur 77 (71,4 %)",
         "15 des 55 patients dont la douleur a baissé d’au moins deux points"),
    ],
)  # fmt: skip
def test_the_study_figures_are_in_the_patients_language_keeping_of_the_55(
    app, client, alice, language, responders, sustained
):
    speaks(app, alice, language)
    treatment = client.post(
        "/treatments/new",
        data={"kind": "ketamine_iv_inpatient", "started_on": "2024-03-04",
              "ended_on": "2024-03-09"},
    ).location  # fmt: skip
    outcome = page(client, f"{treatment}/outcome")
    assert responders in outcome and sustained in outcome
    assert "patients (71.4%)" not in outcome and "patients who dropped" not in outcome
