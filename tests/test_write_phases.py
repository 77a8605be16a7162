"""A restore or an import's confirmation never holds up the rest of the household's writes.

Both check everything without the write lock, then write in parts of about half a second;
another member's one-tap logs go through in between (the tests below find them between
the parts' rows, which holds however loaded the machine is). A restore stays all or nothing: a
part that fails, or a server killed half-way, leaves the account as it was.
"""

import contextlib
import http.client
import io
import json
import re
import sqlite3
import threading
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlalchemy import event, func, select, text

from bench.large_exports import cluster_headache_tracker, headi
from diary import sqlite
from diary.extensions import db
from diary.imports import inserting
from diary.models import (
    Attack,
    AttackTrigger,
    MedicationDose,
    OwnTrigger,
    Reading,
    Treatment,
    User,
)
from diary.rules import Owner
from diary.services import bulk
from diary.services.readings import checked_reading
from diary.unit import unit_of_work
from tests.browserless import Visitor
from tests.conftest import PASSWORD, one_write_lock, visitor_signed_in
from tests.server import DiaryServer, serve_household
from tests.test_imports import DATA as IMPORTS

NOTE = "after lunch, behind the left eye, with some nausea and light hurting"


def account_backup(readings: int, others: int) -> bytes:
    """Return an account backup with that many readings, and side effects and medicines each."""
    start = datetime(1960, 1, 1)

    def at(n: int) -> str:  # five a day, all in daytime: never in a skipped hour
        moment = start + timedelta(days=n // 5, hours=8 + 3 * (n % 5))
        return moment.isoformat(timespec="minutes")

    stamp = "2024-01-01T00:00:00"
    document = {
        "format": "headache-diary-account",
        "version": 1,
        "profile": {"timezone": "Asia/Tokyo", "weight_kg": 61.5},
        "readings": [
            {"recorded_at": at(n), "pain": n % 11, "note": NOTE, "created_at": stamp}
            for n in range(readings)
        ],
        "side_effects": [
            {"recorded_at": at(n), "effect": "nausea", "severity": "mild", "created_at": stamp}
            for n in range(others)
        ],
        "medications": [
            {"taken_at": at(n), "name": "sumatriptan", "dose": "50 mg", "med_class": "triptan"}
            for n in range(others)
        ],
        "treatments": [
            {"kind": "nerve_block", "started_on": f"{2000 + n}-05-01", "ended_on": None}
            for n in range(20)
        ],
    }
    return json.dumps(document).encode()


def tap(visitor: Visitor) -> int:
    """Log pain 6 with the one-tap button; return the answer's status."""
    _, _, page = visitor.get("/")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    body = urlencode({"pain": "6", "csrf_token": token}).encode()
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Referer": visitor.base_url + "/",
    }
    status, _, _ = visitor.request("POST", "/readings/quick", body, headers)
    return status


# How long bob waits after a tap for the work to end before he taps again: twenty taps a
# second still put many between a long write's parts (14 to 27 on the 2-core machine, where
# the checks need 2), where tapping as fast as the machine could took the CPU that the write
# itself and the other test process needed.
BETWEEN_TAPS = 0.05


def taps_while(server: DiaryServer, work) -> tuple[dict, list]:
    """Run work in a thread while bob logs with one tap again and again; return both outcomes."""
    bob = visitor_signed_in(server, "bob")
    outcome: dict = {}
    worker = threading.Thread(target=lambda: outcome.update(work()))
    worker.start()
    taps = []
    while worker.is_alive():
        taps.append(tap(bob))
        worker.join(BETWEEN_TAPS)
    return outcome, taps


