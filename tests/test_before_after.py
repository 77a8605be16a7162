"""Before and after on hand-built diaries: `diary report --json` against values worked out by hand.

Every expected figure below is computed in the comments beside it, from the diary the test
builds, without the app's code: counts and rates as fractions, rounded half away from zero to
two decimals; the 95% intervals step by step (the autocorrelation sums as fractions, then the
Wilson bounds and Newcombe's interval, to six decimals, checked with 50-digit decimals).
The same file runs on PostgreSQL with scripts/test-postgres.
"""

import html
import json
import re
from datetime import date, datetime, time, timedelta

import pytest
from markupsafe import escape
from sqlalchemy import update

from diary.extensions import db
from diary.models import Reading
from diary.services import outcomes
from diary.services.attacks import add_attack
from diary.services.day_marks import mark_day
from diary.services.medications import add_dose
from diary.services.readings import add_reading
from diary.services.treatments import add_treatment
from tests.conftest import user_row

# A one-day treatment: the baseline is 2 Feb to 29 Feb 2024 (28 days, a leap year), and
# days 1 to 28 after are 2 Mar to 29 Mar.
START = date(2024, 3, 1)
MIGRAINE_FEATURES = {"pulsating": True, "worse_with_activity": True, "nausea": True}


def before(i: int) -> date:
    """Return baseline day i (1 to 28); the same numbering runs on into earlier windows."""
    return START - timedelta(days=29 - i)


def after(j: int) -> date:
    """Return day j after the treatment's end."""
    return START + timedelta(days=j)


def at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour))


def pain(user, day: date, *scores: int) -> None:
    for n, score in enumerate(scores):
        add_reading(user, recorded_at=at(day, 9 + n), pain=score)


def free(user, day: date) -> None:
    mark_day(user, day, headache_free=True)


def log_days(user, days: dict[date, int | None]) -> None:
    """Log each day: 1 a moderate-severe headache (one reading of 6), 0 a 'no headache' tap."""
    for day, value in days.items():
        if value == 1:
            pain(user, day, 6)
        elif value == 0:
            free(user, day)


def treatment(user) -> None:
    add_treatment(user, kind="nerve_block", started_on=START, ended_on=START)


