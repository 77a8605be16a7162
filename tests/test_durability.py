"""Nothing lost: concurrent writers through waitress, and SIGKILL in the middle of writes."""

import json
import sqlite3
import threading
import urllib.error
import urllib.request
import uuid

import pytest

from diary import create_app
from diary.extensions import db
from diary.services.accounts import create_user
from diary.services.tokens import create_token
from tests.server import DiaryServer

THREADS, WRITES = 8, 25
# Writes acknowledged in each round before the server is killed.
KILL_AFTER = 10


def post_reading(url: str, token: str, note: str) -> int:
    request = urllib.request.Request(
        url + "/api/v1/readings",
        data=json.dumps({"pain": 5, "note": note}).encode(),
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Idempotency-Key": note,
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status


@pytest.fixture
def served(tmp_path, monkeypatch):
    """A running `diary serve` and an API token of one user in it."""
    instance = tmp_path / "instance"
    server = DiaryServer(instance).start()
    monkeypatch.setenv("DIARY_INSTANCE_PATH", str(instance))
    app = create_app()
    with app.app_context():
        _, token = create_token(create_user("writer", "long enough password"), "load")
        db.session.commit()
        db.engine.dispose()
    yield server, token
    server.stop()


def stored_notes(server: DiaryServer) -> list[str]:
    with sqlite3.connect(server.instance / "diary.sqlite3") as connection:
        return [row[0] for row in connection.execute("SELECT note FROM reading")]


def integrity(server: DiaryServer) -> str:
    with sqlite3.connect(server.instance / "diary.sqlite3") as connection:
        return connection.execute("PRAGMA integrity_check").fetchone()[0]


def wait_for_count(progress: threading.Condition, items: list, count: int) -> None:
    """Wait until items (appended under progress, which is notified) holds count of them."""
    with progress:
        assert progress.wait_for(lambda: len(items) >= count, timeout=60), len(items)


def test_concurrent_writers_never_lose_a_write(served):
    server, token = served
    failures: list[str] = []

    def writer(n: int) -> None:
        for m in range(WRITES):
            try:
                assert post_reading(server.url, token, f"t{n}-w{m}") == 201
            except (AssertionError, OSError) as exc:
                failures.append(f"t{n}-w{m}: {exc}")

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    notes = stored_notes(server)
    assert len(notes) == THREADS * WRITES
    assert len(set(notes)) == THREADS * WRITES
    assert integrity(server) == "ok"


def test_sigkill_during_writes_loses_no_acknowledged_write(served):
    server, token = served
    acknowledged: list[str] = []
    progress = threading.Condition()
    for _ in range(3):
        stop = threading.Event()

        def stream(stop: threading.Event) -> None:
            while not stop.is_set():
                note = uuid.uuid4().hex
                try:
                    if post_reading(server.url, token, note) in (200, 201):
                        with progress:
                            acknowledged.append(note)
                            progress.notify_all()
                except (OSError, urllib.error.HTTPError):
                    return  # the server is gone; the write was not acknowledged

        writers = [threading.Thread(target=stream, args=(stop,)) for _ in range(4)]
        target = len(acknowledged) + KILL_AFTER
        for thread in writers:
            thread.start()
        # Killed in the middle of the stream: once writes are being acknowledged, however slowly.
        wait_for_count(progress, acknowledged, target)
        server.kill()
        stop.set()
        for thread in writers:
            thread.join()
        server.start()
    assert len(acknowledged) >= 3 * KILL_AFTER
    stored = set(stored_notes(server))
    missing = [note for note in acknowledged if note not in stored]
    assert missing == []
    assert integrity(server) == "ok"
