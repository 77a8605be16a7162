"""Peak server memory while a large diary is exported (make bench-memory; the test uses 100k).

    python -m bench.export_memory --readings 1000000

fills a fresh instance with that many readings, starts `diary serve`, downloads
account.json, diary.zip and readings.csv over HTTP and prints the server's peak
resident memory (VmHWM) and how long each download took.
"""

import argparse
import os
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from diary import create_app
from diary.extensions import db
from diary.models import Reading
from diary.services.accounts import create_user
from diary.services.bulk import bulk_rows, insert_bulk
from diary.services.readings import checked_reading


def fill_readings(instance: Path, username: str, password: str, count: int) -> None:
    """Create an account with `count` readings, 15 minutes apart, through the bulk import path."""
    os.environ["DIARY_INSTANCE_PATH"] = str(instance)
    app = create_app()
    with app.app_context():
        user = create_user(username, password)
        start = datetime(1990, 1, 1)
        rows = [
            checked_reading(
                user,
                recorded_at=start + timedelta(minutes=15 * n),
                pain=n % 11,
                note="a note of ordinary length",
            )
            for n in range(count)
        ]
        insert_bulk(bulk_rows(Reading, rows))
        db.session.commit()
        db.engine.dispose()


def peak_rss_mb(pid: int) -> float:
    """Return the process's peak resident memory (VmHWM) in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


def main() -> None:
    from tests.browserless import Visitor
    from tests.server import DiaryServer

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readings", type=int, default=1_000_000)
    count = parser.parse_args().readings
    instance = Path(tempfile.mkdtemp()) / "instance"
    server = DiaryServer(instance, DIARY_BACKUP_KEEP="0").start()
    try:
        started = time.perf_counter()
        fill_readings(instance, "bench", "bench password", count)
        print(f"{count:,} readings written in {time.perf_counter() - started:.1f} s")
        print(f"server at rest: {peak_rss_mb(server.process.pid):.0f} MB")
        visitor = Visitor(server.url)
        visitor.post_form("/login", {"username": "bench", "password": "bench password"})
        for path in ("/export/account.json", "/export/diary.zip", "/export/readings.csv"):
            started = time.perf_counter()
            status, _, body = visitor.get(path)
            print(
                f"{path}: {status}, {len(body) / 1e6:.0f} MB"
                f" in {time.perf_counter() - started:.1f} s,"
                f" peak so far {peak_rss_mb(server.process.pid):.0f} MB"
            )
    finally:
        server.stop()


if __name__ == "__main__":
    main()
