"""Migraine and menstruation (ICHD-3 appendix A1.1.1 and A1.1.2) in the report: built diaries
checked in `diary report --json`, the report page, its PDF and a shared link."""

import html
import io
import json
import re
from datetime import date, datetime, timedelta
from pathlib import Path

from flask_babel import force_locale
from pypdf import PdfReader

from diary.extensions import db
from diary.services import menstrual
from diary.services.attacks import add_attack
from diary.services.day_marks import mark_day, mark_headache_free
from tests.conftest import user_row

# Three cycles 28 days apart, five period days each; the report ends on 31 March.
STARTS = (date(2026, 1, 10), date(2026, 2, 7), date(2026, 3, 7))
FIRST, AS_OF = date(2026, 1, 1), date(2026, 3, 31)
REPORT = f"/report?from={FIRST}&to={AS_OF}"


def build_diary(app, user_id, *, starts=STARTS, migraine=(), unknown=(), tracking=True) -> None:
    """Give every day from FIRST to AS_OF an entry: a migraine attack on the migraine days,
    nothing on the unknown days, a "no headache" tap on the rest; and the period days."""
    with app.app_context():
        user = user_row(user_id)
        user.period_tracking = tracking
        days = [FIRST + timedelta(days=n) for n in range((AS_OF - FIRST).days + 1)]
        for day in migraine:
            start = datetime.combine(day, datetime.min.time()).replace(hour=8)
            # 6 hours, one-sided and pulsating with nausea: a migraine day by either rule.
            add_attack(
                user,
                started_at=start,
                ended_at=start + timedelta(hours=6),
                side="left",
                pulsating=True,
                nausea=True,
            )
        mark_headache_free(user, [d for d in days if d not in migraine and d not in unknown])
        for start in starts:
            for n in range(5):
                mark_day(user, start + timedelta(days=n), period=True)
        db.session.commit()


def report_json(runner, as_of: date = AS_OF) -> dict:
    result = runner.invoke(args=["report", "--user", "alice", "--json", "--as-of", str(as_of)])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["menstrual_link"]


def shown(client) -> str:
    """Return the report page's menstrual section as text, in single spaces."""
    page = client.get(REPORT).get_data(as_text=True)
    found = re.search(r"<section[^>]*data-menstrual-link.*?</section>", page, re.S)
    assert found, "no menstrual section"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", found.group(0))).split())


def windows(link: dict) -> list[tuple]:
    """Return each cycle's day 1 with its window's migraine days, days not known and verdict."""
    shown = ("migraine_days", "unknown_days", "migraine")
    return [(c["started_on"], *(c["window"][key] for key in shown)) for c in link["cycles"]]


def test_migraine_only_in_the_windows_of_3_cycles_is_counted_with_none_outside(
    app, client, runner, alice
):
    # Day −2 of the first cycle, day +3 of the second (there is no day 0), day 1 of the third.
    build_diary(app, alice, migraine=(date(2026, 1, 8), date(2026, 2, 9), date(2026, 3, 7)))
    link = report_json(runner)
    assert windows(link) == [
        ("2026-01-10", 1, 0, True),
        ("2026-02-07", 1, 0, True),
        ("2026-03-07", 1, 0, True),
    ]
    assert link["cycles"][0]["window"] | {"migraine": None} == {
        "first_day": "2026-01-08",
        "last_day": "2026-01-12",
        "days": 5,
        "migraine_days": 1,
        "unknown_days": 0,
        "migraine": None,
    }
    assert (link["cycles_with_migraine_in_window"], link["cycles_not_known"]) == (3, 0)
    assert link["in_2_of_3"] is True
    # Day 1 of the first cycle to the end, 10 January to 31 March: 81 days, 13 of them in
    # windows (the first window's days −2 and −1 come before).
    assert link["outside_windows"] == {
        "first_day": "2026-01-13",
        "last_day": "2026-03-31",
        "days": 68,
        "migraine_days": 0,
        "unknown_days": 0,
        "migraine": False,
    }
    assert (link["day_rule"], link["cycles_needed"]) == ("leiden", 3)
    text = shown(client)
    assert "Migraine in the perimenstrual window in 3 of the last 3 cycles." in text
    assert "Outside the windows, 13 Jan 2026 – 31 Mar 2026: no migraine day, and every" in text
    assert "10 Jan 2026 (migraine on 1 day of the window); 07 Feb 2026" in text
    assert "(ICHD-3, appendix A1.1.1 and A1.1.2)" in text
    assert "pure menstrual migraine (A1.1.1)" in text


def test_migraine_in_2_windows_and_at_another_time_is_counted_both_ways(app, client, runner, alice):
    # Day +4 of the second cycle lies outside its window.
    build_diary(app, alice, migraine=(date(2026, 1, 8), date(2026, 2, 10), date(2026, 3, 8)))
    link = report_json(runner)
    assert [c[3] for c in windows(link)] == [True, False, True]
    assert (link["cycles_with_migraine_in_window"], link["in_2_of_3"]) == (2, True)
    assert link["outside_windows"]["migraine_days"] == 1
    assert link["outside_windows"]["migraine"] is True
    text = shown(client)
    assert "in 2 of the last 3 cycles." in text
    assert "Outside the windows, 13 Jan 2026 – 31 Mar 2026: migraine on 1 day." in text
    assert "07 Feb 2026 (no migraine day in the window)" in text