def report(runner, as_of: date) -> dict:
    result = runner.invoke(
        args=["report", "--user", "alice", "--json", "--as-of", as_of.isoformat()]
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["treatments"][0]


def measure(count, per_28) -> dict:
    return {"count": count, "per_28": per_28}


def compared(count, per_28, change, reduction, r50, r30, interval) -> dict:
    return measure(count, per_28) | {
        "change": change,
        "reduction_pct": reduction,
        "responder_50": r50,
        "responder_30": r30,
        "change_interval_95": interval,
    }


# A. Days known: 23 of 28 is enough (80% of 28 is 22.4), 22 is not.


def build_a(app, user_id: int, known: int) -> None:
    """Baseline days 1..known: moderate on 1-3, 7-9, 13-15, 19-21 (12 days), else headache-free;
    ibuprofen on days 1-3. After: moderate on 1-3 and 7-9, mild (3) on 20 and 21, headache-free
    on the other 20 days; a triptan on day 1 (a migraine day by the medicine) and ibuprofen on 2.
    """
    with app.app_context():
        user = user_row(user_id)
        treatment(user)
        log_days(user, {before(i): int((i - 1) % 6 < 3) for i in range(1, known + 1)})
        for i in (1, 2, 3):
            add_dose(
                user, taken_at=at(before(i), 12), name="Ibuprofen", med_class="simple_analgesic"
            )
        moderate = (1, 2, 3, 7, 8, 9)
        log_days(user, {after(j): int(j in moderate) for j in range(1, 29) if j not in (20, 21)})
        pain(user, after(20), 3)
        pain(user, after(21), 3)
        add_dose(user, taken_at=at(after(1), 12), name="Sumatriptan", med_class="triptan")
        add_dose(user, taken_at=at(after(2), 12), name="Ibuprofen", med_class="simple_analgesic")
        db.session.commit()


def test_23_known_days_give_rates_responders_and_intervals(app, runner, alice):
    build_a(app, alice, known=23)
    out = report(runner, as_of=after(28))
    base, first = out["periods"][0], out["periods"][1]
    assert {k: base[k] for k in ("name", "days_elapsed", "days_known", "coverage")} == {
        "name": "baseline", "days_elapsed": 28, "days_known": 23,
        "coverage": 0.82,  # 23 / 28 = 0.8214
    }  # fmt: skip
    assert base["enough_data"] is True
    # 12 days of 6 and 11 of 0 (headache-free days count 0): 72 / 23 = 3.1304.
    assert (base["pain_mean"], base["pain_max_mean"]) == (3.13, 3.13)
    assert base["measures"] == {
        "migraine_days": measure(0, 0.0),
        "moderate_severe_days": measure(12, 14.61),  # 12 / 23 x 28 = 336 / 23 = 14.6087
        "headache_days": measure(12, 14.61),
        "headache_free_days": measure(11, 13.39),  # 11 / 23 x 28 = 308 / 23 = 13.3913
        "acute_medication_days": measure(3, 3.0),  # 3 / 28 elapsed days x 28
        "migraine_specific_medication_days": measure(0, 0.0),
    }
    assert (first["days_known"], first["enough_data"]) == (28, True)
    # (6 x 6 + 2 x 3) / 28 = 1.5; against 72 / 23: 1.5 - 3.1304 = -75 / 46 = -1.6304.
    assert (first["pain_mean"], first["pain_change"]) == (1.5, -1.63)
    assert first["measures"] == {
        # The baseline has no migraine day: no reduction and no responder, but a change of +1.
        # Interval, rho: every baseline day is 0 (deviations 0); after, the only pair with
        # the migraine day is (1, 0): sum d*d' = -1/784 < 0, so rho = 0; n0' = 23, n1' = 28.
        # Wilson p0 = 0 on 23: [0, 0.143117]; p1 = 1/28 = 0.035714 on 28: [0.006333, 0.177122].
        # low = 0.035714 - sqrt((0.035714 - 0.006333)^2 + (0.143117 - 0)^2) = -0.110387,
        # x 28 = -3.0908; high = 0.035714 + sqrt((0.177122 - 0.035714)^2 + 0^2) = 0.177122,
        # x 28 = 4.9594.
        "migraine_days": compared(1, 1.0, 1.0, None, None, None, [-3.09, 4.96]),
        # 6 / 28 x 28 = 6; change 6 - 336/23 = -198/23 = -8.6087; reduction
        # (336/23 - 6) / (336/23) x 100 = 198/336 x 100 = 58.9286: a 50% responder.
        # Interval: baseline p0 = 12/23, d = 11/23 on a 1 and -12/23 on a 0; its 22 pairs:
        # sum d*d' = 1052/529, sum d^2 = 2892/529, sum d'^2 = 2915/529. After, p1 = 3/14:
        # sum d*d' = 565/196, sum d^2 = 915/196, sum d'^2 = 803/196. Together
        # rho = 505077/103684 / sqrt(1050867/103684 x 996127/103684) = 0.493658;
        # n0' = 23 x 0.506342 / 1.493658 = 7.796872, n1' = 28 x ... = 9.491844.
        # Wilson p0 = 0.521739: [0.227487, 0.801640]; p1 = 0.214286: [0.061476, 0.531729].
        # low = -0.307453 - sqrt(0.152810^2 + 0.279901^2) = -0.626350, x 28 = -17.5378;
        # high = -0.307453 + sqrt(0.317443^2 + 0.294252^2) = 0.125391, x 28 = 3.5110.
        "moderate_severe_days": compared(6, 6.0, -8.61, 58.93, True, True, [-17.54, 3.51]),
        # 8 days (two mild); change 8 - 336/23 = -152/23 = -6.6087; 152/336 = 45.2381%.
        # Interval: after p1 = 2/7: sum d*d' = 143/49, sum d^2 = 276/49, sum d'^2 = 255/49;
        # rho = 0.449966; n0' = 8.724883, n1' = 10.621596; Wilson p0: [0.238827, 0.791360],
        # p1: [0.102954, 0.582305]; low = -0.236025 - sqrt(0.182760^2 + 0.269621^2)
        # = -0.561750, x 28 = -15.7290; high = -0.236025 + sqrt(0.296591^2 + 0.282912^2)
        # = 0.173860, x 28 = 4.8681.
        "headache_days": compared(8, 8.0, -6.61, 45.24, False, True, [-15.73, 4.87]),
        "headache_free_days": measure(20, 20.0),
        "acute_medication_days": measure(2, 2.0),
        "migraine_specific_medication_days": measure(1, 1.0),
    }
    # No attack with features or aura: moderate-severe days lead.
    assert out["primary"] == "moderate_severe_days"
    assert out["baseline_above_usual"] is None  # nothing logged in the windows before
    # Reference 72/23; relieved at or below 26/23. Week 1 (days 1-7: 6, 6, 6, 0, 0, 0, 6) has
    # mean 24/7 > 26/23: relief ends in week 1 after 0 weeks. Relieved: the 20 headache-free
    # days of the 28 logged up to the cap (the as-of date).
    assert out["relief"] == {
        "weeks": 0, "ongoing": False, "capped_by": None, "relieved_days": 20, "logged_days": 28,
    }  # fmt: skip


def test_22_known_days_show_counts_and_no_rate_or_responder(app, runner, alice):
    build_a(app, alice, known=22)
    out = report(runner, as_of=after(28))
    base, first = out["periods"][0], out["periods"][1]
    assert (base["days_known"], base["coverage"], base["enough_data"]) == (22, 0.79, False)
    assert (base["pain_mean"], base["pain_max_mean"]) == (None, None)
    assert base["measures"] == {
        "migraine_days": measure(0, None),
        "moderate_severe_days": measure(12, None),
        "headache_days": measure(12, None),
        "headache_free_days": measure(10, None),
        "acute_medication_days": measure(3, None),
        "migraine_specific_medication_days": measure(0, None),
    }
    # The period after has its own rates, but nothing to compare them with.
    moderate = first["measures"]["moderate_severe_days"]
    assert moderate == compared(6, 6.0, None, None, None, None, None)
    assert first["pain_change"] is None
    assert out["primary"] == "moderate_severe_days"
    # No baseline mean pain, no reference: relief is not known at all.
    assert out["relief"] == dict.fromkeys(outcomes.RELIEF_KEYS)


# B. The interval: rho = 0 and a strongly autocorrelated diary with the same counts.

PATTERNS = {
    # Baseline 1, 0, 1, 0, ...: each of the 27 pairs gives (1/2)(-1/2): sum d*d' = -27/4.
    # After, a 1 every fourth day (1, 5, ..., 25) with p1 = 1/4: (1, 0) x 7 pairs at -3/16,
    # (0, 1) x 6 at -3/16, (0, 0) x 14 at 1/16: -25/16. rho = 0, n' = n = 28.
    # Wilson p0 = 1/2 on 28: [0.326331, 0.673669]; p1 = 1/4 on 28: [0.126765, 0.433557].
    # low = -0.25 - sqrt(0.123235^2 + 0.173669^2) = -0.462950, x 28 = -12.9626;
    # high = -0.25 + sqrt(0.183557^2 + 0.173669^2) = 0.002693, x 28 = 0.0754.
    "alternating": (lambda i: i % 2, lambda j: int(j % 4 == 1), [-12.96, 0.08]),
    # Baseline 14 ones then 14 zeros: 13 (1, 1) and 13 (0, 0) pairs at 1/4, one (1, 0) at
    # -1/4: 25/4; sum d^2 = sum d'^2 = 27/4. After, 7 ones then 21 zeros: 6 (1, 1) at 9/16,
    # one (1, 0) at -3/16, 20 (0, 0) at 1/16: 71/16; sum d^2 = 83/16, sum d'^2 = 75/16.
    # rho = (171/16) / sqrt(191/16 x 183/16) = 0.914648, held at 0.9: n' = 28 x 0.1 / 1.9
    # = 1.473684. Wilson p0: [0.074930, 0.925070]; p1: [0.020611, 0.840758].
    # low = -0.25 - sqrt(0.229389^2 + 0.425070^2) = -0.733016, x 28 = -20.5244;
    # high = -0.25 + sqrt(0.590758^2 + 0.425070^2) = 0.477791, x 28 = 13.3782.
    "in_runs": (lambda i: int(i <= 14), lambda j: int(j <= 7), [-20.52, 13.38]),
}


@pytest.mark.parametrize("pattern", PATTERNS)
def test_the_interval_widens_with_autocorrelation_for_the_same_counts(app, runner, alice, pattern):
    baseline, later, interval = PATTERNS[pattern]
    with app.app_context():
        user = user_row(alice)
        treatment(user)
        log_days(user, {before(i): baseline(i) for i in range(1, 29)})
        log_days(user, {after(j): later(j) for j in range(1, 29)})
        db.session.commit()
    first = report(runner, as_of=after(28))["periods"][1]["measures"]
    # 14 of 28 before, 7 of 28 after: -7 per 28, exactly 50% fewer: a 50% responder.
    expected = compared(7, 7.0, -7.0, 50.0, True, True, interval)
    assert first["moderate_severe_days"] == expected
    assert first["headache_days"] == expected


# C. A flare before the treatment: at least 4 above the two windows before it.


@pytest.mark.parametrize(
    ("counts", "known_first_window", "flare"),
    [
        ((8, 10, 13), 28, True),  # 13 - (8 + 10) / 2 = 4: exactly 4 above
        ((8, 10, 12), 28, False),  # 12 - 9 = 3
        ((8, 10, 13), 22, None),  # the first window has 22 known days: not known
    ],
)
def test_a_baseline_above_the_usual_level(app, runner, alice, counts, known_first_window, flare):
    with app.app_context():
        user = user_row(alice)
        treatment(user)
        # Window 1 is days -55..-28 in the baseline's numbering, window 2 days -27..0,
        # the baseline 1..28; each starts with its moderate-severe days.
        for offset, count, known in zip(
            (-56, -28, 0), counts, (known_first_window, 28, 28), strict=True
        ):
            log_days(user, {before(offset + i): int(i <= count) for i in range(1, known + 1)})
        db.session.commit()
    out = report(runner, as_of=START)
    assert out["periods"][0]["measures"]["moderate_severe_days"] == measure(counts[2], counts[2])
    assert out["baseline_above_usual"] is flare


# D. Relief in whole weeks: a week of 3 logged days is skipped, 4 counts; 2 below is relieved.


def build_d(app, user_id: int, week_2_logged: int) -> None:
    """Baseline 28 days of 6 (reference 6: relieved at 4 or below). Week 1: seven days of 4,
    exactly 2 below. Week 2: week_2_logged days of 7. Week 3: four days of 4. Week 4: four
    days of 4, 4, 4, 5 (mean 17/4 = 4.25, above 4)."""
    with app.app_context():
        user = user_row(user_id)
        treatment(user)
        for i in range(1, 29):
            pain(user, before(i), 6)
        for j in range(1, 8):
            pain(user, after(j), 4)
        for j in range(8, 8 + week_2_logged):
            pain(user, after(j), 7)
        for j in range(15, 19):
            pain(user, after(j), 4)
        for j, score in zip(range(22, 26), (4, 4, 4, 5), strict=True):
            pain(user, after(j), score)
        db.session.commit()


@pytest.mark.parametrize(
    ("week_2_logged", "relief"),
    [
        # Week 2 is skipped; weeks 1 and 3 are relieved, week 4 is not: 3 weeks. Logged days
        # up to day 84: 7 + 3 + 4 + 4 = 18; relieved 7 + 0 + 4 + 3 = 14.
        (3, {"weeks": 3, "logged_days": 18}),
        # Week 2 counts (4 days, mean 7 > 4) and is not relieved: 1 week; 19 logged days.
        (4, {"weeks": 1, "logged_days": 19}),
    ],
)
def test_relief_in_weeks_counts_weeks_of_four_logged_days(
    app, runner, alice, week_2_logged, relief
):
    build_d(app, alice, week_2_logged)
    out = report(runner, as_of=after(100))
    assert out["periods"][0]["pain_mean"] == 6.0
    assert out["relief"] == relief | {"ongoing": False, "capped_by": None, "relieved_days": 14}


def test_relief_still_going_when_the_report_ends(app, runner, alice):
    build_d(app, alice, week_2_logged=3)
    # As of day 20 weeks 1 and 2 are complete (week 3 ends on day 21): week 2 is skipped,
    # week 1 relieved, none ended it: 2 weeks so far. Logged days 1-20: 7 + 3 + 4 = 14,
    # relieved 7 + 4 = 11.
    out = report(runner, as_of=after(20))
    assert out["relief"] == {
        "weeks": 2, "ongoing": True, "capped_by": "as_of", "relieved_days": 11, "logged_days": 14,
    }  # fmt: skip


# E. The primary measure.


@pytest.mark.parametrize(
    ("migraine", "known", "primary"),
    [
        ("features", 28, "migraine_days"),
        ("aura", 28, "migraine_days"),
        ("features", 22, "moderate_severe_days"),  # too few days known
        ("triptan", 28, "moderate_severe_days"),  # a medicine alone does not say
    ],
)
def test_migraine_days_lead_when_the_baseline_records_migraine(
    app, runner, alice, migraine, known, primary
):
    with app.app_context():
        user = user_row(alice)
        treatment(user)
        log_days(user, {before(i): 0 for i in range(2, known + 1)})
        day = before(1)
        if migraine == "features":
            add_attack(user, started_at=at(day), ended_at=at(day, 11), **MIGRAINE_FEATURES)
        elif migraine == "aura":
            add_attack(
                user, started_at=at(day), ended_at=at(day, 11), aura=["visual"], aura_minutes=20
            )
        else:
            pain(user, day, 6)
            add_dose(user, taken_at=at(day, 12), name="Sumatriptan", med_class="triptan")
        db.session.commit()
    out = report(runner, as_of=START)
    assert out["primary"] == primary
    assert out["periods"][0]["measures"]["migraine_days"]["count"] == 1


# F. Days entered on the day, in the account's time zone (Europe/London, summer time).


def test_days_entered_later_than_the_day_after_are_counted_apart(app, runner, alice):
    day = date(2024, 6, 10)
    with app.app_context():
        user = user_row(alice)
        add_treatment(user, kind="nerve_block", started_on=day + timedelta(days=5))
        saved = {
            # 22:30 UTC is 23:30 in London on the day after: on time.
            day: datetime(2024, 6, 11, 22, 30),
            # 23:30 UTC is 00:30 in London two days later: entered later.
            day + timedelta(days=1): datetime(2024, 6, 12, 23, 30),
        }
        for when, created in saved.items():
            pain(user, when, 3, 4)
            db.session.execute(
                update(Reading)
                .where(Reading.user_id == user.id, Reading.recorded_at >= at(when, 0))
                .where(Reading.recorded_at < at(when + timedelta(days=1), 0))
                .values(created_at=created)
            )
        # A tap saved now (2026) about 12 June 2024: entered later.
        free(user, day + timedelta(days=2))
        # An attack over midnight, saved when it started (21:00 UTC, 22:00 in London): on time
        # on both its days.
        attack = add_attack(
            user,
            started_at=at(day + timedelta(days=3), 22),
            ended_at=at(day + timedelta(days=4), 2),
        )
        attack.created_at = datetime(2024, 6, 13, 21, 0)
        db.session.commit()
    base = report(runner, as_of=day + timedelta(days=5))["periods"][0]
    # Known: 10, 11, 12, 13 and 14 June; on time: 10, 13 and 14 June.
    assert (base["days_known"], base["days_entered_on_the_day"]) == (5, 3)


# G. The pages show the same numbers as the JSON, and the definitions the code's own words.


def section_text(page: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.unescape(page)))


