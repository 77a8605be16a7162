"""The daily check-in: Settings, `diary check-ins send` by Web Push and e-mail, empty days."""

import re
import sqlite3
import stat
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from diary import check_in_job, create_app
from diary.clock import local_now, local_today
from diary.extensions import db
from diary.migrating import migrate_database
from diary.models import Claim, DayMark, PushSubscription, VapidKey
from diary.services import check_ins
from diary.services.accounts import create_user, update_profile
from diary.services.check_ins import until_day_ends
from diary.services.readings import add_reading
from tests.conftest import PASSWORD, make_user, sign_in, sqlite_only, user_row
from tests.push_service import PushService
from tests.server import DiaryServer
from tests.test_reminders import smtp_server  # noqa: F401  (a fixture)

QUESTION = "How was your head today?"


@pytest.fixture
def push_service(app):
    service = PushService()
    # The local push service speaks plain HTTP on loopback; real ones are HTTPS only.
    app.config.update(PUSH_ALLOW_HTTP=True)
    yield service
    service.stop()
    assert service.problems == []


def turn_on(client, **fields) -> None:
    form = {"on": "y", "at": "00:00", "by_push": "y"} | fields
    response = client.post("/account/check-in", data=form)
    assert response.status_code == 302
    assert "Daily check-in saved." in client.get("/account").get_data(as_text=True)


def subscribe(client, subscription: dict):
    token = client.get("/sync/token").get_json()["csrf_token"]
    return client.post(
        "/sync/push-subscriptions", json=subscription, headers={"X-CSRFToken": token}
    )


def send(runner, exit_code: int = 0) -> str:
    result = runner.invoke(args=["check-ins", "send"])
    assert result.exit_code == exit_code, result.output
    return result.output


def test_the_question_goes_encrypted_and_signed_to_each_device_once_a_day(
    app, client, runner, alice, push_service
):
    turn_on(client)
    for name in ("phone", "laptop"):
        assert subscribe(client, push_service.device(name)).status_code == 201
    assert "Asked 1 account(s): 2 notification(s), 0 e-mail(s)." in send(runner)
    today = local_today(user_row_tz(app, alice)).isoformat()
    assert sorted(d.path for d in push_service.deliveries) == ["/device/laptop", "/device/phone"]
    page = client.get("/account").get_data(as_text=True)
    shown_key = re.search(r'data-push-key="([^"]+)"', page)[1]
    for delivery in push_service.deliveries:
        # Signed with the key this diary's Settings hands browsers to subscribe with.
        assert delivery.vapid_key == shown_key
        assert delivery.message == {
            "title": "Headache diary",
            "body": QUESTION,
            "no_headache": "No headache",
            "log_pain": "Log pain",
            "day": today,
            "user_id": alice,
        }
        # The push service drops it once the account's day is over.
        assert 0 < delivery.ttl <= 24 * 3600
    assert "Asked 0 account(s)" in send(runner)
    assert len(push_service.deliveries) == 2


def test_two_runs_at_once_ask_once_through_the_claims_reminders_use(
    app, client, alice, push_service, monkeypatch
):
    """As cron and `diary serve`'s schedule, or cron on two machines, at the same minute."""
    turn_on(client)
    subscribe(client, push_service.device("phone"))
    # Neither run claims before both have read the day as due: the database must decide.
    both_read = threading.Barrier(2, timeout=30)
    read_due = check_ins.due

    def due_then_wait(now=None):
        asks = read_due(now)
        both_read.wait()
        return asks

    monkeypatch.setattr(check_ins, "due", due_then_wait)

    def run(_n: int) -> int:
        with app.app_context():
            return check_in_job.run().asked

    with ThreadPoolExecutor(2) as pool:
        assert sorted(pool.map(run, range(2))) == [0, 1]
    assert len(push_service.deliveries) == 1
    with app.app_context():
        today = local_today(user_row(alice).timezone)
        key = f"check-in:{alice}:{today.isoformat()}"
        assert db.session.scalars(select(Claim.key)).all() == [key]


