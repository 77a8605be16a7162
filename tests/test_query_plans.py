"""On PostgreSQL with many patients, one patient's pages read only that patient's rows.

Every SELECT the largest pages and exports run is planned by PostgreSQL's EXPLAIN ANALYZE
on a database of 100 patients: none may scan a whole table of entries, and the reads
that only want times and pain or medicine names read the covering index alone.
The test needs the server: `make test-postgres` runs it (scripts/test-postgres).
"""

import json
from datetime import timedelta

import pytest
from sqlalchemy import event, text

from diary.clock import local_today
from diary.extensions import db
from diary.services.accounts import create_user
from diary.services.treatments import add_treatment
from tests.conftest import POSTGRES_URL, user_row

pytestmark = pytest.mark.skipif(
    not POSTGRES_URL, reason="needs a PostgreSQL server: make test-postgres"
)

PATIENTS = 100
# The tables that grow with every patient's history.
ENTRIES = {"reading", "medication_dose", "questionnaire_answer", "side_effect_report"}
PAGES = [
    "/",
    "/readings",
    "/medications/",
    "/side-effects/",
    "/trends?range=all",
    "/report",
    "/export/readings.csv",
    "/export/daily.csv",
]

FILL = [
    # Two readings a day for three years, a dose a day, a side effect a week, a MIDAS a month.
    """INSERT INTO reading (user_id, recorded_at, pain, fold, note, created_at, version)
       SELECT u.id, CURRENT_DATE - g * INTERVAL '12 hours', g % 11, false, '', now(), 1
       FROM "user" u, generate_series(1, 2200) g""",
    """INSERT INTO medication_dose
           (user_id, taken_at, fold, name, dose, med_class, note, created_at)
       SELECT u.id, CURRENT_DATE - g * INTERVAL '1 day' + INTERVAL '9 hours', false,
              'ibuprofen ' || (g % 8), '400 mg', 'simple_analgesic', '', now()
       FROM "user" u, generate_series(1, 1100) g""",
    """INSERT INTO side_effect_report
           (user_id, recorded_at, fold, effect, severity, note, created_at)
       SELECT u.id, CURRENT_DATE - g * INTERVAL '7 days', false, 'nausea', 'mild', '', now()
       FROM "user" u, generate_series(1, 150) g""",
    """INSERT INTO questionnaire_answer
           (user_id, instrument, instrument_version, answered_on, items, created_at)
       SELECT u.id, 'midas', 'v1', CURRENT_DATE - g * 30, '[0, 0, 0, 0, 0]', now()
       FROM "user" u, generate_series(1, 36) g""",
]


def fill(app, alice: int) -> None:
    """Give alice and 99 other patients three years each, and alice a treatment to follow up."""
    with app.app_context():
        for n in range(PATIENTS - 1):
            create_user(f"patient{n}", "a long enough password")
        user = user_row(alice)
        ended = local_today(user.timezone) - timedelta(days=14)
        add_treatment(
            user, kind="ketamine_iv_inpatient", started_on=ended - timedelta(3), ended_on=ended
        )
        for statement in FILL:
            db.session.execute(text(statement))
        db.session.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))


def selects_of(app, client, paths: list[str]) -> list[tuple[str, object]]:
    """Return every SELECT (with its parameters) that opening the pages runs."""
    seen: list[tuple[str, object]] = []

    def record(_conn, _cursor, statement, parameters, *_args):
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        for path in paths:
            response = client.get(path)
            response.get_data()
            assert response.status_code == 200, path
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return seen


def scans(plan: dict) -> list[tuple[str, str, str]]:
    """Return (node type, table, index) for every scan in a JSON plan."""
    found = []
    if "Relation Name" in plan:
        found.append((plan["Node Type"], plan["Relation Name"], plan.get("Index Name", "")))
    for child in plan.get("Plans", []):
        found += scans(child)
    return found


def plan_of(app, statement: str, parameters) -> list[tuple[str, str, str]]:
    with app.app_context(), db.engine.connect() as connection:
        rows = connection.exec_driver_sql(
            "EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters
        ).scalar()
    return scans((rows if isinstance(rows, list) else json.loads(rows))[0]["Plan"])


def test_a_patients_pages_read_their_entries_through_the_per_user_indexes(app, client, alice):
    fill(app, alice)
    planned = [
        (statement, plan_of(app, statement, parameters))
        for statement, parameters in selects_of(app, client, PAGES)
    ]
    whole_tables = [
        (table, statement)
        for statement, found in planned
        for kind, table, _ in found
        if kind == "Seq Scan" and table in ENTRIES
    ]
    assert not whole_tables
    used = {(kind, index) for _, found in planned for kind, _, index in found}
    # The report's and daily.csv's pain, and the overuse counts, come from the indexes alone.
    assert ("Index Only Scan", "ix_reading_user_id_recorded_at") in used
    assert ("Index Only Scan", "ix_medication_dose_user_id_taken_at") in used
    # Home's follow-up question looks its treatment's answers up, not every patient's.
    assert any(index == "ix_questionnaire_answer_treatment_id" for _, index in used)
