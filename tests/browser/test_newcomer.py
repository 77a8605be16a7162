"""A new patient's walk in Chromium: the report's choices, a link a doctor can open (issue 27)."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import expect
from pypdf import PdfReader

from diary.clock import local_today
from diary.services.accounts import find_user
from tests.browser.conftest import sign_in
from tests.browser.test_charts import seed_months


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
