"""A large import never holds up the rest of the household's writes.

The import checks its rows in a read-only transaction and takes the write lock only
for one bulk insert, so another member's one-tap pain log goes through at once.
"""

import sqlite3
import threading
from datetime import datetime, timedelta

from tests.conftest import visitor_signed_in
from tests.server import DiaryServer

ROWS = 200_000
# Quick logs tried while the import runs, and how many of them must go in while it is
# checked (all do; none would, were the import to hold the write lock while checking).
QUICK_LOGS = 10
QUICK_LOGS_WHILE_CHECKED = 5


def readings_csv(rows: int) -> bytes:
    start = datetime(2000, 1, 1)
    lines = ["recorded_at,pain,note"]
    lines += [
        f"{(start + timedelta(minutes=15 * n)).isoformat(timespec='minutes')},{n % 11},"
        for n in range(rows)
    ]
    return ("\r\n".join(lines) + "\r\n").encode()


def quick_logs_stored_before_the_import(server: DiaryServer) -> int:
    """Return how many of bob's readings went in before the first of alice's imported ones."""
    with sqlite3.connect(server.instance / "diary.sqlite3") as connection:
        return connection.execute(
            "SELECT count(*) FROM reading JOIN user ON user.id = reading.user_id"
            " WHERE username = 'bob' AND reading.id < (SELECT min(reading.id) FROM reading"
            " JOIN user ON user.id = reading.user_id WHERE username = 'alice')"
        ).fetchone()[0]


def test_quick_logs_go_through_while_a_200k_row_import_is_checked(household):
    alice, bob = visitor_signed_in(household, "alice"), visitor_signed_in(household, "bob")
    alice.timeout = 300  # minutes, not seconds: 200,000 rows on a busy machine
    data = readings_csv(ROWS)
    outcome = {}

    def run_import():
        outcome["status"], _, _ = alice.post_file(
            "/import", "files", "readings.csv", data, token_from="/export"
        )

    alice.body_sent.clear()  # by her sign-in
    importer = threading.Thread(target=run_import)
    importer.start()
    # From here on the diary has the whole file: it checks every row, then inserts them.
    assert alice.body_sent.wait(timeout=60)
    taps = 0
    while taps < QUICK_LOGS and importer.is_alive():
        status, _, _ = bob.post_form("/readings/quick", {"pain": "6"}, token_from="/")
        assert status == 302
        taps += 1
    importer.join()

    assert outcome["status"] == 302, outcome
    # Had the import held the write lock while checking, each quick log would have waited
    # for its insert and gone in after its rows; they went in while it was being checked.
    assert quick_logs_stored_before_the_import(household) >= QUICK_LOGS_WHILE_CHECKED, taps
    _, _, history = bob.get("/readings")
    assert "Imported" not in history
    _, _, page = alice.get("/export")
    assert f"Imported {ROWS} new entries" in page
