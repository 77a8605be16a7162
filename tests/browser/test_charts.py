"""Chart pages draw in Chromium under the strict CSP, and the report prints to one or two pages."""

import io
from datetime import date, datetime, timedelta

from pypdf import PdfReader

from diary.clock import local_today
from diary.extensions import db
from diary.services.accounts import find_user
from diary.services.readings import add_reading
from diary.services.side_effects import add_report
from diary.services.treatments import add_treatment
from tests.browser.conftest import screenshot, sign_in, wait_until


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
    baseline = page.get_by_role("row", name="Baseline (28 days before)")
    assert "7.0" in baseline.inner_text()
    assert page.get_by_text("Dropped at least 2 points", exact=True).is_visible()
    assert page.get_by_text("The same summary cautions:").is_visible()


def test_quick_log_page_loads_no_chart_code(page, live_server, console):
    name = live_server.make_user()
    scripts = []
    page.on("request", lambda r: scripts.append(r.url) if r.resource_type == "script" else None)
    sign_in(page, live_server, name)
    assert not [s for s in scripts if "chart" in s]


def test_report_prints_to_at_most_two_pages_with_figures_and_definitions(
    page, live_server, console
):
    name = live_server.make_user()
    seed_months(live_server, name)
    sign_in(page, live_server, name)
    page.goto(live_server.url + "/report")
    assert charts_drawn(page) == ["pain-chart"]
    for paper in ("A4", "Letter"):
        pdf = PdfReader(io.BytesIO(page.pdf(format=paper, print_background=True)))
        text = " ".join(p.extract_text() for p in pdf.pages)
        assert 1 <= len(pdf.pages) <= 2, (paper, len(pdf.pages))
        assert "Headache diary report" in text
        assert "What the numbers mean" in text
        assert "Baseline (28 days before)" in text and "Days 1 to 28 after" in text
        assert "As the study in seed 001 counted" in text
        assert "Sign out" not in text and "What to include" not in text
