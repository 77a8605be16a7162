"""Two `diary serve` processes on one instance behind Caddy, with the limits' counts in Redis.

As a small clinic runs the diary: requests go to either process in turn, so a sign-in
made on one must hold on the other, and a password guesser must not get five tries per
process. A job that cron starts on two machines at once must still e-mail once.
"""

import html
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest
import redis
from flask_migrate import upgrade
from sqlalchemy import func, select

from diary import create_app
from diary.clock import local_today
from diary.extensions import db
from diary.models import Claim
from diary.services.accounts import create_user
from diary.services.claims import ClaimedElsewhere, claim
from diary.services.treatments import add_treatment
from diary.unit import unit_of_work
from tests.browserless import Visitor
from tests.conftest import PASSWORD, build_app, make_user, sign_in
from tests.proxies import ReverseProxy
from tests.server import DiaryServer, free_port
from tests.test_reminders import start_smtp


@pytest.fixture
def redis_server(tmp_path):
    """Debian's redis-server on a loopback port, keeping nothing on disk; yield its URI."""
    port = free_port()
    command = [shutil.which("redis-server") or "/usr/bin/redis-server", "--port", str(port)]
    command += ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(tmp_path)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    client = redis.Redis(port=port)
    deadline = time.monotonic() + 20
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            assert process.poll() is None and time.monotonic() < deadline, "redis-server died"
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}", client
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def clinic(tmp_path, monkeypatch, redis_server):
    """Two `diary serve` on one instance behind Caddy, limits in Redis; accounts alice, bob."""
    uri, _ = redis_server
    instance = tmp_path / "instance"
    monkeypatch.setenv("DIARY_INSTANCE_PATH", str(instance))
    env = {
        "DIARY_RATELIMIT_STORAGE_URI": uri,
        "DIARY_PROXY_COUNT": "1",
        "DIARY_SECURE_COOKIES": "true",
        "DIARY_BACKUP_KEEP": "0",
    }
    servers = [DiaryServer(instance, **env).start() for _ in range(2)]
    app = create_app()
    with app.app_context():
        for n, name in enumerate(("alice", "bob")):
            create_user(name, PASSWORD, is_admin=n == 0)
        db.session.commit()
        db.engine.dispose()
    proxy = ReverseProxy("caddy", tmp_path / "caddy", *(s.port for s in servers)).start()
    yield proxy, servers
    proxy.stop()
    for server in servers:
        server.stop()


def answered_by(visitor: Visitor, method: str, path: str, fields=None) -> tuple[int, str]:
    """Send one request through the proxy; return its status and the process that answered."""
    if method == "POST":
        status, headers, _ = visitor.post_form(path, fields)
    else:
        status, headers, _ = visitor.get(path)
    return status, headers["X-Upstream"]


def sign_in_tries(visitor: Visitor, fields: dict, count: int) -> list[tuple[int, str]]:
    """Post the sign-in form count times, to each process in turn (Caddy goes round robin)."""
    tries = []
    for n in range(count):
        if n:
            # The form's page and its post take one turn each: one more request moves the post.
            visitor.get("/healthz")
        tries.append(answered_by(visitor, "POST", "/login", fields))
    return tries


@pytest.mark.diary_serve
def test_a_sign_in_made_on_one_process_holds_on_the_other(clinic):
    proxy, servers = clinic
    alice = Visitor(proxy.url, source="127.0.0.2")
    signed_in = answered_by(alice, "POST", "/login", {"username": "alice", "password": PASSWORD})
    assert signed_in[0] == 302
    pages = [answered_by(alice, "GET", "/") for _ in range(4)]
    # Every page opens signed in, whichever process answers it; both answered.
    assert [status for status, _ in pages] == [200] * 4
    assert {upstream for _, upstream in pages} == {f"127.0.0.1:{s.port}" for s in servers}


@pytest.mark.diary_serve
def test_five_wrong_passwords_across_both_processes_are_the_limit(clinic, redis_server):
    proxy, servers = clinic
    _, counts = redis_server
    guesser = Visitor(proxy.url, source="127.0.0.3")
    wrong = {"username": "bob", "password": "not the password"}
    tries = sign_in_tries(guesser, wrong, 6)
    assert [status for status, _ in tries] == [200] * 5 + [429]
    assert len({upstream for _, upstream in tries}) == len(servers)
    # The right password from that address waits too, on either process.
    right = {"username": "bob", "password": PASSWORD}
    again = sign_in_tries(guesser, right, 2)
    assert [status for status, _ in again] == [429, 429]
    assert len({upstream for _, upstream in again}) == len(servers)
    # The counts are Redis's, where processes on other machines would find them too.
    assert counts.keys("LIMITS:*")


MIGRALOG_EXPORT = (
    Path(__file__).parent / "data" / "imports" / "migralog_export_2024-05-04_090000.json"
)


