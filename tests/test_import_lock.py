"""A large import never holds up the rest of the household's writes.

The import checks its rows in a read-only transaction and takes the write lock only
for one bulk insert, so another member's one-tap pain log goes through at once.
"""

import re
import threading
import time
from datetime import datetime, timedelta

from tests.conftest import visitor_signed_in

ROWS = 200_000


def readings_csv(rows: int) -> bytes:
    start = datetime(2000, 1, 1)
    lines = ["recorded_at,pain,note"]
    lines += [
        f"{(start + timedelta(minutes=15 * n)).isoformat(timespec='minutes')},{n % 11},"
        for n in range(rows)
    ]
    return ("\r\n".join(lines) + "\r\n").encode()


def test_quick_logs_go_through_during_a_200k_row_import(household):
    alice, bob = visitor_signed_in(household, "alice"), visitor_signed_in(household, "bob")
    data = readings_csv(ROWS)
    outcome = {}

    def run_import():
        started = time.monotonic()
        status, _, _ = alice.post_file(
            "/import", "files", "readings.csv", data, token_from="/export"
        )
        outcome.update(status=status, seconds=time.monotonic() - started)

    importer = threading.Thread(target=run_import)
    importer.start()
    taps = []
    while importer.is_alive():
        started = time.monotonic()
        status, _, _ = bob.post_form("/readings/quick", {"pain": "6"}, token_from="/")
        taps.append((status, time.monotonic() - started))
        time.sleep(0.05)
    importer.join()

    assert outcome["status"] == 302, outcome
    assert len(taps) >= 5, "the import finished before the household could try to log"
    assert {status for status, _ in taps} == {302}
    slowest = max(seconds for _, seconds in taps)
    assert slowest < 2.5, f"a quick log waited {slowest:.2f} s for the import's write lock"
    log = (household.instance / "server.log").read_text()
    held = [float(s) for s in re.findall(r"held the database lock for ([\d.]+) s", log)]
    assert all(s < 2 for s in held), held
    _, _, history = bob.get("/readings")
    assert "Imported" not in history
    _, _, page = alice.get("/export")
    assert f"Imported {ROWS} new entries" in page
