"""On a 390x844 phone: the pain buttons are on the first screen in every state, and the tab
bar marks where one is (that no page scrolls sideways is checked on test_accessibility's
walks through every page)."""

from datetime import datetime, timedelta

import pytest
from playwright.sync_api import expect

from diary.clock import local_now, local_today
from diary.extensions import db
from diary.services.accounts import find_user
from diary.services.medications import add_dose
from diary.services.side_effects import add_report
from diary.services.treatments import add_treatment
from tests.browser.conftest import ARTIFACTS, screenshot, sign_in
from tests.browser.test_accessibility import DESKTOP, PHONE


def everything_due(server, name: str) -> None:
    """Two overdue follow-ups, a month of triptan days and a severe side effect an hour ago."""
    with server.app.app_context():
        user = find_user(name)
        today, now = local_today(user.timezone), local_now(user.timezone)
        for weeks in (6, 8):
            add_treatment(
                user,
                kind="ketamine_iv_inpatient",
                started_on=today - timedelta(weeks=weeks, days=4),
                ended_on=today - timedelta(weeks=weeks),
            )
        for n in range(12):
            day = today - timedelta(days=2 * n + 1)
            add_dose(
                user,
                taken_at=datetime.combine(day, datetime.min.time()).replace(hour=9),
                name="sumatriptan",
                dose="50 mg",
                med_class="triptan",
                relief_2h="better",  # answered: home asks no 2-hour question
            )
        add_report(user, recorded_at=now - timedelta(hours=1), effect="nausea", severity="severe")
        db.session.commit()


def buttons_on_first_screen(page) -> list[str]:
    """Return the pain buttons that are not wholly inside the first 390x844 screen."""
    page.evaluate("window.scrollTo(0, 0)")
    outside = []
    for n in range(11):
        box = page.get_by_role("button", name=f"Log pain {n},").bounding_box()
        if not (box and box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"] - 64):
            outside.append(str(n))  # 64: the tab bar covers the bottom of the screen
    return outside


@pytest.mark.parametrize("low_light", [False, True])
def test_the_pain_buttons_are_on_the_first_screen_in_every_state(browser, live_server, low_light):
    name = live_server.make_user()
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        sign_in(page, live_server, name)
        if low_light:
            page.get_by_role("button", name="Low light").click()
        assert buttons_on_first_screen(page) == [], "nothing due"
        everything_due(live_server, name)
        page.goto(live_server.url + "/")
        summary = page.locator(".attention-summary").inner_text()
        # Two follow-ups and the two treatments' change questions (PGIC).
        assert "4 things to do" in summary and "Medicine days" in summary
        assert "side effect" in summary
        assert buttons_on_first_screen(page) == [], "reminders, overuse and a safety note"
        suffix = "-low-light" if low_light else ""
        page.screenshot(path=str(ARTIFACTS / f"home-phone-first-screen{suffix}.png"))
        page.get_by_role("button", name="Log pain 6,").click()
        page.wait_for_url("**/?saved=*")
        assert buttons_on_first_screen(page) == [], "just saved"
        screenshot(page, f"home-phone-everything-due{suffix}")
        # The details are a tap away.
        page.get_by_role("link", name="4 things to do").click()
        expect(page.get_by_role("heading", name="Needs doing")).to_be_visible()
    finally:
        context.close()


def test_the_tab_bar_marks_the_current_place_and_more_holds_the_rest(browser, live_server):
    name = live_server.make_user()
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        sign_in(page, live_server, name)
        tabs = page.get_by_role("navigation", name="Tabs")
        header = page.locator("header.site").bounding_box()
        assert header["height"] <= 56
        assert tabs.get_by_role("link", name="Today").get_attribute("aria-current") == "page"
        tabs.get_by_role("link", name="More").click()
        page.wait_for_url(live_server.url + "/more")
        page.locator("#main").get_by_role("link", name="Medicines").click()
        assert tabs.get_by_role("link", name="More").get_attribute("aria-current") == "page"
        assert tabs.get_by_role("link", name="Today").get_attribute("aria-current") is None
        # Typing hides the bar, so that it never sits on the on-screen keyboard.
        page.goto(live_server.url + "/readings/new")
        page.get_by_label("Note").focus()
        expect(tabs).to_be_hidden()
    finally:
        context.close()


def test_one_place_is_current_on_a_wide_screen_and_it_fits_one_line(browser, live_server):
    name = live_server.make_user()
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    try:
        sign_in(page, live_server, name)
        top = page.get_by_role("navigation", name="Main")
        for path, current in (("/report", "Report"), ("/trends", "Trends"), ("/shares", "More")):
            page.goto(live_server.url + path)
            marked = top.locator("[aria-current=page]").all_inner_texts()
            assert marked == [current], path
        assert page.locator("header.site").bounding_box()["height"] <= 72
    finally:
        context.close()