def assert_taps_went_in_between(server: DiaryServer, taps: list) -> None:
    """Check that bob's taps were saved between the parts of alice's long write.

    Rows get ever higher ids, so a tap saved while the write was under way has an id
    between its first row's and its last row's; a write that held the lock to its end
    would leave every tap before or after its rows.
    """
    assert len(taps) >= 5, "the work finished before the household could try to log"
    assert set(taps) == {302}, taps
    between = count(
        server,
        "SELECT count(*) FROM reading WHERE user_id = 2 AND id BETWEEN"
        " (SELECT min(id) FROM reading WHERE user_id = 1)"
        " AND (SELECT max(id) FROM reading WHERE user_id = 1)",
    )
    assert between >= 2, f"{between} of {len(taps)} taps went in between the write's parts"


@pytest.fixture
def in_small_parts(tmp_path, monkeypatch):
    """A served diary of alice and bob whose long writes commit a part after every insert.

    So a long write has as many parts on a fast machine as on a slow one.
    """
    instance = tmp_path / "instance"
    monkeypatch.setenv("DIARY_INSTANCE_PATH", str(instance))
    server = serve_household(instance, ("alice", "bob"), PASSWORD, DIARY_WRITE_PART_SECONDS="0")
    yield server
    server.stop()


def count(server: DiaryServer, sql: str) -> int:
    with sqlite3.connect(server.instance / "diary.sqlite3") as database:
        return database.execute(sql).fetchone()[0]


@pytest.mark.diary_serve
def test_quick_logs_go_through_during_a_15_mb_restore(in_small_parts):
    household = in_small_parts
    alice = visitor_signed_in(household, "alice")
    alice.timeout = 300  # minutes, not seconds: a long write on a busy machine
    data = account_backup(readings=80_000, others=5_000)
    assert 14_000_000 < len(data) < 16_000_000

    def restore():
        status, _, _ = alice.post_file(
            "/import/account", "backup", "backup.json", data, token_from="/account"
        )
        return {"status": status}

    outcome, taps = taps_while(household, restore)
    assert outcome["status"] == 302
    assert_taps_went_in_between(household, taps)
    _, _, page = alice.get("/account")
    assert "Restored: 80000 readings, 5000 side effects, 5000 medications, 20 treatments" in page
    assert count(household, "SELECT count(*) FROM reading WHERE user_id = 2") == len(taps)


@pytest.mark.diary_serve
def test_quick_logs_go_through_during_an_other_diary_confirmation(in_small_parts):
    household = in_small_parts
    alice = visitor_signed_in(household, "alice")
    alice.timeout = 300  # minutes, not seconds: a long write on a busy machine
    # 10,000 attacks with their readings and medicines go in as several 5,000-row parts, and
    # bob taps about 100 times meanwhile, 90 of them between the parts' rows, on the 2-core
    # machine (the checks below need 5 and 2); 20,000 only took twice as long.
    export = "".join(headi(10_000)).encode()
    _, _, page = alice.post_file(
        "/import/other/",
        "export",
        "headi.csv",
        export,
        "/export",
        {"format": "auto", "unlisted": "other"},
    )
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)
    readings = int(re.search(r"([\d,]+) readings and", page).group(1).replace(",", ""))

    def confirm():
        status, _, _ = alice.post_form("/import/other/confirm", {"token": token}, token_from="/")
        return {"status": status}

    outcome, taps = taps_while(household, confirm)
    assert outcome["status"] == 302
    assert_taps_went_in_between(household, taps)
    assert count(household, "SELECT count(*) FROM reading WHERE user_id = 1") == readings


