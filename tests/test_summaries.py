"""Daily summaries and the logging streak, computed in the database."""

from datetime import date, datetime, timedelta
from fractions import Fraction

from diary.extensions import db
from diary.models import User
from diary.services.readings import add_reading, glance, logging_streak
from tests.conftest import make_user


def log(user, when: str, pain: int):
    add_reading(user, recorded_at=datetime.fromisoformat(when), pain=pain)


def test_daily_mean_max_and_unlogged_days(app):
    user_id = make_user(app, "alice")
    with app.app_context():
        user = db.session.get(User, user_id)
        log(user, "2024-05-01T08:00", 2)
        log(user, "2024-05-01T23:59", 7)
        log(user, "2024-05-03T00:00", 0)
        summaries = glance(user, date(2024, 5, 4), 4).days
    assert [(day.day, d and (len(d.scores), d.mean, d.max)) for day, d in summaries] == [
        (1, (2, Fraction(9, 2), 7)),
        (2, None),
        (3, (1, 0, 0)),
        (4, None),
    ]


def test_streak_counts_back_from_today_or_yesterday(app):
    user_id = make_user(app, "alice")
    with app.app_context():
        user = db.session.get(User, user_id)
        for day in (1, 3, 4, 5):
            log(user, f"2024-05-0{day}T12:00", 4)
        assert logging_streak(user, date(2024, 5, 5)) == 3
        # Morning of the 6th, nothing logged yet: the streak still stands.
        assert logging_streak(user, date(2024, 5, 6)) == 3
        assert logging_streak(user, date(2024, 5, 7)) == 0
        # Readings after the day asked about do not count.
        assert logging_streak(user, date(2024, 5, 3)) == 1


def test_summaries_ignore_other_users(app):
    alice_id, bob_id = make_user(app, "alice"), make_user(app, "bob")
    with app.app_context():
        alice, bob = db.session.get(User, alice_id), db.session.get(User, bob_id)
        log(bob, "2024-05-01T08:00", 9)
        assert glance(alice, date(2024, 5, 1), 1).days == [(date(2024, 5, 1), None)]
        assert logging_streak(alice, date(2024, 5, 1)) == 0


def test_a_streak_longer_than_a_year_is_counted_to_the_window(app):
    user_id = make_user(app, "alice")
    with app.app_context():
        user = db.session.get(User, user_id)
        first = date(2022, 1, 1)
        for n in range(800):
            add_reading(
                user,
                recorded_at=datetime.combine(first, datetime.min.time())
                + timedelta(days=n, hours=9),
                pain=3,
            )
        last = first + timedelta(days=799)
        assert logging_streak(user, last) == 366
        assert logging_streak(user, last - timedelta(days=500)) == 300


def test_glance_lists_today_and_counts_a_streak_beyond_its_own_days(app):
    user_id = make_user(app, "alice")
    with app.app_context():
        user = db.session.get(User, user_id)
        for n in range(30):
            log(user, (datetime(2024, 5, 1, 9) + timedelta(days=n)).isoformat(), 2)
        log(user, "2024-05-30T21:00", 6)
        view = glance(user, date(2024, 5, 30), 14)
    assert [(r.recorded_at.hour, r.pain) for r in view.today] == [(9, 2), (21, 6)]
    assert view.streak == 30
    day, scores = view.days[-1]
    assert (day, scores.mean, scores.max) == (date(2024, 5, 30), 4, 6)
