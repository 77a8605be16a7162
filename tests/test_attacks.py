"""Attacks, own triggers and day marks: what the services keep and what they refuse."""

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from diary import reference
from diary.extensions import db
from diary.models import Attack, DayMark, OwnTrigger
from diary.rules import EntryError
from diary.services import attacks
from diary.services.day_marks import mark_day
from diary.services.readings import add_reading
from tests.conftest import user_row

DAY = datetime(2026, 3, 10, 8, 0)


def count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def refusal(call, *args, **kwargs) -> dict[str, str]:
    """Return the fields and messages a service refused with."""
    with pytest.raises(EntryError) as refused:
        call(*args, **kwargs)
    return refused.value.errors


def test_an_attack_with_only_a_start_and_an_end_is_whole_and_not_answered_stays_apart_from_no(
    app, alice
):
    with app.app_context():
        user = user_row(alice)
        attack = attacks.add_attack(user, started_at=DAY, ended_at=DAY + timedelta(hours=3))
        described = attacks.add_attack(
            user,
            started_at=DAY + timedelta(days=1),
            ended_at=DAY + timedelta(days=1, hours=2),
            nausea=False,
            light_sensitivity=True,
        )
        db.session.commit()
        assert (attack.nausea, attack.pulsating, attack.peak_pain, attack.side) == (
            None, None, None, None,
        )  # fmt: skip
        assert (described.nausea, described.light_sensitivity, described.vomiting) == (
            False, True, None,
        )  # fmt: skip


def test_only_one_attack_runs_at_a_time_and_stop_ends_it(app, alice):
    with app.app_context():
        user = user_row(alice)
        running = attacks.add_attack(user, started_at=DAY)
        assert refusal(attacks.add_attack, user, started_at=DAY + timedelta(hours=1)) == {
            "ended_at": "An attack is already running since 2026-03-10 08:00; stop it first."
        }
        running = attacks.open_attack(user)
        ended = attacks.stop_attack(user, ended_at=DAY + timedelta(hours=5))
        assert ended.id == running.id and ended.ended_at == DAY + timedelta(hours=5)
        assert attacks.open_attack(user) is None
        # The offline queue may send the same stop twice: the second finds the first.
        assert attacks.stop_attack(user, ended_at=DAY + timedelta(hours=5)).id == running.id
        assert refusal(attacks.stop_attack, user, ended_at=DAY + timedelta(hours=6)) == {
            "ended_at": "No attack is running."
        }
        # A second one may start now that the first has stopped.
        second = attacks.add_attack(user, started_at=DAY + timedelta(hours=7))
        assert count(Attack) == 2
        # The first stop, sent once more after the second began, leaves the second running.
        assert attacks.stop_attack(user, ended_at=DAY + timedelta(hours=5)).id == running.id
        assert attacks.open_attack(user).id == second.id


def test_an_attack_cannot_end_before_it_starts_but_may_end_in_the_minute_it_started(app, alice):
    with app.app_context():
        user = user_row(alice)
        assert refusal(
            attacks.add_attack, user, started_at=DAY, ended_at=DAY - timedelta(minutes=1)
        ) == {"ended_at": "The attack cannot stop before it started."}
        attacks.add_attack(user, started_at=DAY)
        assert refusal(attacks.stop_attack, user, ended_at=DAY - timedelta(minutes=1)) == {
            "ended_at": "The attack cannot stop before it started."
        }
        assert attacks.stop_attack(user, ended_at=DAY).ended_at == DAY


def test_in_the_hour_the_clocks_repeat_the_end_after_the_start_is_told_by_its_fold(app, alice):
    # London, 2025-10-26: 01:00-02:00 happens twice. 01:50 (first) to 01:10 (second) is 20 minutes.
    with app.app_context():
        user = user_row(alice)
        start = datetime(2025, 10, 26, 1, 50)
        attack = attacks.add_attack(
            user, started_at=start, ended_at=datetime(2025, 10, 26, 1, 10, fold=1)
        )
        assert attacks.minutes_lasted(attack, user.timezone) == 20
        assert refusal(
            attacks.add_attack, user, started_at=start, ended_at=datetime(2025, 10, 26, 1, 10)
        ) == {"ended_at": "The attack cannot stop before it started."}


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"peak_pain": 11}, {"peak_pain": "Worst pain must be from 0 to 10, not 11."}),
        ({"side": "top"}, {"side": "'top' is not a side; use one of: left, right, both."}),
        (
            {"nausea": "maybe"},
            {"nausea": "Nausea must be yes, no or not answered, not 'maybe'."},
        ),
        (
            {"aura": ["visual", "smell"]},
            {"aura": "'smell' is not a aura; use one of: visual, sensory, speech, motor."},
        ),
        (
            {"aura_minutes": 20},
            {"aura_minutes": "Say which aura it was, or leave its minutes empty."},
        ),
        ({"triggers": ["wine;cheese"]}, {"triggers": "A trigger's name cannot contain “;”."}),
        (
            {"started_at": "2026-03-10T08:00", "ended_at": "tomorrow"},
            {
                "ended_at": "End must be a date and time in the form YYYY-MM-DDTHH:MM,"
                " not 'tomorrow'."
            },
        ),
    ],
)
def test_each_unusable_detail_is_refused_naming_its_field(app, alice, fields, errors):
    with app.app_context():
        user = user_row(alice)
        assert refusal(attacks.add_attack, user, **{"started_at": DAY} | fields) == errors
        assert count(Attack) == 0