def user_row_tz(app, user_id: int) -> str:
    with app.app_context():
        return user_row(user_id).timezone


@pytest.mark.parametrize("entry", ["reading", "no headache", "attack"])
def test_a_day_with_a_pain_entry_is_not_asked_about(
    app, client, runner, alice, push_service, entry
):
    turn_on(client)
    subscribe(client, push_service.device("phone"))
    if entry == "reading":
        client.post("/readings/quick", data={"pain": "0"})
    elif entry == "no headache":
        client.post("/days/today", data={"mark": "headache_free", "value": "yes"})
    else:
        client.post("/attacks/start")
    assert "Asked 0 account(s)" in send(runner)
    assert push_service.deliveries == []


def test_a_device_the_push_service_no_longer_knows_is_removed(
    app, client, runner, alice, push_service
):
    turn_on(client)
    for name in ("old-phone", "old-tablet", "phone"):
        subscribe(client, push_service.device(name))
    push_service.status.update({"old-phone": 410, "old-tablet": 404})
    output = send(runner)
    assert "1 notification(s)" in output
    assert "Removed 2 device(s) the push service no longer knows." in output
    with app.app_context():
        left = db.session.scalars(select(PushSubscription.endpoint)).all()
    assert left == [f"{push_service.origin}/device/phone"]
    assert len(client.get("/account").get_data(as_text=True).split("Stop notifying")) == 2


def test_no_day_before_the_check_in_was_turned_on_is_asked_about(
    app, client, runner, alice, push_service
):
    # Turned on in the first time zone of the world (UTC+14), then the account moves to
    # the last (UTC-11): its "today" there is a day before the check-in began.
    with app.app_context():
        update_profile(user_row(alice), timezone="Pacific/Kiritimati")
        db.session.commit()
    turn_on(client)
    subscribe(client, push_service.device("phone"))
    with app.app_context():
        update_profile(user_row(alice), timezone="Pacific/Pago_Pago")
        db.session.commit()
    assert "Asked 0 account(s)" in send(runner)
    assert push_service.deliveries == []
    with app.app_context():
        update_profile(user_row(alice), timezone="Pacific/Kiritimati")
        db.session.commit()
        today = local_today("Pacific/Kiritimati").isoformat()
    assert "Asked 1 account(s)" in send(runner)
    assert [d.message["day"] for d in push_service.deliveries] == [today]


def test_turned_off_or_before_its_time_no_one_is_asked(app, client, runner, alice, push_service):
    subscribe(client, push_service.device("phone"))
    turn_on(client)
    client.post("/account/check-in", data={"at": "00:00", "by_push": "y"})  # "on" unticked
    assert "Asked 0 account(s)" in send(runner)
    # A zone where it is not yet 23:00, and the check-in at 23:30 there.
    zone = next(z for z in ("Europe/London", "Asia/Tokyo") if local_now(z).hour < 23)
    with app.app_context():
        update_profile(user_row(alice), timezone=zone)
        db.session.commit()
    turn_on(client, at="23:30")
    assert "Asked 0 account(s)" in send(runner)
    assert push_service.deliveries == []


def test_settings_refuse_what_cannot_ask(app, client, alice):
    response = client.post("/account/check-in", data={"on": "y", "at": "8pm", "by_push": "y"})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Give the time as HH:MM" in page
    client.post("/account/check-in", data={"on": "y", "at": "20:00"})
    page = client.get("/account").get_data(as_text=True)
    assert "Choose how to be asked" in page
    client.post("/account/check-in", data={"on": "y", "at": "20:00", "by_email": "y"})
    assert "Give your e-mail address" in client.get("/account").get_data(as_text=True)
    assert 'name="on" type="checkbox" value="y">' in client.get("/account").get_data(as_text=True)


