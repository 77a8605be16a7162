"""Chart pages draw in Chromium under the strict CSP, and the report prints to one or two pages."""

import io
from datetime import date, datetime, timedelta
from unicodedata import normalize

from playwright.sync_api import expect
from pypdf import PdfReader

from diary.clock import local_today
from diary.extensions import db
from diary.services.accounts import find_user
from diary.services.readings import add_reading
from diary.services.side_effects import add_report
from diary.services.treatments import add_treatment
from tests.browser.conftest import ARTIFACTS, screenshot, sign_in, wait_until


def seed_months(server, name: str) -> date:
    """Give the user 120 days of readings around an inpatient infusion; return its end date."""
    with server.app.app_context():
        user = find_user(name)
        today = local_today(user.timezone)
        ended = today - timedelta(days=40)
        add_treatment(
            user,
            kind="ketamine_iv_inpatient",
            started_on=ended - timedelta(days=4),
            ended_on=ended,
            setting="Jefferson",
        )
        for n in range(1, 121):
            day = today - timedelta(days=n)
            pain = 7 if day < ended - timedelta(days=4) else 3
            for hour in (8, 20):
                add_reading(
                    user,
                    recorded_at=datetime.combine(day, datetime.min.time()).replace(hour=hour),
                    pain=pain,
                )
        add_report(
            user,
            recorded_at=datetime.combine(ended, datetime.min.time()).replace(hour=9),
            effect="nausea",
            severity="mild",
        )
        db.session.commit()
    return ended


def charts_drawn(page) -> list[str]:
    """Wait until the chart script ran, then return the ids of canvases holding a chart."""
    wait_until(
        page,
        "!!window.Chart && Array.from(document.querySelectorAll('canvas'))"
        ".every(c => !!Chart.getChart(c))",
    )
    return page.evaluate(
        "Array.from(document.querySelectorAll('canvas'))"
        ".filter(c => window.Chart && Chart.getChart(c)).map(c => c.id)"
    )


def test_trends_page_draws_every_chart(page, live_server, console):
    name = live_server.make_user()
    seed_months(live_server, name)
    sign_in(page, live_server, name)
    page.goto(live_server.url + "/trends?range=365")
    assert sorted(charts_drawn(page)) == ["effects-chart", "months-chart", "pain-chart"]
    screenshot(page, "trends-desktop")


def test_outcome_page_shows_the_figures_and_the_chart(page, live_server, console):
    name = live_server.make_user()
    seed_months(live_server, name)
    sign_in(page, live_server, name)
    page.goto(live_server.url + "/treatments/")
    page.get_by_role("link", name="Ketamine IV infusion (inpatient admission)").click()
    page.get_by_role("link", name="Pain before and after").click()
    assert charts_drawn(page) == ["outcome-chart", "pain-chart"]
    # The first column is the baseline's.
    mean_pain = page.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name="Mean pain (change)", exact=True)
    )
    assert mean_pain.inner_text().split("\t")[1] == "7.0"
    expect(page.get_by_text("Dropped at least 2 points", exact=True)).to_be_visible()
    expect(page.get_by_text("The same summary cautions:")).to_be_visible()


def test_quick_log_page_loads_no_chart_code(page, live_server, console):
    name = live_server.make_user()
    scripts = []
    page.on("request", lambda r: scripts.append(r.url) if r.resource_type == "script" else None)
    sign_in(page, live_server, name)
    assert not [s for s in scripts if "chart" in s]


def test_report_prints_to_at_most_three_pages_with_figures_and_definitions(
    page, live_server, console
):
    name = live_server.make_user()
    seed_months(live_server, name)
    sign_in(page, live_server, name)
    page.goto(live_server.url + "/report")
    # Drawn on the server: the SVG is there without any chart script.
    assert page.locator("svg.svg-chart:visible").count() == 2  # of each chart, one size shows
    assert not page.evaluate("!!window.Chart")
    for paper in ("A4", "Letter"):
        pdf = PdfReader(io.BytesIO(page.pdf(format=paper, print_background=True)))
        # NFKC: Chromium draws "ff" as one ligature glyph, which pypdf reads back as such.
        text = " ".join(normalize("NFKC", " ".join(p.extract_text() for p in pdf.pages)).split())
        # Three since the 28-day table prints whole: before, its last columns ran off the page.
        assert 1 <= len(pdf.pages) <= 3, (paper, len(pdf.pages))
        for measure in ("Mean daily highest", "Mean pain (change)", "Acute-medicine days"):
            assert measure in text, (paper, measure)
        assert "Headache diary report" in text
        assert "What the numbers mean" in text
        assert "Baseline (28 days before)" in text and "Days 1 to 28 after" in text
        assert "Admission and discharge, as the Jefferson study counted them" in text
        assert "Sign out" not in text and "What to include" not in text


def label_boxes(page) -> list[dict]:
    """Return the drawn box of every text in the report's SVG charts that show."""
    return page.evaluate(
        "Array.from(document.querySelectorAll('svg.svg-chart text'))"
        ".filter(t => t.getClientRects().length).map(t => {"
        " const r = t.getBoundingClientRect();"
        " return {text: t.firstChild.nodeValue, left: r.left, right: r.right, top: r.top,"
        " bottom: r.bottom}; })"
    )


def overlapping(boxes: list[dict]) -> list[tuple[str, str]]:
    return [
        (a["text"], b["text"])
        for n, a in enumerate(boxes)
        for b in boxes[n + 1 :]
        if a["left"] < b["right"]
        and b["left"] < a["right"]
        and a["top"] < b["bottom"]
        and b["top"] < a["bottom"]
    ]


def test_report_chart_labels_never_overlap_even_when_treatments_crowd(page, live_server, console):
    name = live_server.make_user()
    ended = seed_months(live_server, name)
    with live_server.app.app_context():
        user = find_user(name)
        # Two more treatments within days of the first, and its follow-up among them.
        for offset, kind in ((3, "ketamine_iv_outpatient"), (9, "other_infusion")):
            add_treatment(
                user,
                kind=kind,
                started_on=ended + timedelta(days=offset),
                ended_on=ended + timedelta(days=offset + 1),
            )
        db.session.commit()
    sign_in(page, live_server, name)
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(live_server.url + "/report")
        boxes = label_boxes(page)
        assert sum(b["text"] == "Follow-up" for b in boxes) >= 1
        assert overlapping(boxes) == [], width
        screenshot(page, f"report-svg-{width}")
        page.locator("svg.svg-chart:visible").first.screenshot(
            path=str(ARTIFACTS / f"report-pain-chart-{width}.png")
        )