@pytest.mark.diary_serve
def test_a_restore_cut_off_by_a_crash_is_taken_back_when_the_server_starts(in_small_parts):
    server = in_small_parts
    alice = visitor_signed_in(server, "alice")
    data = account_backup(readings=40_000, others=2_000)

    def restore():
        with contextlib.suppress(http.client.HTTPException, OSError):  # cut off by the kill
            alice.post_file("/import/account", "backup", "backup.json", data, "/account")

    restoring = threading.Thread(target=restore)
    restoring.start()
    alices = "SELECT count(*) FROM reading WHERE user_id = 1"
    while count(server, alices) == 0:  # wait for its first part (of 40,000), looking often
        assert restoring.is_alive(), "the restore ended before its first part was seen"
        restoring.join(BETWEEN_TAPS)
    # Another writer takes the lock between two parts; the server stops meanwhile.
    writer = sqlite3.connect(server.instance / "diary.sqlite3", timeout=10, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    halfway = writer.execute(alices).fetchone()[0]
    server.kill()
    writer.execute("ROLLBACK")
    writer.close()
    restoring.join()
    note = server.instance / "restores" / "1.json"
    assert note.exists() and 0 < halfway < 40_000

    server.start()
    assert "Took back 1 account restore(s)" in (server.instance / "server.log").read_text()
    assert not note.exists()
    assert count(server, alices) == 0
    assert count(server, "SELECT count(*) FROM treatment") == 0
    assert count(server, "SELECT timezone FROM user WHERE id = 1") != "Asia/Tokyo"
    # The same backup restores whole afterwards.
    alice = visitor_signed_in(server, "alice")
    status, _, _ = alice.post_file(
        "/import/account", "backup", "backup.json", data, token_from="/account"
    )
    assert status == 302 and count(server, alices) == 40_000
    assert count(server, "SELECT timezone FROM user WHERE id = 1") == "Asia/Tokyo"


@one_write_lock
def test_a_restore_that_fills_the_disk_half_way_keeps_nothing(app, client, alice):
    app.config.update(WRITE_PART_SECONDS=0, PROPAGATE_EXCEPTIONS=False)
    with app.app_context():
        pages = db.session.execute(text("PRAGMA page_count")).scalar()
        db.engine.dispose()

        @event.listens_for(db.engine, "connect")
        def small_disk(connection, _record):
            # Room for two of the readings' four parts, as on a nearly full disk.
            connection.execute(f"PRAGMA max_page_count = {pages + 500}")

        commits = []
        event.listen(db.engine, "commit", commits.append)

    data = account_backup(readings=20_000, others=0)
    response = client.post(
        "/import/account",
        data={"backup": (io.BytesIO(data), "backup.json")},
        content_type="multipart/form-data",
    )
    response.request.environ["wsgi.input"].close()  # the test client leaves it open
    assert response.status_code == 500
    assert "nothing was saved" in response.get_data(as_text=True)
    assert len(commits) >= 3  # two parts went in before the disk was full, then were taken back
    with app.app_context():
        assert db.session.scalar(select(func.count(Reading.id))) == 0
        assert db.session.scalar(select(func.count(Treatment.id))) == 0
        assert db.session.get(User, alice).timezone == "Europe/London"
    assert not (Path(app.instance_path) / "restores" / f"{alice}.json").exists()


def previewed(client, name: str, export: bytes) -> str:
    """Upload another diary's export; return the token that confirms its preview."""
    page = client.post(
        "/import/other/",
        data={"export": (io.BytesIO(export), name), "format": "auto", "unlisted": "other"},
        content_type="multipart/form-data",
    )
    return re.search(r'name="token" type="hidden" value="([^"]+)"', page.get_data(as_text=True))[1]


@one_write_lock
def test_a_confirmation_stopped_by_its_last_part_keeps_nothing(app, client, alice):
    app.config["WRITE_PART_SECONDS"] = 0
    lines = "".join(headi(6_000)).splitlines(keepends=True)
    token = previewed(client, "headi.csv", "".join(lines).encode())
    # The export's last attack reaches the diary meanwhile (a later export of the same app).
    later = previewed(client, "later.csv", (lines[0] + lines[-1]).encode())
    assert client.post("/import/other/confirm", data={"token": later}).status_code == 302
    with app.app_context():
        kept = db.session.scalar(select(func.count(Reading.id)))
        commits = []
        event.listen(db.engine, "commit", commits.append)

    done = client.post("/import/other/confirm", data={"token": token}, follow_redirects=True)
    assert "reached your diary after the preview, so nothing was imported" in done.get_data(
        as_text=True
    )
    assert len(commits) >= 3  # parts went in before the last one met the entry, then went again
    with app.app_context():
        assert db.session.scalar(select(func.count(Reading.id))) == kept


@one_write_lock
def test_a_confirmation_keeps_more_pages_while_it_inserts_and_gives_them_back(app, client, alice):
    app.config["WRITE_PART_SECONDS"] = 0
    token = previewed(client, "headi.csv", "".join(headi(3_000)).encode())
    with app.app_context():
        usual = db.session.execute(text("PRAGMA cache_size")).scalar_one()
        db.session.rollback()
        committed, returned = [], []

        def pages(dbapi_connection) -> int:
            return dbapi_connection.execute("PRAGMA cache_size").fetchone()[0]

        @event.listens_for(db.engine, "commit")
        def on_commit(connection):
            committed.append(pages(connection.connection.dbapi_connection))

        @event.listens_for(db.engine, "checkin")
        def on_checkin(dbapi_connection, _record):
            returned.append(pages(dbapi_connection))

    assert client.post("/import/other/confirm", data={"token": token}).status_code == 302
    # Parts were committed with 16 MiB of pages (a negative size is KiB), and every
    # connection went back to the pool with SQLite's usual cache.
    assert len(committed) >= 3
    assert -16 * 1024 in committed
    assert returned and set(returned) == {usual}


# Alice's import, with a kind for the medicines not in the diary's list (herbal tea).
AS_ALICE = ("--user", "alice", "--unlisted-class", "other")


@pytest.fixture
def small_parts(app, monkeypatch):
    """Commit `diary import`'s parts after each write, a thousand rows of a table at a time."""
    app.config["WRITE_PART_SECONDS"] = 0
    monkeypatch.setattr(inserting, "WAITING_ROWS", 1_000)


def imported_rows(app) -> tuple[int, int, int]:
    """Return how many attacks, readings and medicines the diary holds."""
    with app.app_context():
        return tuple(
            db.session.scalar(select(func.count(model.id)))
            for model in (Attack, Reading, MedicationDose)
        )


@one_write_lock
def test_an_imports_rows_wait_for_the_next_part_instead_of_the_import_sleeping(
    app, alice, monkeypatch
):
    # After a part, other writers have PART_PAUSE_SECONDS to take the lock; meanwhile
    # `diary import` checks on, its rows waiting, up to WAITING_LIMIT of a table.
    monkeypatch.setattr(sqlite, "PART_PAUSE_SECONDS", 0.3)
    monkeypatch.setattr(inserting, "WAITING_ROWS", 1_000)
    monkeypatch.setattr(inserting, "WAITING_LIMIT", 4_000)
    start = datetime(2001, 1, 1)
    with app.app_context(), unit_of_work(writes=True):
        user = db.session.get(User, alice)
        owner = Owner(user.id, user.timezone)
        rows = inserting.Inserted(user)
        # Checked beforehand, so that the pause outlasts what the test does within it.
        checked = [
            checked_reading(
                owner, recorded_at=start + timedelta(days=n), pain=n % 11, client_key=f"r{n}"
            )
            for n in range(5_000)
        ]

        def held() -> int:
            with sqlite.read_phase(db.session):
                return db.session.scalar(select(func.count(Reading.id)))

        rows.add(Reading, checked[:1_000])
        rows.insert_due()
        assert held() == 1_000
        rows.add(Reading, checked[1_000:4_999])
        rows.insert_due()
        assert held() == 1_000  # waiting: the pause after the part has not passed
        rows.add(Reading, checked[4_999:])
        rows.insert_due()
        assert held() == 5_000  # as many as may wait: inserted after the pause


@one_write_lock
def test_a_command_line_import_stopped_by_its_last_entry_keeps_nothing(
    app, alice, runner, tmp_path, small_parts, monkeypatch
):
    # `diary import` inserts what it checked in parts, the patient's own trigger names with
    # their attacks; the last attack's pain is refused.
    lines = "".join(cluster_headache_tracker(3_000)).replace(",Stress,", ",Full moon,")
    *rows, last = lines.splitlines(keepends=True)
    cells = last.split(",")
    path = tmp_path / "headache_logs-2026-01-01.csv"
    path.write_text("".join([*rows, ",".join([*cells[:2], "11", *cells[3:]])]))
    parts: list[bool] = []
    original = sqlite.commit_part

    def commit_part(session) -> bool:
        parts.append(original(session))
        return parts[-1]

    for module in (bulk, sqlite):
        monkeypatch.setattr(module, "commit_part", commit_part)

    result = runner.invoke(args=["import", str(path), *AS_ALICE])
    assert result.exit_code == 1
    assert "headache_logs-2026-01-01.csv, line 3001: " in result.output
    assert parts.count(True) >= 2  # parts went in before the last entry was checked
    assert imported_rows(app) == (0, 0, 0)
    with app.app_context():
        assert db.session.scalar(select(func.count(OwnTrigger.id))) == 0


@one_write_lock
def test_a_command_line_import_counts_what_it_inserted_earlier_as_repeated(
    app, alice, runner, tmp_path, small_parts
):
    # Alice holds rows of an earlier import: the diary looks up each chunk's keys.
    earlier = runner.invoke(args=["import", str(IMPORTS / "migraine-buddy-export.csv"), *AS_ALICE])
    assert earlier.exit_code == 0, earlier.output
    before = imported_rows(app)
    lines = "".join(headi(6_000)).splitlines(keepends=True)
    # The file's first attack again at its end (the same id): imported once.
    path = tmp_path / "headi.csv"
    path.write_text("".join([*lines, lines[1]]))
    first = runner.invoke(args=["import", str(path), *AS_ALICE])
    assert first.exit_code == 0, first.output
    # Its attack, the reading of its pain and its medicine, inserted a part before.
    assert "In the file twice (imported once): 3" in first.output
    assert "Already in the diary (imported before): 0" in first.output
    added = tuple(n + 6_000 for n in before)
    assert imported_rows(app) == added

    again = runner.invoke(args=["import", str(path), *AS_ALICE])
    # Each of the 6,001 lines' three rows, the repeated line's too (as a preview counts it).
    assert "Already in the diary (imported before): 18003" in again.output
    assert "Imported 0 attacks, 0 readings and 0 medicines." in again.output
    assert imported_rows(app) == added


@one_write_lock
def test_a_command_line_import_adds_each_attacks_triggers_with_its_part(
    app, alice, runner, tmp_path, small_parts
):
    path = tmp_path / "headache_logs-2026-01-01.csv"
    path.write_text("".join(cluster_headache_tracker(3_000)))
    result = runner.invoke(args=["import", str(path), *AS_ALICE])
    assert result.exit_code == 0, result.output
    with app.app_context():
        stressed = select(func.count(AttackTrigger.id)).where(AttackTrigger.code == "stress")
        assert db.session.scalar(stressed) == 3_000
    assert imported_rows(app) == (3_000, 3_000, 3_000)


def test_each_imported_attack_gets_the_triggers_of_its_own_line(
    app, alice, runner, tmp_path, small_parts
):
    lines = list(cluster_headache_tracker(3_000))
    for n in range(1, len(lines), 3):
        lines[n] = lines[n].replace(",Stress,", ",Full moon,")
    path = tmp_path / "headache_logs-2026-01-01.csv"
    path.write_text("".join(lines))
    assert runner.invoke(args=["import", str(path), *AS_ALICE]).exit_code == 0
    with app.app_context():
        triggers = db.session.execute(
            select(Attack.note, AttackTrigger.code, OwnTrigger.name)
            .join(AttackTrigger, AttackTrigger.attack_id == Attack.id)
            .outerjoin(OwnTrigger, OwnTrigger.id == AttackTrigger.own_trigger_id)
        ).all()
    assert len(triggers) == 3_000
    for note, code, own in triggers:
        line = int(note.removeprefix("note ").removesuffix(", ok"))
        assert (code, own) == ((None, "Full moon") if line % 3 == 0 else ("stress", None))
