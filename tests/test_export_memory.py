"""Exports of a large diary stream: the server's memory does not grow with the history."""

import pytest

from bench.export_memory import fill_readings, peak_rss_mb
from tests.browserless import Visitor
from tests.conftest import PASSWORD
from tests.server import DiaryServer

pytestmark = pytest.mark.diary_serve

READINGS = 100_000
# The server at rest is about 100 MB; the exports before streaming took 1.3 GB at 735k rows.
PEAK_LIMIT_MB = 200


@pytest.fixture
def large_diary(tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    monkeypatch.setenv("DIARY_INSTANCE_PATH", str(instance))
    server = DiaryServer(instance, DIARY_BACKUP_KEEP="0").start()
    fill_readings(instance, "alice", PASSWORD, READINGS)
    yield server
    server.stop()


def test_account_backup_and_zip_of_100k_readings_stay_in_bounded_memory(large_diary):
    alice = Visitor(large_diary.url)
    alice.post_form("/login", {"username": "alice", "password": PASSWORD})
    sizes = {}
    for path in ("/export/account.json", "/export/diary.zip", "/export/readings.csv"):
        status, _, body = alice.get(path)
        assert status == 200, path
        sizes[path] = len(body)
    assert sizes["/export/readings.csv"] > READINGS * 30
    assert body.count("\r\n") == READINGS + 1
    peak = peak_rss_mb(large_diary.process.pid)
    assert peak < PEAK_LIMIT_MB, f"peak {peak:.0f} MB while exporting {READINGS} readings"
