"""diary backup / restore, and the daily backups `diary serve` keeps (SQLite)."""

import os
import sqlite3
import subprocess
import sys
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from diary.backup import daily_backup
from diary.extensions import db
from diary.models import Reading
from tests.conftest import make_user, sqlite_only

pytestmark = sqlite_only


def count(path) -> int:
    with sqlite3.connect(path) as connection:
        return connection.execute("SELECT count(*) FROM reading").fetchone()[0]


def add_readings(app, user_id: int, n: int) -> None:
    from datetime import datetime

    with app.app_context():
        for minute in range(n):
            db.session.add(
                Reading(
                    user_id=user_id, recorded_at=datetime(2024, 1, 1, 8, minute), pain=4, note=""
                )
            )
        db.session.commit()


def test_backup_includes_rows_still_in_the_write_ahead_log(app, runner, tmp_path):
    user_id = make_user(app, "alice")
    add_readings(app, user_id, 30)
    database = tmp_path / "diary.sqlite3"
    # Writes sit in the WAL until a checkpoint; a plain file copy would miss them.
    with sqlite3.connect(database) as connection:
        connection.execute("PRAGMA wal_autocheckpoint = 0")
        connection.execute(
            "INSERT INTO reading (user_id, recorded_at, pain, note, created_at) VALUES"
            " (?, '2024-01-02 08:00:00.000000', 5, 'wal', '2024-01-02 08:00:00.000000')",
            (user_id,),
        )
    assert (tmp_path / "diary.sqlite3-wal").stat().st_size > 0
    (tmp_path / "copies").mkdir()
    result = runner.invoke(args=["backup", str(tmp_path / "copies")], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    copy = next((tmp_path / "copies").glob("diary-*.sqlite3"))
    assert result.output.strip() == str(copy)
    assert count(copy) == 31
    with sqlite3.connect(copy) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_restore_replaces_the_database_and_keeps_the_old_one(app, runner, tmp_path):
    user_id = make_user(app, "alice")
    add_readings(app, user_id, 5)
    runner.invoke(args=["backup", str(tmp_path / "five.sqlite3")])
    add_readings(app, user_id, 3)
    refused = runner.invoke(args=["restore", str(tmp_path / "five.sqlite3")], input="n\n")
    assert refused.exit_code == 1
    with app.app_context():
        assert db.session.scalar(select(func.count(Reading.id))) == 8
    result = runner.invoke(args=["restore", str(tmp_path / "five.sqlite3")], input="y\n")
    assert result.exit_code == 0, result.output
    assert "Restored from" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Reading.id))) == 5
    kept = next((tmp_path / "backups").glob("before-restore-*.sqlite3"))
    assert count(kept) == 8


def test_restore_refuses_a_file_that_is_not_a_diary(app, runner, tmp_path):
    (tmp_path / "notes.sqlite3").write_text("not a database at all")
    result = runner.invoke(args=["restore", str(tmp_path / "notes.sqlite3"), "--yes"])
    assert result.exit_code == 1
    assert "is not a SQLite database" in result.output
    with sqlite3.connect(tmp_path / "other.sqlite3") as connection:
        connection.execute("CREATE TABLE t (x)")
    result = runner.invoke(args=["restore", str(tmp_path / "other.sqlite3"), "--yes"])
    assert "is not a headache diary database" in result.output


def test_daily_backups_keep_the_newest_fourteen(app, tmp_path):
    make_user(app, "alice")
    folder = tmp_path / "daily"
    start = date(2024, 1, 1)
    for n in range(20):
        made = daily_backup(tmp_path / "diary.sqlite3", folder, 14, start + timedelta(days=n))
        assert made is not None
    assert daily_backup(tmp_path / "diary.sqlite3", folder, 14, start + timedelta(days=19)) is None
    names = sorted(p.name for p in folder.iterdir())
    assert len(names) == 14
    assert names[0] == "diary-2024-01-07.sqlite3" and names[-1] == "diary-2024-01-20.sqlite3"


def test_backup_onto_a_full_disk_says_so_and_leaves_no_file(app, tmp_path):
    user_id = make_user(app, "alice")
    with app.app_context():
        # About 300 KB of readings, more than the disk below holds.
        for day in range(1, 29):
            db.session.add_all(
                Reading(
                    user_id=user_id,
                    recorded_at=datetime(2024, 2, day, hour),
                    pain=4,
                    note="x" * 400,
                )
                for hour in range(24)
            )
        db.session.commit()
    disk = tmp_path / "small-disk"
    disk.mkdir()
    # A real full disk: a 128 KB tmpfs, mounted in a mount namespace of this command only
    # (unshare maps the user to root there, so it needs no privileges). The folder is listed
    # before the namespace, and the tmpfs with it, goes away.
    script = (
        'mount -t tmpfs -o size=128k tmpfs "$1" && shift && "$@"; status=$?;'
        ' ls -A "$DISK"; exit $status'
    )
    result = subprocess.run(
        [
            *("unshare", "--map-root-user", "--mount", "sh", "-c", script, "sh", str(disk)),
            *(sys.executable, "-m", "diary", "backup", str(disk / "copy.sqlite3")),
        ],
        env={
            **os.environ,
            "DISK": str(disk),
            "DIARY_DATABASE_URL": f"sqlite:///{tmp_path / 'diary.sqlite3'}",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert (
        result.stderr.strip() == f"Error: cannot write {disk / 'copy.sqlite3'}: the disk is full."
    )
    assert result.stdout == ""  # nothing was left on the disk, not even an empty file