def test_the_treatment_page_report_and_shared_page_show_the_json_s_numbers(
    app, client, runner, alice
):
    build_a(app, alice, known=23)
    figures = report(runner, as_of=after(28))
    pages = [client.get("/report?from=2024-01-01&to=2024-03-29&t=1").text]
    share = client.post(
        "/shares",
        data={"from": "2024-01-01", "to": "2024-03-29", "treatment": [1], "days": "30"},
    ).text
    path = re.search(r'id="share-url" type="text" readonly value="([^"]+)"', share).group(1)
    pages.append(app.test_client().get(path.removeprefix("http://localhost")).text)
    for page in map(section_text, pages):
        assert "23 of 28 days known, 0 entered on the day" in page
        assert "28 of 28 days known, 0 entered on the day" in page
        # Moderate-severe days lead: 14.61 (12) before, 6.0 (6) after, 58.93% fewer.
        assert "Moderate–severe days first: no baseline migraine day by features or aura." in page
        assert "14.61 (12)" in page and "6.0 (6) 58.93% fewer · 50% responder" in page
        assert (
            "Days 1 to 28 after: Moderate–severe days per 28 -8.61,"
            " likely between 17.54 fewer and 3.51 more (95%)." in page
        )
        assert "0 weeks; relieved on 20 of 28 logged days" in page
    assert figures["periods"][1]["measures"]["moderate_severe_days"]["reduction_pct"] == 58.93