@pytest.mark.diary_serve
def test_a_preview_made_on_one_process_is_confirmed_on_the_other(clinic):
    proxy, _ = clinic
    alice = Visitor(proxy.url, source="127.0.0.4")
    alice.post_form("/login", {"username": "alice", "password": PASSWORD})
    export = MIGRALOG_EXPORT.read_bytes()
    status, headers, page = alice.post_file(
        "/import/other/", "export", MIGRALOG_EXPORT.name, export, "/export", {"format": "auto"}
    )
    previewed_on = headers["X-Upstream"]
    assert status == 200 and "Import 2 attacks, 2 readings and 1 medicines" in html.unescape(page)
    confirm = re.search(r'action="/import/other/confirm".*?</form>', page, re.S).group(0)
    fields = dict(
        re.findall(r'<input[^>]*name="(\w+)"[^>]*type="hidden"[^>]*value="([^"]*)"', confirm)
    )
    # Caddy goes round robin: once the previewing process has answered again, the next
    # request goes to the other one.
    while answered_by(alice, "GET", "/healthz")[1] != previewed_on:
        pass
    status, headers, _ = alice.request(
        "POST",
        "/import/other/confirm",
        urlencode(fields).encode(),
        {"Content-Type": "application/x-www-form-urlencoded", "Referer": proxy.url + "/export"},
    )
    assert status == 302 and headers["X-Upstream"] != previewed_on
    _, _, history = alice.get(headers["Location"])
    assert "Imported 2 attacks, 2 readings and 1 medicines from MigraLog" in html.unescape(history)


class Gate:
    """A loopback port that holds connections until `parties` have come, then passes each on.

    Each `diary reminders send` reads what is due before it connects to the mail server:
    once both are through the gate, both have read the same due reminder.
    """

    def __init__(self, upstream_port: int, parties: int = 2):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.upstream_port = upstream_port
        self.parties = parties
        self.sockets = [self.listener]
        self.pumps: list[threading.Thread] = []
        self.opened = threading.Thread(target=self._run, daemon=True)
        self.opened.start()

    def _run(self) -> None:
        self.listener.settimeout(60)
        waiting = [self.listener.accept()[0] for _ in range(self.parties)]
        for client in waiting:
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            self.sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                pump = threading.Thread(target=self._pump, args=(source, sink), daemon=True)
                pump.start()
                self.pumps.append(pump)

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        while data := source.recv(65536):
            sink.sendall(data)
        sink.shutdown(socket.SHUT_WR)

    def close(self) -> None:
        self.opened.join(timeout=10)
        for pump in self.pumps:
            pump.join(timeout=10)
        for each in self.sockets:
            each.close()


@pytest.mark.diary_serve
def test_reminders_sent_by_two_runs_at_once_go_out_once(tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    monkeypatch.setenv("DIARY_INSTANCE_PATH", str(instance))
    app = create_app()
    with app.app_context():
        upgrade()
        user = create_user("alice", PASSWORD, is_admin=True)
        user.email = "alice@clinic.test"
        today = local_today(user.timezone)
        add_treatment(
            user,
            kind="ketamine_iv_inpatient",
            started_on=today - timedelta(days=17),
            ended_on=today - timedelta(days=14),
        )
        db.session.commit()
        db.engine.dispose()
    controller, smtp_port, inbox = start_smtp(smtputf8=False)
    gate = Gate(smtp_port)
    env = {
        **os.environ,
        "DIARY_INSTANCE_PATH": str(instance),
        "DIARY_MAIL_SERVER": "127.0.0.1",
        "DIARY_MAIL_PORT": str(gate.port),
        "DIARY_MAIL_FROM": "diary@clinic.test",
    }
    command = [sys.executable, "-m", "diary", "reminders", "send"]
    runs = [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=90)[0].decode() for run in runs]
    gate.close()
    controller.stop()
    assert [run.returncode for run in runs] == [0, 0], outputs
    sent = sorted(int(re.search(r"Sent (\d+) email", output).group(1)) for output in outputs)
    assert sent == [0, 1], outputs
    assert [m.rcpt_tos for m in inbox.messages] == [["alice@clinic.test"]]


def test_machines_with_instance_folders_of_their_own_share_the_key_file(app, tmp_path, monkeypatch):
    """DIARY_SECRET_KEY_FILE: a sign-in made on one machine holds on the other."""
    make_user(app, "alice")
    key_file = tmp_path / "secret_key"
    key_file.write_text("a key the clinic keeps in one place\n")
    machines = []
    for name in ("one", "two"):
        monkeypatch.setenv("DIARY_INSTANCE_PATH", str(tmp_path / name))
        machine = build_app(
            app.config["SQLALCHEMY_DATABASE_URI"], SECRET_KEY="", SECRET_KEY_FILE=str(key_file)
        )
        machines.append(machine)
    first, second = (machine.test_client() for machine in machines)
    assert sign_in(first, "alice").status_code == 302
    second.set_cookie("session", first.get_cookie("session").value)
    assert second.get("/").status_code == 200
    # Neither made a key of its own in its instance folder.
    assert not (tmp_path / "one" / "secret_key").exists()
    assert not (tmp_path / "two" / "secret_key").exists()
    for machine in machines:
        with machine.app_context():
            db.engine.dispose()


def test_of_two_claims_at_once_on_the_same_work_one_wins(app):
    """On SQLite and on PostgreSQL (make test-postgres): the database, not luck, decides."""
    start = threading.Barrier(2)

    def try_claim(_n: int) -> bool:
        with app.app_context():
            try:
                with unit_of_work(writes=True):
                    start.wait()
                    claim("reminder-email:1:2026-12-07", "reminder-email:2:2026-12-07")
            except ClaimedElsewhere:
                return False
            return True

    with ThreadPoolExecutor(2) as pool:
        assert sorted(pool.map(try_claim, range(2))) == [False, True]
    # The loser kept nothing: no claim of its own is left half made.
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Claim)) == 2
