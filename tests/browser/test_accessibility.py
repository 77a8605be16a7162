"""axe-core on every page, in light, dark and low-light modes: zero WCAG 2.1 AA violations."""

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from diary.extensions import db
from diary.models import MedicationDose, SideEffectReport, Treatment
from diary.services.accounts import find_user
from diary.services.attacks import add_attack
from diary.services.day_marks import mark_day
from diary.services.medications import add_dose
from diary.services.preventives import add_regimen
from diary.services.shares import create_share
from tests.browser.conftest import sign_in
from tests.browser.test_charts import seed_months

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PAGES = [
    "/",
    "/?saved={reading}",
    "/readings",
    "/readings/new",
    "/readings/{reading}/edit",
    "/attacks",
    "/attacks/{attack}/edit",
    "/treatments/",
    "/treatments/new",
    "/treatments/{treatment}",
    "/treatments/{treatment}/edit",
    "/treatments/{treatment}/outcome",
    "/side-effects/",
    "/side-effects/new",
    "/side-effects/{report}/edit",
    "/medications/",
    "/medications/new",
    "/medications/{dose}/edit",
    "/preventives/",
    "/preventives/new",
    "/preventives/{regimen}/edit",
    "/reminders",
    "/trends",
    "/report",
    "/export",
    "/account",
    "/midas",
    "/household/",
    "/shares",
    "/s/{share}",
    "/s/no-such-link",
    "/no-such-page",
]


def context_with_axe(browser, **options):
    """Open a browser context whose every page has axe-core loaded, before its own scripts.

    Given to Chromium once over the DevTools protocol (which the page's CSP does not govern)
    rather than sent with each page checked: sending the 550 kB script again for each of 32
    pages cost about 2.5 CPU-seconds a pass.
    """
    context = browser.new_context(**options)
    context.add_init_script(AXE)
    return context


def axe_violations(page) -> list[str]:
    """Return axe-core's WCAG 2.1 AA violations on a page of a context_with_axe."""
    # Only the violations' nodes are collected in full (resultTypes): the same rules run and
    # find the same violations, without listing every node that passed.
    return page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']}))"
        ".violations.map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(' | '))",
        WCAG_AA,
    )


@pytest.fixture(scope="module")
def diary_user(live_server):
    # Period days kept: the report and the shared page show migraine and menstruation.
    name = live_server.make_user(is_admin=True, period_tracking=True)
    seed_months(live_server, name)
    with live_server.app.app_context():
        user = find_user(name)
        mark_day(user, date.today() - timedelta(days=30), period=True)
        add_dose(
            user,
            taken_at=datetime(2024, 1, 1, 8),
            name="sumatriptan",
            dose="50 mg",
            med_class="triptan",
        )
        attack = add_attack(
            user,
            started_at=datetime(2024, 1, 1, 7),
            ended_at=datetime(2024, 1, 1, 19),
            peak_pain=8,
            side="right",
            nausea=True,
            vomiting=False,
            aura=["visual", "speech"],
            aura_minutes=25,
            triggers=["weather", "Bright office lights"],
        )
        regimen = add_regimen(
            user, name="Erenumab (Aimovig)", schedule="every_4_weeks", started_on=date(2024, 1, 1)
        )
        _, share = create_share(
            user,
            first_day=date.today() - timedelta(days=60),
            last_day=date.today(),
            treatment_ids=list(
                db.session.scalars(select(Treatment.id).where(Treatment.user_id == user.id))
            ),
        )
        db.session.commit()
        ids = {
            "attack": attack.id,
            "share": share,
            "reading": user.id
            and db.session.scalar(
                select(db.func.min(db.text("id")))
                .select_from(db.text("reading"))
                .where(db.text(f"user_id = {user.id}"))
            ),
            "treatment": db.session.scalar(
                select(Treatment.id).where(Treatment.user_id == user.id)
            ),
            "report": db.session.scalar(
                select(SideEffectReport.id).where(SideEffectReport.user_id == user.id)
            ),
            "dose": db.session.scalar(
                select(MedicationDose.id).where(MedicationDose.user_id == user.id)
            ),
            "regimen": regimen.id,
        }
    return name, ids


def violations_on_every_page(page, server, ids) -> dict[str, list[str]]:
    problems = {}
    for path in PAGES:
        page.goto(server.url + path.format(**ids))
        found = axe_violations(page)
        if found:
            problems[path] = found
    return problems


@pytest.mark.parametrize("mode", ["light", "dark", "low-light"])
def test_every_page_has_no_wcag_aa_violations(browser, live_server, diary_user, mode):
    name, ids = diary_user
    context = context_with_axe(
        browser,
        color_scheme="dark" if mode == "dark" else "light",
        viewport={"width": 390, "height": 844},
    )
    page = context.new_page()
    sign_in(page, live_server, name)
    if mode == "low-light":
        page.get_by_role("button", name="Low light").click()
    try:
        assert violations_on_every_page(page, live_server, ids) == {}
    finally:
        if mode == "low-light":
            page.goto(live_server.url + "/")
            page.get_by_role("button", name="Normal light").click()
        context.close()


@pytest.mark.parametrize("language", ["de", "es", "fr"])
def test_every_page_in_every_language_has_no_wcag_aa_violations(
    browser, live_server, diary_user, language
):
    # Longer words, another <html lang>: the same checks in each language the diary speaks.
    name, ids = diary_user
    set_language(live_server, name, language)
    context = context_with_axe(browser, viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        sign_in(page, live_server, name)
        assert page.evaluate("document.documentElement.lang") == language
        assert violations_on_every_page(page, live_server, ids) == {}
    finally:
        set_language(live_server, name, None)
        context.close()


def set_language(server, name: str, language: str | None) -> None:
    with server.app.app_context():
        find_user(name).language = language
        db.session.commit()
