"""A patient on a 390x844 phone records an attack in one tap each, adds its details later
with how a medicine taken during it worked at 2 hours, marks the next day headache-free and
sees both days classified; axe finds nothing on the new pages."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from diary.extensions import db
from diary.models import Attack, MedicationDose, Reading
from diary.services.accounts import find_user
from tests.browser.conftest import Console, screenshot, sign_in
from tests.browser.test_accessibility import axe_violations, context_with_axe, set_language
from tests.browser.test_phone import PHONE, buttons_on_first_screen


def move_to_yesterday(server, name: str) -> None:
    """Move the attack, its reading and its dose back a day: the server's clock cannot be
    set, and the journey needs a next day (and the dose's 2 hours to have passed)."""
    with server.app.app_context():
        user = find_user(name)
        for row in db.session.scalars(select(Attack).where(Attack.user_id == user.id)):
            row.started_at -= timedelta(days=1)
            row.ended_at -= timedelta(days=1)
        for row in db.session.scalars(select(Reading).where(Reading.user_id == user.id)):
            row.recorded_at -= timedelta(days=1)
        for row in db.session.scalars(
            select(MedicationDose).where(MedicationDose.user_id == user.id)
        ):
            row.taken_at -= timedelta(days=1)
        db.session.commit()


def day_row(page, day) -> str:
    return page.locator(f'tr[data-day="{day.isoformat()}"]').inner_text()


def test_a_patient_records_an_attack_and_sees_both_days_classified(browser, live_server):
    name = live_server.make_user()
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    console = Console(page)
    try:
        sign_in(page, live_server, name)
        page.get_by_role("button", name="Headache started").click()
        expect(page.get_by_text(re.compile(r"Headache since .*so far"))).to_be_visible()
        assert buttons_on_first_screen(page) == [], "an attack running"
        screenshot(page, "home-phone-attack-running")
        page.get_by_role("button", name="Log pain 6,").click()
        page.wait_for_url("**/?saved=*")
        assert buttons_on_first_screen(page) == [], "pain saved while an attack runs"
        # A painkiller during the attack, at the time the form offers (now).
        page.goto(live_server.url + "/medications/new")
        page.get_by_label("Medicine", exact=True).fill("ibuprofen")
        expect(page.get_by_label("Kind of medicine")).to_have_value("simple_analgesic")
        page.get_by_role("button", name="Save").click()
        page.wait_for_url(live_server.url + "/medications/")
        page.goto(live_server.url + "/")
        page.get_by_role("button", name="It has stopped").click()
        page.wait_for_url("**/?stopped=*")
        expect(page.get_by_role("button", name="Headache started")).to_be_visible()
        assert buttons_on_first_screen(page) == [], "just stopped"

        # The details come a day later, when the dose's 2 hours have long passed.
        move_to_yesterday(live_server, name)
        page.get_by_role("link", name="Add details").click()
        page.get_by_role("group", name="Nausea").get_by_label("Yes").check()
        page.get_by_role("group", name="Sensitive to light").get_by_label("Yes").check()
        after_2_hours = page.get_by_role("group", name=re.compile("2 hours after ibuprofen"))
        expect(after_2_hours.get_by_label("Not answered")).to_be_checked()
        after_2_hours.get_by_label("better").check()
        screenshot(page, "attack-details-phone")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.get_by_role("button", name="Save", exact=True).click()
        page.wait_for_url("**/attacks")
        expect(
            page.get_by_role("cell", name=re.compile("Nausea; Sensitive to light"))
        ).to_be_visible()
        page.goto(live_server.url + "/medications/")
        expect(page.get_by_role("table", name="Medicines taken, newest first")).to_contain_text(
            "2 h: better"
        )

        page.get_by_role("link", name="Today").locator("visible=true").first.click()
        page.get_by_role("button", name="No headache today").click()
        expect(page.get_by_role("button", name="No headache today")).to_have_attribute(
            "aria-pressed", "true"
        )
        # Opened by its address: on a loaded machine a nav link can be picked before the
        # stylesheet hides the desktop menu (the menus themselves are tested elsewhere).
        page.goto(live_server.url + "/trends")
        with live_server.app.app_context():
            user = find_user(name)
            attack = db.session.scalar(select(Attack).where(Attack.user_id == user.id))
            yesterday = attack.started_at.date()
            db.session.rollback()
        # Pain 6, nausea and light: a moderate headache day, one feature short of migraine.
        assert day_row(page, yesterday).split("\t")[1] == "Headache, moderate or severe"
        assert day_row(page, yesterday + timedelta(days=1)).split("\t")[1] == "No headache"
        expect(page.get_by_text("Counted by the Leiden e-diary rule")).to_be_visible()
        screenshot(page, "trends-phone-days")
        assert console.unexpected() == [], console.problems
    finally:
        context.close()


NEW_PAGES = ["/", "/attacks", "/attacks/{attack}/edit", "/trends", "/account", "/offline"]


@pytest.fixture(scope="module")
def attack_patient(live_server):
    """A patient with a described attack, one running now, and period days turned on."""
    name = live_server.make_user(period_tracking=True)
    with live_server.app.app_context():
        from diary.clock import local_now
        from diary.services.attacks import add_attack, update_attack
        from diary.services.medications import add_dose

        user = find_user(name)
        now = local_now(user.timezone)
        done = add_attack(
            user,
            started_at=now - timedelta(days=2),
            ended_at=now - timedelta(days=2) + timedelta(hours=6),
            peak_pain=7,
            side="left",
            pulsating=True,
            nausea=True,
            aura=["visual"],
            aura_minutes=20,
            triggers=["stress", "Red wine"],
        )
        update_attack(user, done, vomiting=False)
        # Its form asks how this dose worked at 2 hours.
        taken = now - timedelta(days=2) + timedelta(hours=1)
        add_dose(user, taken_at=taken, name="Sumatriptan", med_class="triptan")
        add_attack(user, started_at=now - timedelta(hours=1))
        db.session.commit()
        return name, done.id


@pytest.mark.parametrize("mode", ["light", "dark", "low-light", "de"])
def test_the_new_pages_have_no_wcag_aa_violations(browser, live_server, attack_patient, mode):
    name, attack_id = attack_patient
    if mode == "de":
        set_language(live_server, name, "de")
    context = context_with_axe(
        browser, color_scheme="dark" if mode == "dark" else "light", viewport=PHONE
    )
    page = context.new_page()
    try:
        sign_in(page, live_server, name)
        if mode == "low-light":
            page.get_by_role("button", name="Low light").click()
        problems = {}
        for path in NEW_PAGES:
            page.goto(live_server.url + path.format(attack=attack_id))
            if found := axe_violations(page):
                problems[path] = found
        assert problems == {}
    finally:
        if mode == "low-light":
            page.goto(live_server.url + "/")
            page.get_by_role("button", name="Normal light").click()
        if mode == "de":
            set_language(live_server, name, None)
        context.close()


def test_start_stop_and_no_headache_queue_offline_and_are_stored_once(browser, live_server):
    name = live_server.make_user()
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    try:
        sign_in(page, live_server, name)
        context.set_offline(True)
        page.get_by_role("button", name="Headache started").click()
        # Queued: the next tap is the stop, on the same page.
        page.get_by_role("button", name="It has stopped").click()
        status = page.locator("[data-sync-status]")
        expect(status).to_contain_text("Headache started at")
        expect(status).to_contain_text("Headache stopped at")
        context.set_offline(False)
        expect(status).to_contain_text("Synced 2 waiting entries.")
        page.reload()
        context.set_offline(True)
        page.get_by_role("button", name="No headache today").click()
        expect(status).to_contain_text("No headache today, tapped at")
        context.set_offline(False)
        expect(status).to_contain_text("Synced 1 waiting entry.")
        with live_server.app.app_context():
            user = find_user(name)
            attacks = db.session.scalars(select(Attack).where(Attack.user_id == user.id)).all()
            assert len(attacks) == 1 and attacks[0].ended_at >= attacks[0].started_at
            db.session.rollback()
        page.reload()
        expect(page.get_by_role("button", name="No headache today")).to_have_attribute(
            "aria-pressed", "true"
        )
    finally:
        context.close()