def test_a_subscription_is_refused_unless_it_is_an_https_push_service(app, client, alice):
    subscription = {
        "endpoint": "http://127.0.0.1:9/device/x",
        "keys": {"p256dh": "AA", "auth": "AA"},
    }
    response = subscribe(client, subscription)
    assert response.status_code == 422
    assert "push address" in response.get_json()["error"]["message"]


def test_a_device_is_removed_by_its_owner_only(app, client, alice, bob, push_service):
    subscribe(client, push_service.device("phone"))
    with app.app_context():
        device = db.session.scalar(select(PushSubscription))
    other = app.test_client()
    sign_in(other, "bob")
    assert other.post(f"/account/push-subscriptions/{device.id}/remove").status_code == 404
    assert client.post(f"/account/push-subscriptions/{device.id}/remove").status_code == 302
    page = client.get("/account").get_data(as_text=True)
    assert "That device is no longer notified." in page and "Stop notifying" not in page


def test_the_vapid_key_is_made_once_and_private(app, client, alice):
    turn_on(client)
    key_file = Path(app.instance_path) / "vapid_private_key.pem"
    first = key_file.read_text().strip()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    turn_on(client, at="21:00")
    assert key_file.read_text().strip() == first


@sqlite_only  # `diary backup` copies SQLite's file; PostgreSQL is backed up with pg_dump
def test_the_vapid_key_is_kept_in_backups(app, client, runner, alice, tmp_path):
    turn_on(client)
    first = (Path(app.instance_path) / "vapid_private_key.pem").read_text().strip()
    backup = tmp_path / "copy.sqlite3"
    assert runner.invoke(args=["backup", str(backup)]).exit_code == 0
    with sqlite3.connect(backup) as copy:
        assert [k.strip() for (k,) in copy.execute("SELECT private_pem FROM vapid_key")] == [first]


def test_a_restored_databases_key_replaces_the_instance_files(app, client, alice):
    turn_on(client)
    key_file = Path(app.instance_path) / "vapid_private_key.pem"
    key_file.unlink()
    key_file.write_text("a key of another installation")
    turn_on(client, at="21:00")
    with app.app_context():
        assert (
            key_file.read_text().strip() == db.session.scalar(select(VapidKey.private_pem)).strip()
        )
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def household_asked_by_email(app, addresses: dict[str, str]) -> None:
    """Accounts named by addresses' keys, each with that address and the check-in by e-mail."""
    for name, address in addresses.items():
        given_email(app, make_user(app, name), address)
        client = app.test_client()
        sign_in(client, name)
        turn_on(client, by_push="", by_email="y")


def given_email(app, user_id: int, address: str) -> None:
    with app.app_context():
        user_row(user_id).email = address
        db.session.commit()


def test_the_email_asks_once_and_a_refused_address_stops_no_one_and_is_not_retried(
    app,
    runner,
    smtp_server,  # noqa: F811
):
    port, inbox = smtp_server
    app.config.update(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=port,
        MAIL_FROM="diary@home.test",
        BASE_URL="https://diary.home.test/",
    )
    household_asked_by_email(
        app, {"ann": "ann@home.test", "bea": "josé@exämple.com", "cy": "cy@home.test"}
    )
    output = send(runner, exit_code=1)
    assert "Asked 3 account(s): 0 notification(s), 2 e-mail(s)." in output
    # bea's internationalised address needs SMTPUTF8, which this server lacks: reported.
    assert "could not e-mail bea" in output
    assert "Asked 0 account(s)" in send(runner)
    assert sorted(m.rcpt_tos[0] for m in inbox.messages) == ["ann@home.test", "cy@home.test"]
    message = inbox.messages[0].content.decode()
    assert "Subject: Headache diary" in message
    assert QUESTION in message and "https://diary.home.test/" in message


