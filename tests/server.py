"""Run `diary serve` in a subprocess on a free loopback port, as a self-hoster would."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class DiaryServer:
    """`diary serve` on an instance folder; start, kill and restart it."""

    def __init__(self, instance: Path, **env: str):
        self.instance = instance
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "DIARY_INSTANCE_PATH": str(instance), **env}
        if "DIARY_DATABASE_URL" not in env:
            self.env.pop("DIARY_DATABASE_URL", None)
        self.process: subprocess.Popen | None = None
        self.log_path = instance / "server.log"

    def start(self, timeout: float = 30) -> "DiaryServer":
        self.instance.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("a") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "diary", "serve", "--port", str(self.port)],
                env=self.env,
                stdout=log,
                stderr=log,
            )
        deadline = time.monotonic() + timeout
        while True:
            try:
                urllib.request.urlopen(self.url + "/healthz", timeout=2).close()
                return self
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    raise RuntimeError(self.log_path.read_text()) from None
                time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flushing, as in a power cut of the process."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def serve_household(instance: Path, usernames: tuple[str, ...], password: str, **env: str):
    """Start `diary serve` on instance and create the accounts (the first is the admin).

    DIARY_INSTANCE_PATH must already point at instance (monkeypatch.setenv).
    """
    from diary import create_app
    from diary.extensions import db
    from diary.services.accounts import create_user

    server = DiaryServer(instance, **{"DIARY_BACKUP_KEEP": "0", **env}).start()
    app = create_app()
    with app.app_context():
        for n, name in enumerate(usernames):
            create_user(name, password, is_admin=n == 0)
        db.session.commit()
        db.engine.dispose()
    return server
