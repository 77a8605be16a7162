"""A new person's whole journey in Chromium, asserting what they see at each step."""

import io
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from diary.clock import local_today
from tests.browser.conftest import Console, screenshot, wait_until
from tests.server import DiaryServer

pytestmark = pytest.mark.diary_serve

PASSWORD = "a long enough password"


@pytest.fixture
def fresh_server(tmp_path):
    """A diary with no account yet, as after `make run` on a new machine."""
    server = DiaryServer(tmp_path / "instance", DIARY_LOGIN_RATE_LIMIT="1000 per minute").start()
    yield server
    server.stop()


def test_a_new_person_from_first_run_to_sign_out(page, fresh_server, tmp_path):
    console = Console(page)
    base = fresh_server.url
    page.set_viewport_size({"width": 390, "height": 844})

    # First run: the only way in is to create the first account.
    page.goto(base + "/")
    expect(page.get_by_role("heading", name="Welcome to your headache diary")).to_be_visible()
    page.get_by_label("Username").fill("sam")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_text("Your diary is ready")).to_be_visible()

    # Quick log: one tap saves, one tap undoes.
    page.get_by_role("button", name="Log pain 6, moderate, now").click()
    expect(page.get_by_text("Saved: pain 6 at")).to_be_visible()
    screenshot(page, "journey-saved-phone")
    page.get_by_role("button", name="Undo").click()
    expect(page.get_by_text("Removed the reading of pain 6")).to_be_visible()
    expect(page.get_by_text("Nothing logged today yet.")).to_be_visible()
    page.get_by_role("button", name="Log pain 3, mild, now").click()

    # Back-fill yesterday.
    page.get_by_role("link", name="Log for yesterday").click()
    page.get_by_label("5, moderate").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved pain 5 for")).to_be_visible()

    # A treatment that ended two weeks ago, with its dose log.
    today = local_today("UTC")
    ended = today - timedelta(days=14)
    # Until the stylesheet has loaded, the phone and desktop menus both show their links.
    page.wait_for_load_state("load")
    page.get_by_role("link", name="Treatments").click()
    page.get_by_role("link", name="Add a treatment").click()
    page.get_by_label("Kind of treatment").select_option("ketamine_iv_inpatient")
    page.get_by_label("Started on").fill((ended - timedelta(days=4)).isoformat())
    page.get_by_label("Ended on (empty while it runs)").fill(ended.isoformat())
    page.get_by_label("Where (optional)").fill("Jefferson")
    page.get_by_role("button", name="Save").click()
    expect(
        page.get_by_role("heading", name="Ketamine IV infusion (inpatient admission)")
    ).to_be_visible()
    page.get_by_label("Rate").fill("1.2")
    page.get_by_role("button", name="Add rate change").click()
    expect(
        page.get_by_text("higher than the highest rate used in the study (1.0 mg/kg/h)")
    ).to_be_visible()
    expect(page.get_by_text("this diary only records it")).to_be_visible()

    # Side effects after an infusion day.
    # On a phone, everything but Today, Trends and Treatments is under More.
    page.get_by_role("navigation", name="Tabs").get_by_role("link", name="More").click()
    # Loaded, styles and all: until then the wide screen's links are there as well.
    page.wait_for_url(base + "/more")
    page.get_by_role("link", name="Side effects").click()
    page.get_by_role("link", name="Log side effects").click()
    page.locator("input[name=severity-nausea][value=moderate]").check()
    page.locator("input[name=severity-dizziness][value=mild]").check()
    page.get_by_role("button", name="Save side effects").click()
    expect(page.get_by_text("Saved 2 side effects.")).to_be_visible()
    # On a phone the list is one card per report (issue 27).
    expect(page.locator("main table").get_by_text("Nausea", exact=True)).to_be_visible()

    # The follow-up reminder is due today, first on the home page.
    page.get_by_role("link", name="Headache diary").click()
    needs = page.get_by_role("region", name="Needs doing")
    assert "Follow up with your headache specialist" in needs.inner_text()
    assert "due" in needs.inner_text()

    # Charts, from the phone's tab bar (only the tab bar: before the stylesheet applies,
    # the wide screens' navigation shows the same link).
    page.get_by_role("navigation", name="Tabs").get_by_role("link", name="Trends").click()
    wait_until(page, "!!window.Chart && !!Chart.getChart(document.getElementById('pain-chart'))")
    screenshot(page, "journey-trends-phone")

    # The report prints to at most three pages: the 28-day table prints whole, a row per
    # measure (before, its last columns ran off the page).
    page.goto(base + "/report")
    assert page.locator("svg.svg-chart").count() >= 1
    pdf = PdfReader(io.BytesIO(page.pdf(format="A4")))
    assert 1 <= len(pdf.pages) <= 3
    assert "Headache diary report" in pdf.pages[0].extract_text()

    # Export readings.csv and import it again: nothing is duplicated.
    page.get_by_role("navigation", name="Tabs").get_by_role("link", name="More").click()
    page.wait_for_url(base + "/more")
    page.get_by_role("link", name="Export & import").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="readings.csv").click()
    saved = tmp_path / "readings.csv"
    download.value.save_as(saved)
    assert saved.read_bytes().startswith(b'"recorded_at","pain","note"\r\n')
    page.get_by_label("CSV files", exact=True).set_input_files(str(saved))
    page.get_by_role("button", name="Import CSV file").click()
    expect(
        page.get_by_text("Imported 0 new entries; 2 were already in your diary.")
    ).to_be_visible()

    # Sign out (under More on a phone). The tab bar's More: the answer to the import shows
    # before its stylesheet has hidden the wide screen's links.
    page.get_by_role("navigation", name="Tabs").get_by_role("link", name="More").click()
    page.wait_for_url(base + "/more")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    page.goto(base + "/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert console.problems == []
