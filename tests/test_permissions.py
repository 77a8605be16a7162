"""The instance folder, its database and its backups are readable by their owner only."""

import stat
import subprocess
import sys

import pytest

from tests.server import DiaryServer


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.diary_serve
def test_serve_makes_an_old_instance_private_and_creates_private_files(tmp_path):
    instance = tmp_path / "instance"
    (instance / "backups").mkdir(parents=True)
    old_backup = instance / "backups" / "diary-2024-01-01.sqlite3"
    old_backup.write_bytes(b"")
    for path, old in ((instance, 0o755), (instance / "backups", 0o755), (old_backup, 0o644)):
        path.chmod(old)
    server = DiaryServer(instance).start()
    try:
        assert mode(instance) == 0o700
        assert mode(instance / "backups") == 0o700
        assert mode(old_backup) == 0o600
        assert mode(instance / "diary.sqlite3") == 0o600
        assert mode(instance / "secret_key") == 0o600
        daily = sorted((instance / "backups" / "daily").glob("*.sqlite3"))
        assert daily and all(mode(p) == 0o600 for p in daily)
        assert "files and folders in" in (instance / "server.log").read_text()
    finally:
        server.stop()


def test_backups_and_exports_of_the_cli_are_private(tmp_path):
    env_instance = tmp_path / "instance"
    run = [sys.executable, "-m", "diary"]
    env = {"DIARY_INSTANCE_PATH": str(env_instance), "PATH": "/usr/bin:/bin"}
    subprocess.run(
        [*run, "user", "create", "alice", "--password-stdin"],
        input="long enough pw\n",
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    subprocess.run(
        [*run, "backup", str(tmp_path / "copy.sqlite3")], env=env, check=True, capture_output=True
    )
    subprocess.run(
        [*run, "export", "--user", "alice", "--out", str(tmp_path / "out")],
        env=env,
        check=True,
        capture_output=True,
    )
    assert mode(tmp_path / "copy.sqlite3") == 0o600
    assert mode(env_instance) == 0o700
    assert all(mode(p) == 0o600 for p in (tmp_path / "out").iterdir())
