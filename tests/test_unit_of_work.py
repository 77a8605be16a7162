"""One unit of work per request and per command (diary/unit.py), probed the way it can fail."""

import asyncio
import threading

import pytest
from aiosmtpd.controller import Controller
from flask import redirect
from flask_login import current_user
from sqlalchemy import event, func, select, update
from sqlalchemy.exc import OperationalError

from diary.extensions import db
from diary.models import Reading
from diary.rules import EntryError
from diary.services.readings import add_reading
from diary.unit import after_commit
from tests.conftest import WriteOutsideService, user_row
from tests.server import free_port
from tests.test_reminders import Inbox, household_with_due_follow_ups


def readings(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Reading.id)))


@pytest.fixture
def probes(app):
    """Views that write, then fail in the ways a real view can; `sent` records e-mails."""
    sent: list[str] = []

    def write_then_raise():
        add_reading(current_user, pain=4)
        raise RuntimeError("after the service flushed")

    def write_then_catch_a_refusal():
        user = current_user
        add_reading(user, pain=4)
        try:
            add_reading(user, pain=99)
        except EntryError:
            return redirect("/")
        return "not refused"

    def write_and_mail():
        add_reading(current_user, pain=4)
        after_commit(lambda: sent.append("mail"))
        return "saved"

    for rule, view in (
        ("/probe/raise", write_then_raise),
        ("/probe/refused", write_then_catch_a_refusal),
        ("/probe/mail", write_and_mail),
    ):
        app.add_url_rule(rule, view.__name__, view, methods=["POST"])
    app.config["WTF_CSRF_ENABLED"] = False
    return sent


def failing_commits(app):
    """Make every COMMIT meet a lock it cannot get, as SQLite says it."""

    def locked(_connection):
        raise OperationalError("COMMIT", {}, Exception("database is locked"))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "commit", locked)
    return lambda: event.remove(engine, "commit", locked)


def test_a_commit_that_meets_a_lock_answers_503_with_retry_after(app, probes, client, alice):
    stop = failing_commits(app)
    try:
        response = client.post("/probe/mail")
    finally:
        stop()
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "busy saving something else; nothing was saved. Please try again." in response.text
    assert readings(app) == 0


def test_a_view_that_raises_after_a_service_flushed_keeps_nothing(app, probes, client, alice):
    # The test client hands the error on (TESTING); a server answers 500 "nothing was saved".
    with pytest.raises(RuntimeError, match="after the service flushed"):
        client.post("/probe/raise")
    assert readings(app) == 0


def test_a_refusal_the_view_catches_and_redirects_keeps_nothing(app, probes, client, alice):
    assert client.post("/probe/refused").status_code == 302
    assert readings(app) == 0


def test_after_commit_work_runs_once_on_a_commit_and_never_on_a_failed_one(
    app, probes, client, alice
):
    assert client.post("/probe/mail").text == "saved"
    assert probes == ["mail"]
    stop = failing_commits(app)
    try:
        assert client.post("/probe/mail").status_code == 503
    finally:
        stop()
    assert probes == ["mail"] and readings(app) == 1


def statements_of(app, run) -> list[str]:
    seen: list[str] = []
    with app.app_context():
        engine = db.engine

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return seen


@pytest.mark.parametrize(
    "args",
    [["report", "--user", "alice", "--json"], ["export", "--user", "alice", "--out", "{out}"]],
)
def test_commands_that_only_read_never_take_the_write_lock(app, runner, alice, tmp_path, args):
    with app.app_context():
        add_reading(user_row(alice), pain=3)
        db.session.commit()
    args = [a.format(out=tmp_path / "out") for a in args]
    seen = statements_of(app, lambda: runner.invoke(args=args))
    if db_is_sqlite(app):
        assert "BEGIN" in seen and "BEGIN IMMEDIATE" not in seen
    assert not [s for s in seen if s.startswith(("INSERT", "UPDATE", "DELETE"))]


def db_is_sqlite(app) -> bool:
    with app.app_context():
        return db.engine.dialect.name == "sqlite"


class SlowInbox(Inbox):
    """A mail server that answers only when the test lets it."""

    def __init__(self):
        super().__init__()
        self.arrived, self.release = threading.Event(), threading.Event()

    async def handle_DATA(self, server, session, envelope):
        self.arrived.set()
        while not self.release.is_set():  # the server's loop keeps running meanwhile
            await asyncio.sleep(0.01)
        return await super().handle_DATA(server, session, envelope)


def test_reminders_send_never_holds_the_lock_while_the_mail_server_answers(
    app, runner, client, alice
):
    inbox, port = SlowInbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_FROM="diary@home.test")
    household_with_due_follow_ups(app, {"ann": "ann@home.test"})
    result = {}
    sending = threading.Thread(
        target=lambda: result.update(out=runner.invoke(args=["reminders", "send"]))
    )
    try:
        sending.start()
        # The e-mail is with the mail server, which holds it until the write has answered.
        # Had the command kept the write lock, the write would wait for it in vain and
        # answer 503 when SQLite's busy timeout ran out: it is saved instead.
        assert inbox.arrived.wait(timeout=30)
        assert client.post("/readings/quick", data={"pain": "5"}).status_code == 302
        assert inbox.messages == []  # still held: the write did not wait for the send
    finally:
        inbox.release.set()
        sending.join(timeout=30)
        controller.stop()
    assert result["out"].exit_code == 0, result["out"].output
    assert [m.rcpt_tos for m in inbox.messages] == [["ann@home.test"]]


def test_the_guard_fails_a_core_update_run_outside_a_service(app):
    with app.test_request_context("/", method="POST"), pytest.raises(WriteOutsideService):
        db.session.execute(update(Reading).values(pain=1))
