"""Trends tell no more than was logged: gaps stay gaps, empty months show (issue 27)."""

from datetime import datetime, timedelta

import pytest

from diary.clock import local_today
from diary.extensions import db
from diary.services.accounts import find_user
from diary.services.readings import add_reading
from diary.services.side_effects import add_report
from diary.services.treatments import add_treatment
from tests.browser.conftest import screenshot, sign_in
from tests.browser.test_charts import charts_drawn

EFFECTS = ("nausea", "dizziness", "amnesia", "delirium", "hallucinations", "drowsiness")


def logged_with_a_gap(server, name: str) -> None:
    """Three weeks of pain 7 eight months ago, then nothing for five months, then three weeks."""
    with server.app.app_context():
        user = find_user(name)
        today = local_today(user.timezone)
        for first in (today - timedelta(days=240), today - timedelta(days=21)):
            for n in range(21):
                day = datetime.combine(first + timedelta(days=n), datetime.min.time())
                add_reading(user, recorded_at=day.replace(hour=9), pain=7)
        started = today - timedelta(days=20)
        add_treatment(
            user, kind="ketamine_iv_inpatient", started_on=started, ended_on=started + timedelta(3)
        )
        add_treatment(user, kind="nerve_block", started_on=started + timedelta(4))
        for n, effect in enumerate(EFFECTS):
            at = datetime.combine(started, datetime.min.time()) + timedelta(hours=10 + n)
            add_report(user, recorded_at=at, effect=effect, severity="mild")
        db.session.commit()


PAIN = "Chart.getChart(document.getElementById('pain-chart'))"
MONTHS = "Chart.getChart(document.getElementById('months-chart'))"
EFFECTS_CHART = "Chart.getChart(document.getElementById('effects-chart'))"


@pytest.mark.parametrize("language", ["en", "de"])
def test_trends_keep_gaps_show_empty_months_and_tell_every_series_apart(
    page, live_server, console, language
):
    name = live_server.make_user(language=language)
    logged_with_a_gap(live_server, name)
    sign_in(page, live_server, name)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + "/trends?range=365")
    assert set(charts_drawn(page)) == {"pain-chart", "months-chart", "effects-chart"}
    # The rolling mean stops where the entries stop: two runs, no line across five months.
    runs = page.evaluate(f"{PAIN}.getDatasetMeta(2).dataset.segments.length")
    assert runs == 2
    # Every month of the year is on the axis; those without an entry say so.
    labels = page.evaluate(f"{MONTHS}.data.labels")
    empty = [label for label in labels if isinstance(label, list)]
    assert len(labels) in (12, 13) and len(empty) >= 5
    no_data = "keine Daten" if language == "de" else "no data"
    assert all(label[1] == no_data for label in empty)
    # Six side effects: six colours, none repeated.
    colours = page.evaluate(f"{EFFECTS_CHART}.data.datasets.map(d => d.colour)")
    assert len(colours) == len(EFFECTS) == len(set(colours))
    # In the chart each treatment is its number; the list below names it whole.
    marks = page.evaluate(
        f"Object.values({PAIN}.options.plugins.annotation.annotations)"
        ".filter(a => a.type === 'box').map(a => a.label.content)"
    )
    assert marks == ["1", "2"]
    legend = page.locator("ol.chart-legend li")
    assert legend.count() == 2
    whole = "Ketamin" if language == "de" else "Ketamine IV infusion (inpatient admission):"
    assert whole in legend.nth(0).inner_text()
    screenshot(page, f"trends-gap-{language}")
