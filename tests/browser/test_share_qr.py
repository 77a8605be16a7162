"""A doctor scans the QR code on the patient's phone and opens the report on their own."""

import shutil
import subprocess

from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, screenshot, sign_in
from tests.browser.test_charts import seed_months

PHONE = {"width": 390, "height": 844}


def test_the_qr_code_opens_the_shared_report_on_another_phone(page, browser, live_server, console):
    name = live_server.make_user()
    seed_months(live_server, name)
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, name)
    page.goto(live_server.url + "/report")
    page.get_by_label("Days the link works (1 to 90)").fill("14")
    page.get_by_role("button", name="Make a link").click()
    shown = page.get_by_role("textbox", name="Link").input_value()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    qr = ARTIFACTS / "share-qr.png"
    page.locator(".qr svg").screenshot(path=str(qr))
    screenshot(page, "share-made-phone")

    # What a phone camera reads from the code on the screen.
    scanned = subprocess.run(
        [shutil.which("zbarimg"), "--quiet", "--raw", str(qr)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert scanned == shown and "/s/" in scanned

    # The doctor's phone: a browser of its own, no account, no cookies.
    doctor = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        report = doctor.new_page()
        report.goto(scanned)
        expect(report.get_by_role("heading", name="Headache diary report")).to_be_visible()
        assert f"Shared by the patient, {name}" in report.inner_text("body")
        assert report.locator("svg.svg-chart").count() >= 1
        assert report.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        assert doctor.cookies() == []
        screenshot(report, "share-opened-phone")
    finally:
        doctor.close()