def test_asked_by_email_without_a_mail_server_says_so(app, runner, alice, client):
    given_email(app, alice, "a@home.test")
    turn_on(client, by_push="", by_email="y")
    output = send(runner, exit_code=1)
    assert "alice asked by e-mail, but none is set up" in output


@pytest.mark.diary_serve
def test_diary_serve_asks_by_itself_with_the_built_in_schedule(tmp_path, monkeypatch):
    """DIARY_CHECK_IN_SCHEDULER=1: no cron needed; the first round runs as the server starts."""
    instance = tmp_path / "instance"
    monkeypatch.setenv("DIARY_INSTANCE_PATH", str(instance))
    push_service = PushService()
    app = create_app()
    app.config.update(PUSH_ALLOW_HTTP=True)
    with app.app_context():
        migrate_database()
        user = create_user("alice", PASSWORD)
        check_ins.set_check_in(user, on=True, at="00:00", by_push=True, by_email=False)
        check_ins.subscribe(user, **flat(push_service.device("phone")))
        db.session.commit()
    server = DiaryServer(
        instance,
        DIARY_CHECK_IN_SCHEDULER="1",
        DIARY_PUSH_ALLOW_HTTP="true",
        DIARY_BACKUP_KEEP="0",
    ).start()
    try:
        deadline = time.monotonic() + 30
        while not push_service.deliveries and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        server.stop()
        push_service.stop()
    assert [d.message["body"] for d in push_service.deliveries] == [QUESTION]
    assert push_service.problems == []


def flat(subscription: dict) -> dict:
    return {"endpoint": subscription["endpoint"], **subscription["keys"]}


def test_home_offers_yesterday_when_it_is_empty_and_marks_it_in_one_tap(app, client, alice):
    with app.app_context():
        user_row(alice).created_at = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=30)
        db.session.commit()
        yesterday = local_today(user_row(alice).timezone) - timedelta(days=1)
    home = client.get("/").get_data(as_text=True)
    assert "Yesterday is empty" in home
    assert f'href="/readings/new?day={yesterday.isoformat()}"' in home
    readings = client.get("/readings").get_data(as_text=True)
    assert "Empty days of the last 14 days" in readings
    assert readings.count('aria-label="No headache on ') == 14
    response = client.post(f"/days/{yesterday.isoformat()}/no-headache", data={"back": "home"})
    assert response.headers["Location"] == "/"
    assert "Yesterday is empty" not in client.get("/").get_data(as_text=True)
    assert client.get("/readings").get_data(as_text=True).count('aria-label="No headache on ') == 13
    with app.app_context():
        marks = db.session.scalars(select(DayMark)).all()
        assert [(m.day, m.headache_free) for m in marks] == [(yesterday, True)]


def test_a_new_account_is_not_shown_days_before_it_existed(client, alice):
    assert "Yesterday is empty" not in client.get("/").get_data(as_text=True)
    assert "Empty days" not in client.get("/readings").get_data(as_text=True)


def test_a_day_logged_with_a_reading_is_not_empty(app, client, alice):
    with app.app_context():
        user = user_row(alice)
        user.created_at = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=30)
        yesterday = local_today(user.timezone) - timedelta(days=1)
        add_reading(user, recorded_at=f"{yesterday.isoformat()}T09:00", pain=4)
        db.session.commit()
    assert "Yesterday is empty" not in client.get("/").get_data(as_text=True)


def test_the_question_expires_when_the_accounts_day_ends_also_on_a_25_hour_day():
    """Chile's clocks go back at midnight: Saturday 4 April 2026 lasts 25 hours there."""
    eight_pm = datetime(2026, 4, 4, 23, 0, tzinfo=UTC)  # 20:00 in Santiago (UTC-3)
    assert until_day_ends("America/Santiago", date(2026, 4, 4), eight_pm) == 5 * 3600
    assert until_day_ends("Europe/Berlin", date(2026, 4, 5), eight_pm) == 23 * 3600
