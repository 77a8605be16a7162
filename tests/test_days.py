"""Each day classified: every rule and boundary, day by day through `diary days --json`."""

import json
from datetime import datetime, timedelta

import pytest

from diary.clock import local_now
from diary.extensions import db
from diary.services import accounts
from diary.services.attacks import add_attack
from diary.services.day_marks import mark_day
from diary.services.days import definitions, rule_of
from diary.services.medications import add_dose
from diary.services.readings import add_reading
from tests.conftest import user_row

# Two of the four features (pulsating, worse with activity) and nausea.
FEATURES = {"pulsating": True, "worse_with_activity": True, "nausea": True}
ONE_FEATURE = {"pulsating": True, "nausea": True}


def at(day: int, hour: int = 8, minute: int = 0) -> datetime:
    """Return a time in January 2026; day 32 is 1 February."""
    return datetime(2026, 1, 1, hour, minute) + timedelta(days=day - 1)


def attack(user, start: datetime, minutes: int, **details) -> None:
    add_attack(user, started_at=start, ended_at=start + timedelta(minutes=minutes), **details)


def build_january(user) -> None:
    """Log one boundary a day (the table below says which)."""
    attack(user, at(5), 29, **FEATURES)
    attack(user, at(6), 30, **FEATURES)
    attack(user, at(7), 3 * 60 + 59, **FEATURES)
    attack(user, at(8), 4 * 60, **FEATURES)
    attack(user, at(9), 300, **ONE_FEATURE)
    attack(user, at(10), 300, side="left", **ONE_FEATURE)
    attack(user, at(11), 300, side="both", **ONE_FEATURE)
    attack(user, at(12), 300, **ONE_FEATURE)
    add_reading(user, recorded_at=at(12, 9), pain=5)  # moderate, during the attack
    light = {"pulsating": True, "worse_with_activity": True, "light_sensitivity": True}
    attack(user, at(13), 300, **light)
    attack(user, at(14), 300, **light, sound_sensitivity=True)
    for day, minutes in ((15, 4), (16, 5), (17, 60), (18, 61)):
        attack(user, at(day), 90, aura=["visual"], aura_minutes=minutes)
    add_reading(user, recorded_at=at(19), pain=3)
    add_dose(user, taken_at=at(19, 9), name="Sumatriptan", med_class="triptan")
    mark_day(user, at(20).date(), headache_free=True)
    add_dose(user, taken_at=at(20, 9), name="Sumatriptan", med_class="triptan")
    add_dose(user, taken_at=at(21, 9), name="Sumatriptan", med_class="triptan")
    add_reading(user, recorded_at=at(22), pain=3)
    add_dose(user, taken_at=at(22, 9), name="Ibuprofen", med_class="simple_analgesic")
    attack(user, at(23, 22), 4 * 60, **FEATURES)  # over midnight
    attack(user, at(25, 20), 38 * 60, peak_pain=7, **FEATURES)  # over three days
    add_reading(user, recorded_at=at(28, 8), pain=0)
    add_reading(user, recorded_at=at(28, 20), pain=0)
    mark_day(user, at(30).date(), period=True)
    attack(user, at(31, 23), 60, **FEATURES)  # ends at midnight: not on 1 February
    db.session.commit()


# day: (leiden status, leiden criteria, ichd3 status, ichd3 criteria)
F, A, M = ["features"], ["aura"], ["migraine_specific_medicine"]
EXPECTED = {
    4: ("unknown", [], "unknown", []),
    5: ("headache", [], "headache", []),  # 29 minutes
    6: ("migraine", F, "headache", []),  # 30 minutes
    7: ("migraine", F, "headache", []),  # 3 h 59
    8: ("migraine", F, "migraine", F),  # 4 h
    9: ("headache", [], "headache", []),  # one feature
    10: ("migraine", F, "migraine", F),  # one-sided and pulsating: exactly two
    11: ("headache", [], "headache", []),  # both sides is not one-sided
    12: ("migraine", F, "migraine", F),  # pulsating, and moderate by a reading during it
    13: ("headache", [], "headache", []),  # light without sound
    14: ("migraine", F, "migraine", F),  # light and sound
    15: ("headache", [], "headache", []),  # aura of 4 minutes
    16: ("migraine", A, "migraine", A),  # 5 minutes
    17: ("migraine", A, "migraine", A),  # 60 minutes
    18: ("headache", [], "headache", []),  # 61 minutes
    19: ("migraine", M, "migraine", M),  # triptan on a headache day
    20: ("headache_free", [], "headache_free", []),  # triptan on a headache-free day
    21: ("unknown", [], "unknown", []),  # a triptan alone does not make a day known
    22: ("headache", [], "headache", []),  # an analgesic is not migraine-specific
    23: ("migraine", F, "migraine", F),  # 22:00 to 02:00
    24: ("migraine", F, "migraine", F),
    25: ("migraine", F, "migraine", F),  # 20:00 to 10:00 two days later
    26: ("migraine", F, "migraine", F),
    27: ("migraine", F, "migraine", F),
    28: ("headache_free", [], "headache_free", []),  # readings of 0 only
    29: ("unknown", [], "unknown", []),
    30: ("unknown", [], "unknown", []),  # a period day, nothing about pain
    31: ("migraine", F, "headache", []),  # 23:00 to midnight
    32: ("unknown", [], "unknown", []),
}


