"""The migrations build the schema the models describe, and `diary serve` protects data first."""

import sqlite3
from datetime import UTC, date, datetime

from flask_migrate import check, downgrade, upgrade
from sqlalchemy import func, inspect, select

from diary import check_in_job
from diary.extensions import db
from diary.migrating import NEWEST, head_revisions, migrate_database, pending_revisions
from diary.models import Reading
from tests.conftest import build_app, make_user

# The schema of the first release: accounts, login sessions and pain readings.
FIRST_REVISION = "7cc9b7c793e6"


def test_models_and_migrations_do_not_drift(tmp_path):
    app = build_app(tmp_path / "fresh.sqlite3")
    with app.app_context():
        upgrade()
        check()  # raises SystemExit(1) when autogenerate would write a new migration
        assert not pending_revisions()
        db.engine.dispose()


def test_the_newest_migration_the_code_names_is_alembic_s_head(app):
    # A database at it is taken as up to date without reading the scripts: a new migration
    # that did not move it would never be applied.
    with app.app_context():
        assert head_revisions() == {NEWEST}


def test_migrations_go_down_to_nothing_and_up_again(tmp_path):
    app = build_app(tmp_path / "fresh.sqlite3")
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        assert pending_revisions()
        upgrade()
        assert not pending_revisions()
        db.engine.dispose()


def test_migrating_an_existing_database_keeps_a_backup_with_every_row(tmp_path, monkeypatch):
    monkeypatch.setenv("DIARY_INSTANCE_PATH", str(tmp_path / "instance"))
    database = tmp_path / "diary.sqlite3"
    app = build_app(database)
    with app.app_context():
        upgrade()
        user_id = make_user(app, "alice")
        db.session.execute(
            Reading.__table__.insert(),
            [
                {
                    "user_id": user_id,
                    "recorded_at": datetime(2024, 1, 1, 8, m),
                    "pain": 4,
                    "note": "",
                }
                for m in range(30)
            ],
        )
        db.session.commit()
        # Pretend the schema is one revision behind, as after installing a newer version.
        db.session.execute(db.text("UPDATE alembic_version SET version_num = 'pretend-old'"))
        db.session.commit()
        monkeypatch.setattr("diary.migrating.upgrade", lambda: None)
        backup = migrate_database()
        assert backup is not None and backup.parent == tmp_path / "instance" / "backups"
        with sqlite3.connect(backup) as copy:
            assert copy.execute("SELECT count(*) FROM reading").fetchone() == (30,)
        assert db.session.scalar(select(func.count(Reading.id))) == 30
        db.engine.dispose()


def test_an_up_to_date_database_is_not_copied(app, tmp_path):
    with app.app_context():
        assert migrate_database() is None
    assert not (tmp_path / "instance" / "backups").exists()


def test_a_new_database_is_created_without_a_backup(tmp_path, monkeypatch):
    monkeypatch.setenv("DIARY_INSTANCE_PATH", str(tmp_path / "instance"))
    app = build_app(tmp_path / "new.sqlite3")
    with app.app_context():
        assert migrate_database() is None
        assert not pending_revisions()
        db.engine.dispose()
    assert not (tmp_path / "instance" / "backups").exists()


