"""On a 390x844 phone: a monthly injection and a daily tablet, a dose marked missed, and the
question 2 hours after an acute medicine."""

from datetime import timedelta

from playwright.sync_api import expect

from diary.clock import local_now
from tests.browser.conftest import screenshot, sign_in

PHONE = {"width": 390, "height": 844}


def add_preventive(page, server, name: str, dose: str, started_on: str) -> None:
    """Add a preventive by picking its name from the list, which sets its usual schedule."""
    page.goto(server.url + "/preventives/new")
    page.get_by_label("Medicine").fill(name)
    page.get_by_label("Dose (optional)").fill(dose)
    page.get_by_label("Started on").fill(started_on)
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(server.url + "/preventives/")


def test_a_patient_adds_an_injection_and_a_tablet_marks_one_missed_and_answers_at_2_hours(
    browser, live_server, console
):
    name = live_server.make_user()
    now = local_now("Europe/London")
    today = now.date()
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        sign_in(page, live_server, name)
        # Picking Aimovig from the list sets "every 4 weeks"; the first was 4 weeks ago.
        page.goto(live_server.url + "/preventives/new")
        page.get_by_label("Medicine").fill("Erenumab (Aimovig)")
        expect(page.get_by_label("How often")).to_have_value("every_weeks")
        expect(page.get_by_label("Every how many days or weeks")).to_have_value("4")
        add_preventive(
            page, live_server, "Erenumab (Aimovig)", "140 mg", str(today - timedelta(28))
        )
        add_preventive(page, live_server, "Amitriptyline", "10 mg", str(today - timedelta(days=3)))
        listing = page.locator("table").inner_text()
        assert "every 4 weeks" in listing and "daily" in listing
        # An acute dose 2 hours and 10 minutes ago: its name from the list sets its kind.
        taken = now - timedelta(minutes=130)
        page.goto(live_server.url + "/medications/new")
        page.get_by_label("Date").fill(taken.date().isoformat())
        page.get_by_label("Time").fill(f"{taken:%H:%M}")
        page.get_by_label("Medicine", exact=True).fill("sumatriptan")
        expect(page.get_by_label("Kind of medicine")).to_have_value("triptan")
        page.get_by_role("button", name="Save").click()
        page.wait_for_url(live_server.url + "/medications/")

        page.goto(live_server.url + "/")
        expect(page.get_by_text("Erenumab (Aimovig) 140 mg due")).to_be_visible()
        screenshot(page, "home-phone-medicines-due")
        page.get_by_role("button", name="Missed today's Amitriptyline 10 mg").click()
        page.wait_for_url(live_server.url + "/")
        expect(page.get_by_role("button", name="Missed today's Amitriptyline")).to_have_count(0)
        injection = page.locator("li", has_text="Erenumab (Aimovig) 140 mg due")
        injection.get_by_role("button", name="Given").click()
        page.wait_for_url(live_server.url + "/")
        expect(page.get_by_text("Erenumab (Aimovig) 140 mg due")).to_have_count(0)

        question = page.get_by_role("heading", name="2 hours after sumatriptan")
        expect(question).to_be_visible()
        page.get_by_role("button", name="pain-free").click()
        page.wait_for_url(live_server.url + "/")
        expect(page.get_by_role("heading", name="2 hours after sumatriptan")).to_have_count(0)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

        page.goto(live_server.url + "/preventives/")
        rows = page.locator("tbody tr")
        expect(rows.filter(has_text="Amitriptyline")).to_contain_text("3 of 4")
        expect(rows.filter(has_text="Erenumab")).to_contain_text("1 of 1")
        page.goto(live_server.url + "/medications/")
        taken_table = page.get_by_role("table", name="Medicines taken, newest first")
        expect(taken_table).to_contain_text("2 h: pain-free")
    finally:
        context.close()