def days_json(runner, *args: str) -> list[dict]:
    result = runner.invoke(args=["days", "--user", "alice", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_every_rule_and_boundary_day_by_day_under_both_rules(app, runner, alice):
    with app.app_context():
        build_january(user_row(alice))
    span = ["--from", "2026-01-04", "--to", "2026-02-01"]
    leiden = days_json(runner, *span)
    ichd3 = days_json(runner, *span, "--rule", "ichd3")
    assert [d["day"] for d in leiden] == [at(n).date().isoformat() for n in EXPECTED]
    for n, (status, criteria, ichd3_status, ichd3_criteria) in EXPECTED.items():
        assert (leiden[n - 4]["status"], leiden[n - 4]["criteria"]) == (status, criteria), n
        assert (ichd3[n - 4]["status"], ichd3[n - 4]["criteria"]) == (
            ichd3_status,
            ichd3_criteria,
        ), n
    by_day = {d["day"]: d for d in leiden}
    assert by_day["2026-01-19"] == {
        "day": "2026-01-19",
        "status": "migraine",
        "moderate_severe": False,
        "criteria": ["migraine_specific_medicine"],
        "acute_medicine": True,
        "migraine_specific_medicine": True,
        "period": False,
    }
    assert by_day["2026-01-20"]["migraine_specific_medicine"] is True
    assert by_day["2026-01-21"]["acute_medicine"] is True
    assert (
        by_day["2026-01-22"]["acute_medicine"],
        by_day["2026-01-22"]["migraine_specific_medicine"],
    ) == (True, False)
    assert by_day["2026-01-30"]["period"] is True
    # The peak of 7 is every day of the three-day attack's; 5 is where moderate begins.
    moderate = [d["day"][-2:] for d in leiden if d["moderate_severe"]]
    assert moderate == ["12", "25", "26", "27"]


def test_an_open_attack_counts_on_each_day_so_far_and_not_after_today(app, runner, alice):
    with app.app_context():
        user = user_row(alice)
        now = local_now(user.timezone)
        start = datetime.combine(now.date() - timedelta(days=2), datetime.min.time()) + timedelta(
            hours=12
        )
        add_attack(user, started_at=start, side="right", **ONE_FEATURE)
        db.session.commit()
    first = start.date()
    span = ["--from", first.isoformat(), "--to", (first + timedelta(days=3)).isoformat()]
    for rule in ("leiden", "ichd3"):
        days = days_json(runner, *span, "--rule", rule)
        assert [d["status"] for d in days] == ["migraine", "migraine", "migraine", "unknown"]


def test_the_accounts_setting_chooses_the_rule_and_the_option_overrides_it(app, runner, alice):
    with app.app_context():
        user = user_row(alice)
        attack(user, at(6), 30, **FEATURES)
        accounts.update_profile(user, day_rule="ichd3")
        db.session.commit()
    span = ["--from", "2026-01-06", "--to", "2026-01-06"]
    assert days_json(runner, *span)[0]["status"] == "headache"
    assert days_json(runner, *span, "--rule", "leiden")[0]["status"] == "migraine"
    text = runner.invoke(args=["days", "--user", "alice", *span]).output
    assert text.splitlines() == ["Days of alice by the ichd3 rule:", "2026-01-06 headache"]


def test_the_command_refuses_a_span_that_ends_before_it_begins(app, runner, alice):
    result = runner.invoke(
        args=["days", "--user", "alice", "--from", "2026-01-06", "--to", "2026-01-05"]
    )
    assert result.exit_code == 2 and "--to is before --from" in result.output


@pytest.mark.parametrize(("code", "minutes"), [("leiden", "30 minutes"), ("ichd3", "240 minutes")])
def test_the_definitions_are_written_from_the_rules_constants(app, alice, code, minutes):
    with app.test_request_context():
        user = user_row(alice)
        (term, text, sources), *_ = definitions(rule_of(user, code))
        assert term == "Migraine day"
        assert f"at least {minutes}" in text and "at least 2 of" in text
        assert "aura of 5 to 60 minutes" in text and "(worst pain 5 or more)" in text
        # Every class seeds/medication_classes.json marks migraine-specific, by its label.
        classes = "Ditan (lasmiditan), Ergot (e.g. DHE), Gepant (e.g. rimegepant, ubrogepant)"
        assert f"({classes}, Triptan) is taken on a day with headache" in text
        assert sources[0] == {"leiden": "vanderArend2023", "ichd3": "ICHD-3-migraine"}[code]


def test_a_day_rule_that_is_not_one_is_refused(app, alice):
    with app.app_context():
        with pytest.raises(accounts.rules.EntryError) as refused:
            accounts.update_profile(user_row(alice), day_rule="strict")
        assert refused.value.errors == {
            "day_rule": "'strict' is not a migraine-day rule; use one of: leiden, ichd3."
        }
        assert user_row(alice).day_rule == "leiden"
