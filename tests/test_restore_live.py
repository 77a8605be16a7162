"""`diary restore` next to a running server, and what a restore does to sign-ins."""

import subprocess
import sys
import time

from tests.browserless import Visitor
from tests.conftest import PASSWORD
from tests.server import DiaryServer


def diary(instance, *args: str) -> subprocess.CompletedProcess:
    env = {"DIARY_INSTANCE_PATH": str(instance), "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, "-m", "diary", *args], env=env, capture_output=True, text=True
    )


def test_restore_refuses_while_the_server_runs_and_loses_nothing(served, tmp_path):
    backup = tmp_path / "backup.sqlite3"
    assert diary(served.instance, "backup", str(backup)).returncode == 0
    alice = Visitor(served.url)
    alice.post_form("/login", {"username": "alice", "password": PASSWORD})
    assert alice.post_form("/readings/quick", {"pain": "4"}, token_from="/")[0] == 302

    refused = diary(served.instance, "restore", "--yes", str(backup))
    assert refused.returncode == 1
    assert "stop every `diary serve`, then restore" in refused.stderr
    assert "diary serve" in refused.stderr and "pid" in refused.stderr
    # The reading acknowledged before is still there, and the server still answers.
    _, _, page = alice.get("/readings")
    assert "4" in page and "data-signed-out" not in page


def test_a_restore_signs_everyone_out_even_sessions_alive_in_the_backup(served, tmp_path):
    alice = Visitor(served.url)
    alice.post_form("/login", {"username": "alice", "password": PASSWORD, "remember": "y"})
    backup = tmp_path / "backup.sqlite3"
    assert diary(served.instance, "backup", str(backup)).returncode == 0
    cookies = dict(alice.cookies)
    alice.post_form("/logout", {}, token_from="/")
    served.stop()

    restored = diary(served.instance, "restore", "--yes", str(backup))
    assert restored.returncode == 0, restored.stderr
    assert "Everyone is signed out" in restored.stdout
    served.start()
    # The cookies of a session that was alive at the backup (and ended since) do not come back.
    old = Visitor(served.url)
    old.cookies = cookies
    status, headers, _ = old.get("/")
    assert status == 302 and "/login" in headers["Location"]


def waits_for_the_lock(pid: int) -> bool:
    """Tell whether the process waits for an flock (the kernel lists it with "->")."""
    with open("/proc/locks") as table:
        return any(line.split()[1:2] == ["->"] and line.split()[5] == str(pid) for line in table)


def test_restore_wait_waits_until_the_last_server_stops(served, tmp_path):
    backup = tmp_path / "backup.sqlite3"
    assert diary(served.instance, "backup", str(backup)).returncode == 0
    second = DiaryServer(served.instance, DIARY_BACKUP_KEEP="0").start()
    env = {"DIARY_INSTANCE_PATH": str(served.instance), "PATH": "/usr/bin:/bin"}
    restore = subprocess.Popen(
        [sys.executable, "-m", "diary", "restore", "--yes", "--wait", str(backup)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not waits_for_the_lock(restore.pid):
            assert restore.poll() is None, restore.stdout.read()
            assert time.monotonic() < deadline
            time.sleep(0.05)
        served.stop()
        # One server still runs: the restore goes on waiting, and the server answers.
        assert Visitor(second.url).get("/healthz")[0] == 200
        assert restore.poll() is None
    finally:
        second.stop()
    output, _ = restore.communicate(timeout=60)
    assert restore.returncode == 0, output
    assert "Restored from" in output