def test_the_definitions_on_the_page_are_the_code_s_own_words(app, client, alice):
    with app.app_context():
        treatment(user_row(alice))
        db.session.commit()
    page = client.get("/treatments/1/outcome").text
    with app.test_request_context():
        written = outcomes.definitions()
    for term, text, _sources in written:
        # Escaped as the template escapes them.
        assert f"<strong>{escape(term)}</strong>: {escape(text)}" in page, term
    texts = " ".join(text for _, text, _ in written)
    for figure in (
        f"needs {outcomes.MIN_KNOWN_DAYS} known days",
        f"z = {outcomes.Z_95}",
        f"held to 0–{float(outcomes.RHO_MAX)}",
        f"{outcomes.FLARE_DAYS} or more above",
        f"counted with {outcomes.WEEK_MIN_LOGGED} or more days",
        f"(day {outcomes.RELIEF_CAP_DAYS},",
    ):
        assert figure in texts, figure
    # Each definition that has a source names it, numbered, in the list below them.
    for source in (
        "Tassorelli et al., Cephalalgia 2018",
        "Newcombe, Stat Med 1998 (method 10)",
        "Wilson, J Am Stat Assoc 1927",
        "Bayley and Hammersley, J R Stat Soc Suppl 1946",
        "Barnett et al., Int J Epidemiol 2005",
        "Farrar et al., Pain 2001",
    ):
        assert source in html.unescape(page), source
