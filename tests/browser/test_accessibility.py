"""axe-core on every page, in light, dark and low-light modes: zero WCAG 2.1 AA violations
(in every language: test_accessibility_languages.py); and, on the same walks through the
pages on a 390x844 phone, no page scrolls sideways (with a screenshot of each page at phone
and desktop width)."""

from dataclasses import dataclass, field
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
from tests.browser.conftest import screenshot, sign_in
from tests.browser.test_charts import seed_months

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
MODES = ["light", "dark", "low-light"]
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
    """Return axe's violations on every page, by page."""
    problems = {}
    for path in PAGES:
        page.goto(server.url + path.format(**ids))
        found = axe_violations(page)
        if found:
            problems[path] = found
    return problems


@dataclass
class Walk:
    """What one walk through every page in one mode found, by page."""

    violations: dict[str, list[str]] = field(default_factory=dict)
    wide: dict[str, tuple[int, int]] = field(default_factory=dict)


def sideways(page) -> tuple[int, int] | None:
    """Return the page's width and its tables that need their own scrolling, if any do."""
    width = page.evaluate("document.documentElement.scrollWidth")
    # A table that would need its own sideways scrolling does not read on a phone either.
    tables = page.evaluate(
        "Array.from(document.querySelectorAll('.scroll'))"
        ".filter(s => s.scrollWidth > s.clientWidth + 1).length"
    )
    return (width, tables) if width > PHONE["width"] or tables else None


def walk_every_page(browser, server, user, mode: str) -> Walk:
    """Open every page on a 390x844 touch screen in a mode: run axe, look for sideways
    scrolling, and keep a screenshot of it at 390x844 and at 1280x800."""
    name, ids = user
    scheme = "dark" if mode == "dark" else "light"
    context = context_with_axe(browser, viewport=PHONE, color_scheme=scheme, has_touch=True)
    page = context.new_page()
    walk = Walk()
    try:
        sign_in(page, server, name)
        if mode == "low-light":
            page.get_by_role("button", name="Low light").click()
        for path in [*PAGES, "/more"]:
            page.set_viewport_size(PHONE)
            page.goto(server.url + path.format(**ids))
            if path in PAGES and (found := axe_violations(page)):
                walk.violations[path] = found
            if found := sideways(page):
                walk.wide[path] = found
            slug = path.strip("/").replace("/", "-").replace("{", "").replace("}", "")
            slug = slug.split("?")[0] or "home"
            screenshot(page, f"phone-{mode}-{slug}")
            # Widened, the page is laid out again by its stylesheet and its charts by their
            # script: pixel for pixel the page loaded at that width (compared for every page
            # in each mode), without loading it again.
            page.set_viewport_size(DESKTOP)
            screenshot(page, f"desktop-{mode}-{slug}")
        return walk
    finally:
        if mode == "low-light":
            page.set_viewport_size(PHONE)
            page.goto(server.url + "/")
            page.get_by_role("button", name="Normal light").click()
        context.close()


@pytest.fixture(scope="module")
def walks(browser, live_server, diary_user):
    """Return the walk of a mode, walked once for the axe test and the sideways test alike.

    Each page load serves both (loading the 33 pages is about a third of a walk's time).
    """
    done: dict[str, Walk] = {}

    def walk(mode: str) -> Walk:
        if mode not in done:
            done[mode] = walk_every_page(browser, live_server, diary_user, mode)
        return done[mode]

    return walk


@pytest.mark.parametrize("mode", MODES)
def test_every_page_has_no_wcag_aa_violations(walks, mode):
    assert walks(mode).violations == {}


@pytest.mark.parametrize("mode", MODES)
def test_no_page_scrolls_sideways_on_a_phone(walks, mode):
    """Also keeps a screenshot of every page at 390x844 and 1280x800 in each mode."""
    assert walks(mode).wide == {}


def set_language(server, name: str, language: str | None) -> None:
    with server.app.app_context():
        find_user(name).language = language
        db.session.commit()