def test_with_fewer_than_3_cycles_whose_window_is_over_it_is_not_known(app, client, runner, alice):
    # The third period begins on 30 March: its window (28 March to 1 April) is not over.
    starts = (date(2026, 2, 7), date(2026, 3, 7), date(2026, 3, 30))
    build_diary(app, alice, starts=starts, migraine=(date(2026, 2, 8), date(2026, 3, 8)))
    link = report_json(runner)
    assert [c["started_on"] for c in link["cycles"]] == ["2026-02-07", "2026-03-07"]
    assert link["cycles_with_migraine_in_window"] == 2
    assert link["in_2_of_3"] is None
    # The second cycle's other days end before the next window begins.
    assert link["outside_windows"]["last_day"] == "2026-03-27"
    text = shown(client)
    assert (
        "Migraine in the perimenstrual window: not known, as 2 cycles are recorded with their"
        " windows over and 3 are needed." in text
    )
    assert "in 2 of the last" not in text


def test_a_window_with_a_day_not_known_is_not_known_never_without_migraine(
    app, client, runner, alice
):
    # Nothing logged on 6 March (day −1 of the third cycle) nor on 20 January.
    build_diary(
        app, alice, migraine=(date(2026, 1, 11),), unknown=(date(2026, 3, 6), date(2026, 1, 20))
    )
    link = report_json(runner)
    assert windows(link) == [
        ("2026-01-10", 1, 0, True),
        ("2026-02-07", 0, 0, False),
        ("2026-03-07", 0, 1, None),
    ]
    # One cycle with migraine, and the one not known could make it 2: not known.
    assert (link["cycles_with_migraine_in_window"], link["cycles_not_known"]) == (1, 1)
    assert link["in_2_of_3"] is None
    assert link["outside_windows"]["unknown_days"] == 1
    assert link["outside_windows"]["migraine"] is None
    text = shown(client)
    assert "in 1 of the last 3 cycles. Not known in 1 of them:" in text
    assert "07 Mar 2026 (not known)" in text
    assert "no migraine day logged, but 1 day not known." in text
    assert "no migraine day, and every day known" not in text


def test_one_window_with_migraine_and_one_not_known_cannot_make_2_of_3(app, runner, alice):
    build_diary(app, alice, unknown=(date(2026, 3, 6),))
    link = report_json(runner)
    assert (link["cycles_with_migraine_in_window"], link["cycles_not_known"]) == (0, 1)
    assert link["in_2_of_3"] is False


def test_a_period_with_a_day_not_marked_starts_a_cycle_inside_the_last_window(app, runner, alice):
    # 30 March marked, 31 March not, 1 April marked: the diary reads a cycle starting on each.
    with app.app_context():
        user = user_row(alice)
        for day in (date(2026, 3, 30), date(2026, 4, 1)):
            mark_day(user, day, period=True)
        db.session.commit()
    build_diary(app, alice, migraine=(date(2026, 4, 1),))
    link = report_json(runner, date(2026, 4, 2))
    # 1 April's window runs to 3 April, not over; 30 March's, to 1 April, is.
    assert [c["started_on"] for c in link["cycles"]] == ["2026-02-07", "2026-03-07", "2026-03-30"]
    assert windows(link)[-1] == ("2026-03-30", 1, 0, True)
    assert link["outside_windows"]["last_day"] == "2026-03-27"


def test_without_period_days_kept_nothing_is_said(app, client, runner, alice):
    build_diary(app, alice, migraine=(date(2026, 1, 8),), tracking=False)
    assert report_json(runner) is None
    page = client.get(REPORT).get_data(as_text=True)
    assert "data-menstrual-link" not in page and "around your periods" not in page


def test_the_pdf_and_a_shared_link_show_the_same_counts(app, client, alice):
    build_diary(app, alice, migraine=(date(2026, 1, 8), date(2026, 2, 10), date(2026, 3, 8)))
    pdf = client.get(f"/report.pdf?from={FIRST}&to={AS_OF}")
    assert pdf.status_code == 200
    pages = PdfReader(io.BytesIO(pdf.data)).pages
    text = " ".join(" ".join(page.extract_text() for page in pages).split())
    assert "Migraine in the perimenstrual window in 2 of the last 3 cycles." in text
    # Before making the link, the patient is told it shows these too.
    page = html.unescape(client.get(REPORT).get_data(as_text=True))
    assert "the migraine days around your periods in the last 3 cycles up to the end date" in page
    made = client.post(
        "/shares", data={"from": str(FIRST), "to": str(AS_OF), "treatment": [], "days": "7"}
    )
    url = re.search(r'id="share-url"[^>]* value="([^"]+)"', made.get_data(as_text=True)).group(1)
    page = app.test_client().get(url.removeprefix("http://localhost")).get_data(as_text=True)
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())
    assert "Migraine in the perimenstrual window in 2 of the last 3 cycles." in text
    assert "Outside the windows, 13 Jan 2026 – 31 Mar 2026: migraine on 1 day." in text


def test_docs_define_the_figures_word_for_word_as_the_code(app):
    docs = " ".join(Path("docs/definitions.md").read_text().split())
    with app.test_request_context(), force_locale("en"):
        defined = menstrual.definitions()
    for name, text, _sources in defined:
        assert f"**{name}**: {text}" in docs
