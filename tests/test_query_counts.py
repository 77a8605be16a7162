"""The number of queries per request does not grow with the amount of history."""

from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import event, select

from diary.clock import local_today
from diary.extensions import db
from diary.models import Treatment
from diary.services.medications import add_dose
from diary.services.readings import add_reading
from diary.services.side_effects import add_report
from diary.services.tokens import create_token
from diary.services.treatments import add_treatment
from tests.conftest import sign_in, user_row

PAGES = [
    "/",
    "/readings",
    "/trends?range=365",
    "/trends?range=all",
    "/report",
    "/treatments/{treatment}/outcome",
    "/side-effects/",
    "/medications/",
    "/reminders",
    "/export/readings.csv",
    "/export/daily.csv",
    "/export/pain-observations.fhir.json",
    "/api/v1/readings",
    "/api/v1/reminders",
]


@contextmanager
def counting(app):
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        # A service's savepoint (diary/services/writes.py) reads nothing: not a query.
        if not statement.startswith(("SAVEPOINT", "RELEASE SAVEPOINT")):
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def fill(app, user_id: int, days: int, treatments: int) -> tuple[int, str]:
    """Give a user `days` of history; return their first treatment's id and an API token."""
    with app.app_context():
        user = user_row(user_id)
        today = local_today(user.timezone)
        # The latest first: the 90-day report shows those still acting (to day 84 after).
        for n in range(treatments):
            start = today - timedelta(days=40 + n * 20)
            add_treatment(
                user,
                kind="ketamine_iv_inpatient",
                started_on=start,
                ended_on=start + timedelta(days=3),
            )
        for n in range(1, days + 1):
            day = datetime.combine(today - timedelta(days=n), datetime.min.time())
            for hour in (8, 20):
                add_reading(user, recorded_at=day.replace(hour=hour), pain=5)
            add_dose(
                user,
                taken_at=day.replace(hour=9),
                name="ibuprofen",
                dose="",
                med_class="simple_analgesic",
            )
            add_report(user, recorded_at=day.replace(hour=21), effect="nausea", severity="mild")
        _, token = create_token(user, "count")
        db.session.commit()
        first = db.session.scalar(
            select(Treatment.id).where(Treatment.user_id == user_id).order_by(Treatment.id)
        )
    return first, token


def counts(app, client, treatment: int, token: str) -> dict[str, int]:
    result = {}
    for page in PAGES:
        path = page.format(treatment=treatment)
        headers = {"Authorization": f"Bearer {token}"} if page.startswith("/api/") else {}
        with counting(app) as statements:
            response = client.get(path, headers=headers)
            response.get_data()
        assert response.status_code == 200, path
        result[page] = len(statements)
    return result


def test_queries_per_page_do_not_grow_with_history(app, client, alice, bob):
    half = counts(app, client, *fill(app, alice, days=200, treatments=4))
    other = app.test_client()
    sign_in(other, "bob")
    double = counts(app, other, *fill(app, bob, days=400, treatments=10))
    assert double == half
    # The report reads the most: its range, and for the treatments the day classification
    # (attacks, readings, medicines, day marks) with when each day was first entered, then
    # the preventive regimens and the medicines' effect at 2 hours.
    assert max(half.values()) <= 18, half


def add_past_treatments(app, user_id: int, count: int) -> None:
    """Give a user `count` ended treatments, each with its follow-up reminder."""
    with app.app_context():
        user = user_row(user_id)
        today = local_today(user.timezone)
        for n in range(count):
            start = today - timedelta(days=60 + 20 * n)
            add_treatment(
                user, kind="ketamine_iv_inpatient", started_on=start, ended_on=start + timedelta(3)
            )
        db.session.commit()


def statements_on(app, client, path: str) -> int:
    with counting(app) as statements:
        response = client.get(path)
        response.get_data()
    assert response.status_code == 200, path
    return len(statements)


def test_home_and_the_treatment_list_ask_as_much_with_50_treatments_as_with_1(
    app, client, alice, bob
):
    add_past_treatments(app, alice, 1)
    add_past_treatments(app, bob, 50)
    other = app.test_client()
    sign_in(other, "bob")
    for path in ("/", "/treatments/"):
        assert statements_on(app, other, path) == statements_on(app, client, path), path
