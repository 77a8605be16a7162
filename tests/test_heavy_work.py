"""Heavy work takes turns: PDFs, restores and import previews run at most a few at a time.

A shared 90-day report full of long notes once took 160 s and three at once held 750 MB;
the server's memory stays bounded now, and a job that finds no place answers 503 with
Retry-After and a calm page instead of piling up.
"""

import io
import threading
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from diary.clock import local_today
from diary.extensions import db
from diary.services.accounts import find_user
from diary.services.readings import add_reading
from diary.services.shares import create_share
from tests.conftest import PASSWORD
from tests.server import serve_household

# Three long notes a day for 90 days: 2.7 million characters.
NOTE = ("headache behind the left eye, worse with light and noise; " * 200)[:10_000]
# The server's peak above its memory at rest while the PDFs below are drawn (measured +78 MB;
# before the gate and the appendix's limit, three of them took +657 MB).
MEMORY_BOUND_MB = 250
BUSY = "Nothing was lost: please try again in a minute."


def busy_gate(app, client):
    """Return the process's gate for heavy work, made on a first report with one place."""
    app.config.update(HEAVY_JOBS=1, HEAVY_WAITING=1, HEAVY_WAIT_SECONDS=0.3)
    assert client.get("/report.pdf").status_code == 200
    return app.extensions["diary.heavy_gate"]


class WatchedPlaces:
    """A gate's places, noting how long each request waited for one and whether it got it."""

    def __init__(self, places: threading.BoundedSemaphore):
        self.places = places
        self.waits: list[tuple[float | None, bool]] = []

    def acquire(self, blocking: bool = True, timeout: float | None = None) -> bool:
        got = self.places.acquire(blocking, timeout)
        self.waits.append((timeout, got))
        return got

    def release(self) -> None:
        self.places.release()


def test_a_report_that_finds_every_place_taken_waits_briefly_then_gets_a_calm_503(
    app, client, alice, monkeypatch
):
    gate = busy_gate(app, client)
    with gate.place():  # another member's report is being drawn
        places = WatchedPlaces(gate._running)
        monkeypatch.setattr(gate, "_running", places)
        response = client.get("/report.pdf")
    assert response.status_code == 503 and response.mimetype == "text/html"
    assert response.headers["Retry-After"] == "30"
    assert BUSY in response.get_data(as_text=True)
    # It waited for a place once, for HEAVY_WAIT_SECONDS, and then gave up: briefly.
    assert places.waits == [(0.3, False)]
    monkeypatch.undo()
    assert client.get("/report.pdf").status_code == 200  # the place is free again


def test_restores_and_import_previews_take_their_turn_too(app, client, alice):
    gate = busy_gate(app, client)
    upload = {"content_type": "multipart/form-data"}
    with gate.place():
        restore = client.post(
            "/import/account", data={"backup": (io.BytesIO(b"{}"), "b.json")}, **upload
        )
        preview = client.post(
            "/import/other/",
            data={"export": (io.BytesIO(b"x"), "e.csv"), "format": "auto"},
            **upload,
        )
    for response in (restore, preview):
        assert response.status_code == 503 and response.headers["Retry-After"] == "30"
        assert BUSY in response.get_data(as_text=True)


@pytest.fixture
def shared_quarter(tmp_path, monkeypatch):
    """A served diary with 90 days of long notes, shared with the appendix; yield (server, url)."""
    instance = tmp_path / "instance"
    monkeypatch.setenv("DIARY_INSTANCE_PATH", str(instance))
    server = serve_household(instance, ("alice",), PASSWORD)
    from diary import create_app

    app = create_app()
    with app.app_context():
        user = find_user("alice")
        last = local_today(user.timezone) - timedelta(days=1)
        first = last - timedelta(days=89)
        for day in range(90):
            for hour in (8, 13, 19):
                moment = datetime.combine(first + timedelta(days=day), datetime.min.time())
                add_reading(user, recorded_at=moment.replace(hour=hour), pain=5, note=NOTE)
        _, token = create_share(user, first_day=first, last_day=last, treatment_ids=[], days=30)
        db.session.commit()
        db.engine.dispose()
    yield server, f"{server.url}/s/{token}/report.pdf"
    server.stop()


def memory_mb(pid: int, key: str) -> int:
    """Return one of a process's memory figures from /proc, in MB (VmRSS now, VmHWM peak)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) // 1024
    raise KeyError(key)


def download(url: str, answers: list) -> None:
    try:
        with urllib.request.urlopen(url, timeout=300) as response:
            answers.append((response.status, response.headers, response.read()))
    except urllib.error.HTTPError as error:
        answers.append((error.code, error.headers, error.read()))


@pytest.mark.diary_serve
def test_four_shared_pdfs_at_once_stay_within_the_memory_bound(shared_quarter):
    server, url = shared_quarter
    urllib.request.urlopen(server.url + "/healthz").close()
    at_rest = memory_mb(server.process.pid, "VmRSS")
    answers: list = []
    doctors = [threading.Thread(target=download, args=(url, answers)) for _ in range(4)]
    for doctor in doctors:
        doctor.start()
    for doctor in doctors:
        doctor.join()

    peak = memory_mb(server.process.pid, "VmHWM") - at_rest
    assert peak < MEMORY_BOUND_MB, f"the server grew by {peak} MB"
    drawn = [body for status, _, body in answers if status == 200]
    assert len(drawn) >= 2 and all(body.startswith(b"%PDF") for body in drawn)
    for status, headers, body in answers:
        if status != 200:  # one that waited longer than its turn allows
            assert status == 503 and headers["Retry-After"] == "30"
            assert BUSY.encode() in body