def test_details_added_later_keep_the_times_and_a_stale_page_is_refused(app, alice):
    with app.app_context():
        user = user_row(alice)
        attack = attacks.add_attack(user, started_at=DAY, ended_at=DAY + timedelta(hours=6))
        opened = attack.version
        attacks.update_attack(
            user,
            attack,
            version=opened,
            nausea=True,
            light_sensitivity=True,
            aura="sensory;visual",
            aura_minutes="20",
            side="left",
            peak_pain="7",
        )
        assert (attack.started_at, attack.ended_at) == (DAY, DAY + timedelta(hours=6))
        assert attack.aura_kinds == ["visual", "sensory"] and attack.aura_minutes == 20
        assert (attack.nausea, attack.light_sensitivity, attack.side, attack.peak_pain) == (
            True, True, "left", 7,
        )  # fmt: skip
        assert "version" in refusal(
            attacks.update_attack, user, attack, version=opened, nausea=False
        )


def test_triggers_come_from_the_catalogue_or_are_the_patients_own_named_once(app, alice):
    with app.app_context():
        user = user_row(alice)
        first = attacks.add_attack(
            user,
            started_at=DAY,
            ended_at=DAY + timedelta(hours=1),
            triggers=["stress", "Red wine", "Missed meal"],
        )
        second = attacks.add_attack(
            user,
            started_at=DAY + timedelta(days=1),
            ended_at=DAY + timedelta(days=1, hours=1),
            triggers="red WINE;weather",
        )
        db.session.commit()
        assert [t.name for t in first.triggers] == ["stress", "Red wine", "not_eating"]
        assert [t.name for t in second.triggers] == ["Red wine", "weather"]
        assert count(OwnTrigger) == 1
        choices = attacks.trigger_choices(user)
        assert choices[: len(reference.triggers())] == [
            (e.code, e.label) for e in reference.triggers().values()
        ]
        assert choices[-1] == ("Red wine", "Red wine")


def test_the_trigger_catalogue_cites_kelman_2007():
    catalogue = reference.triggers()
    assert {"stress", "hormones", "not_eating", "weather", "alcohol"} <= set(catalogue)
    for entry in catalogue.values():
        (source,) = entry.sources
        assert source.id == "Kelman2007" and source.summary
    assert reference.sources()["Kelman2007"]["title"] == (
        "The triggers or precipitants of the acute migraine attack"
    )


def test_a_repeated_start_stores_once(app, alice):
    with app.app_context():
        user = user_row(alice)
        first = attacks.add_attack(user, started_at=DAY, client_key="k1")
        again = attacks.add_attack(user, started_at=DAY, client_key="k1")
        assert first.id == again.id and count(Attack) == 1
        assert "client_key" in refusal(
            attacks.add_attack, user, started_at=DAY + timedelta(minutes=5), client_key="k1"
        )


def test_intensity_is_the_highest_of_the_peak_and_the_readings_during_the_attack(app, alice):
    with app.app_context():
        user = user_row(alice)
        add_reading(user, recorded_at=DAY - timedelta(minutes=1), pain=9)  # before it
        add_reading(user, recorded_at=DAY + timedelta(hours=1), pain=6)
        peak_4 = attacks.add_attack(
            user, started_at=DAY, ended_at=DAY + timedelta(hours=2), peak_pain=4
        )
        no_peak = attacks.add_attack(
            user, started_at=DAY + timedelta(days=1), ended_at=DAY + timedelta(days=1, hours=1)
        )
        running = attacks.add_attack(user, started_at=DAY + timedelta(days=2), peak_pain=3)
        add_reading(user, recorded_at=DAY + timedelta(days=2, hours=5), pain=8)
        now = DAY + timedelta(days=2, hours=6)
        assert attacks.intensities(user, [peak_4, no_peak, running], now) == {
            peak_4.id: 6,
            no_peak.id: None,
            running.id: 8,
        }


def test_a_day_is_marked_once_and_unmarking_leaves_no_row(app, alice):
    with app.app_context():
        user = user_row(alice)
        day = date(2026, 3, 10)
        mark_day(user, day, headache_free=True)
        mark_day(user, "2026-03-10", headache_free=True)
        mark_day(user, day, period=True)
        row = db.session.scalar(select(DayMark))
        assert count(DayMark) == 1 and (row.headache_free, row.period) == (True, True)
        mark_day(user, day, headache_free=False, period=False)
        assert count(DayMark) == 0
        assert refusal(mark_day, user, date.today() + timedelta(days=2), headache_free=True)
        assert refusal(mark_day, user, day, period="yes") == {
            "period": "A day's mark must be yes or no, not 'yes'."
        }


def test_deleting_an_attack_keeps_the_patients_own_triggers_for_next_time(app, alice):
    with app.app_context():
        user = user_row(alice)
        attack = attacks.add_attack(
            user, started_at=DAY, ended_at=DAY + timedelta(hours=1), triggers=["Red wine"]
        )
        attacks.delete_attack(attack)
        db.session.commit()
        assert count(Attack) == 0
        assert attacks.trigger_choices(user)[-1] == ("Red wine", "Red wine")
