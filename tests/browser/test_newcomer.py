"""A new patient's walk in Chromium: the report's choices, a link a doctor can open (issue 27)."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from diary.clock import local_today
from diary.services.accounts import find_user
from tests.browser.conftest import PASSWORD, screenshot, sign_in
from tests.browser.test_charts import seed_months
from tests.server import DiaryServer

PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize("public", [True, False], ids=["public-address", "home-network"])
def test_a_newcomer_walks_from_the_first_run_to_a_link_the_doctor_opens(browser, tmp_path, public):
    """From `make run`'s first page, on a phone in Chicago, to the report on the doctor's phone."""
    server = DiaryServer(tmp_path / "instance", DIARY_BACKUP_KEEP="0")
    # The doctor reaches the diary by a name of its own; the patient browses on 127.0.0.1.
    public_address = f"http://localhost:{server.port}"
    if public:
        server.env["DIARY_BASE_URL"] = public_address
    server.start()
    patient = browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, timezone_id="America/Chicago"
    )
    doctor = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        page = patient.new_page()
        page.goto(server.url + "/")
        expect(page.get_by_label("Time zone")).to_have_value("America/Chicago")
        page.get_by_label("Username").fill("sam")
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_label("Password again").fill(PASSWORD)
        page.get_by_role("button", name="Create account").click()
        page.wait_for_url(server.url + "/")
        page.get_by_role("button", name="Log pain 6,").click()
        page.wait_for_url("**/?saved=*")
        page.goto(server.url + "/account")
        expect(page.get_by_label("Time zone")).to_have_value("America/Chicago")

        page.goto(server.url + "/report")
        warning = page.get_by_text("This link will open only on your own network.")
        if public:
            expect(warning).to_have_count(0)
        else:
            expect(warning).to_be_visible()
            expect(page.get_by_text("Give your specialist the PDF instead")).to_be_visible()
        page.get_by_role("button", name="Make a link").click()
        link = page.get_by_role("textbox", name="Link").input_value()
        assert link.startswith(f"{public_address if public else server.url}/s/")
        screenshot(page, f"newcomer-link-{'public' if public else 'home'}")

        report = doctor.new_page()
        report.goto(link)
        expect(report.get_by_role("heading", name="Headache diary report")).to_be_visible()
        assert "Shared by the patient, sam" in report.inner_text("body")
        assert doctor.cookies() == []
    finally:
        patient.close()
        doctor.close()
        server.stop()


def test_the_pdf_and_the_link_use_what_the_report_form_shows(page, live_server, console):
    name = live_server.make_user()
    seed_months(live_server, name)
    with live_server.app.app_context():
        first = local_today(find_user(name).timezone) - timedelta(days=30)
    sign_in(page, live_server, name)
    page.goto(live_server.url + "/report")
    treatment = page.get_by_role("checkbox", name="Ketamine IV infusion (inpatient admission)")
    expect(treatment).to_be_checked()
    make_link = page.get_by_role("button", name="Make a link")
    # A later start and no treatment, without pressing Update.
    page.get_by_label("From", exact=True).fill(first.isoformat())
    treatment.uncheck()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download PDF").click()
    asked = parse_qs(urlsplit(download.value.url).query, keep_blank_values=True)
    assert asked["from"] == [first.isoformat()] and asked["t"] == [""]  # none ticked
    assert download.value.suggested_filename.startswith(f"headache-report-{first.isoformat()}")
    pdf = " ".join(p.extract_text() for p in PdfReader(download.value.path()).pages)
    assert "Ketamine" not in pdf
    # The link and Print would use the report below: they wait for Update, and say so.
    expect(make_link).to_be_disabled()
    expect(page.get_by_role("button", name="Print")).to_be_disabled()
    expect(page.get_by_text("You changed what to include: press Update")).to_be_visible()
    page.get_by_role("button", name="Update").click()
    expect(make_link).to_be_enabled()
    shows = page.locator(".link-shows").inner_text()
    assert first.strftime("%d %b %Y") in shows and "no treatment's figures" in shows
    make_link.click()
    listed = page.get_by_role("table", name="Your shared links").inner_text()
    assert first.strftime("%d %b %Y") in listed and "0 treatments" in listed