def test_upgrading_from_the_first_migration_keeps_every_row(tmp_path):
    """Build the database as the first release left it, fill it, upgrade, and check each row."""
    app = build_app(tmp_path / "old.sqlite3")
    with app.app_context():
        upgrade(revision=FIRST_REVISION)
        rows = [
            {
                "id": n + 1,
                "user_id": 1,
                "recorded_at": datetime(2024, 1, 1 + n // 24, n % 24, 30),
                "pain": n % 11,
                "note": f'note {n}, "quoted" 日本',
                "client_key": f"k{n}" if n % 2 else None,
                "created_at": datetime(2024, 1, 1),
            }
            for n in range(100)
        ]
        db.session.execute(
            db.text(
                "INSERT INTO user (id, username, password_hash, is_admin, timezone, weight_kg,"
                " created_at) VALUES (1, 'alice', 'scrypt:x', 1, 'Europe/London', 61.5,"
                " '2024-01-01 00:00:00')"
            )
        )
        # The reading table as the first release had it: none of the columns added since.
        first_release = db.table(
            "reading", *(db.column(name, Reading.__table__.c[name].type) for name in rows[0])
        )
        db.session.execute(first_release.insert(), rows)
        db.session.commit()
        upgrade()
        assert not pending_revisions()
        kept = db.session.execute(
            db.select(
                Reading.id,
                Reading.user_id,
                Reading.recorded_at,
                Reading.pain,
                Reading.note,
                Reading.client_key,
            ).order_by(Reading.id)
        ).all()
        assert [tuple(r) for r in kept] == [
            (r["id"], r["user_id"], r["recorded_at"], r["pain"], r["note"], r["client_key"])
            for r in rows
        ]
        user = db.session.execute(db.text("SELECT username, weight_kg, email FROM user")).one()
        assert tuple(user) == ("alice", 61.5, None)
        db.engine.dispose()


# The revision before questionnaire answers kept the language they were given in.
BEFORE_ANSWER_LANGUAGE = "a9c4e7f2b1d3"


def add_old_user() -> None:
    """Add alice (id 1, in London) with the columns every revision has."""
    db.session.execute(
        db.text(
            "INSERT INTO user (id, username, password_hash, is_admin, timezone, created_at)"
            " VALUES (1, 'alice', 'scrypt:x', 1, 'Europe/London', '2024-01-01 00:00:00')"
        )
    )


def answer_columns() -> set[str]:
    return {column["name"] for column in inspect(db.engine).get_columns("questionnaire_answer")}


def test_earlier_answers_get_an_unknown_language_and_going_down_keeps_them(tmp_path):
    app = build_app(tmp_path / "old.sqlite3")
    with app.app_context():
        upgrade(revision=BEFORE_ANSWER_LANGUAGE)
        add_old_user()
        db.session.execute(
            db.text(
                "INSERT INTO questionnaire_answer (id, user_id, instrument, instrument_version,"
                " answered_on, score, created_at) VALUES (1, 1, 'pgic', 'PGIC-7', '2024-03-19',"
                " 2, '2024-03-19 10:00:00')"
            )
        )
        db.session.commit()
        upgrade()
        answer = "SELECT instrument, score, language FROM questionnaire_answer"
        assert tuple(db.session.execute(db.text(answer)).one()) == ("pgic", 2, None)
        db.session.commit()
        downgrade(revision=BEFORE_ANSWER_LANGUAGE)
        assert "language" not in answer_columns()
        kept = "SELECT instrument, score FROM questionnaire_answer"
        assert tuple(db.session.execute(db.text(kept)).one()) == ("pgic", 2)
        db.engine.dispose()


# The revision before the check-in claimed its days in the claims table.
BEFORE_CHECK_IN_CLAIMS = "a0b1c3e5f7d9"


def asked_for() -> date | None:
    value = db.session.execute(db.text("SELECT asked_for FROM check_in")).scalar()
    return value if value is None else date.fromisoformat(str(value))


def test_a_day_asked_before_the_upgrade_is_not_asked_again_and_going_down_keeps_it(tmp_path):
    app = build_app(tmp_path / "old.sqlite3")
    with app.app_context():
        upgrade(revision=BEFORE_CHECK_IN_CLAIMS)
        add_old_user()
        db.session.execute(
            db.text(
                "INSERT INTO check_in (id, user_id, since, at, by_push, by_email, asked_for)"
                " VALUES (1, 1, '2026-01-01', '20:00:00', 0, 1, '2026-01-05')"
            )
        )
        db.session.commit()
        upgrade()
        # Asked at 20:00 on the 5th by the old version; the new one runs at 21:00.
        assert check_in_job.run(datetime(2026, 1, 5, 21, 0, tzinfo=UTC)).asked == 0
        assert check_in_job.run(datetime(2026, 1, 6, 21, 0, tzinfo=UTC)).asked == 1
        db.session.commit()
        downgrade(revision=BEFORE_CHECK_IN_CLAIMS)
        assert asked_for() == date(2026, 1, 6)
        db.session.commit()
        upgrade()
        assert check_in_job.run(datetime(2026, 1, 6, 22, 0, tzinfo=UTC)).asked == 0
        db.engine.dispose()
