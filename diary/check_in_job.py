"""Ask each account about its empty day, once: `diary check-ins send` and `diary serve`'s schedule.

What to ask is read first; then each account's day is claimed in a short unit of its own
and the notification and e-mail go out after its commit (as reminder e-mails do): a
failure afterwards is reported, never retried, so no one is asked twice about a day.
"""

import contextlib
import logging
import smtplib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage

from flask import Flask, current_app
from flask_babel import gettext

from diary import push
from diary.extensions import db
from diary.i18n import in_language_of
from diary.services import check_ins, mail
from diary.services.check_ins import Ask
from diary.unit import after_commit, unit_of_work

# How often `diary serve`'s own schedule looks for accounts to ask.
SCHEDULE_SECONDS = 60
log = logging.getLogger(__name__)


@dataclass
class Outcome:
    """What one run did, for the command to report."""

    asked: int = 0
    pushed: int = 0
    emailed: int = 0
    removed: int = 0
    problems: list[str] = field(default_factory=list)


def push_message(ask: Ask) -> dict:
    """Return the notification: the question and its two answers, no health data."""
    with in_language_of(ask.user):
        return {
            "title": gettext("Headache diary"),
            "body": gettext("How was your head today?"),
            "no_headache": gettext("No headache"),
            "log_pain": gettext("Log pain"),
            # Which day and whose: the worker records the answer in that member's queue.
            "day": ask.day.isoformat(),
            "user_id": ask.user.id,
        }


def email_message(ask: Ask) -> EmailMessage:
    """Return the e-mail: a neutral subject, the question, and a link to home when known."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config.get("MAIL_FROM", f"headache-diary@{config['MAIL_SERVER']}")
    message["To"] = ask.user.email
    with in_language_of(ask.user):
        message["Subject"] = gettext("Headache diary")
        lines = [gettext("How was your head today?")]
        if base := config.get("BASE_URL"):
            lines.append(base.rstrip("/") + "/")
    message.set_content("\n\n".join(lines) + "\n")
    return message


class Mailer:
    """One connection to the mail server for a run, opened when the first e-mail needs it."""

    def __init__(self) -> None:
        self.smtp: smtplib.SMTP | None = None

    def send(self, message: EmailMessage) -> None:
        if self.smtp is None:
            self.smtp = mail.connect()
        self.smtp.send_message(message)

    def close(self) -> None:
        if self.smtp is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self.smtp.quit()


def ask_once(ask: Ask, send: Callable[[], object]) -> bool:
    """Claim the account's day, and send once the claim is committed; False: already asked."""
    with unit_of_work(writes=True):
        if not check_ins.claim(ask):
            return False
        after_commit(send)
    return True


def notify(ask: Ask, pem: str | None, outcome: Outcome) -> None:
    """Push the question to each of the account's devices; forget those the service lost."""
    message = push_message(ask)
    for subscription in check_ins.user_subscriptions(ask.user):
        status = push.send(subscription, pem, message, ask.seconds_left) if pem else 0
        if status in push.GONE:
            with unit_of_work(writes=True):
                check_ins.unsubscribe(subscription)
            outcome.removed += 1
        elif 200 <= status < 300:
            outcome.pushed += 1
        else:
            outcome.problems.append(
                f"the push service answered {status or 'nothing'} for a device of"
                f" {ask.user.username}"
            )


def send_email(ask: Ask, mailer: Mailer, outcome: Outcome) -> None:
    """E-mail the question; a refusal is reported and not retried."""
    if not mail.smtp_configured():
        outcome.problems.append(f"{ask.user.username} asked by e-mail, but none is set up")
        return
    if not ask.user.email:
        outcome.problems.append(f"{ask.user.username} has no e-mail address in Settings")
        return
    try:
        mailer.send(email_message(ask))
    except (*mail.RECIPIENT_ERRORS, OSError, smtplib.SMTPException) as exc:
        outcome.problems.append(f"could not e-mail {ask.user.username}: {exc}")
        return
    outcome.emailed += 1


def deliver(ask: Ask, pem: str | None, mailer: Mailer, outcome: Outcome) -> None:
    if ask.check_in.by_push:
        notify(ask, pem, outcome)
    if ask.check_in.by_email:
        send_email(ask, mailer, outcome)


def run(now: datetime | None = None) -> Outcome:
    """Ask every account due now, each about its day once."""
    with unit_of_work(writes=False):
        asks = check_ins.due(now)
    if any(ask.check_in.by_push for ask in asks):
        with unit_of_work(writes=True):
            push.make_key()
    pem = push.vapid_pem()
    db.session.rollback()  # end the reading: each claim below takes the write lock briefly
    outcome, mailer = Outcome(), Mailer()
    try:
        for ask in asks:
            if ask_once(ask, lambda ask=ask: deliver(ask, pem, mailer, outcome)):
                outcome.asked += 1
    finally:
        mailer.close()
    return outcome


def start_schedule(app: Flask) -> threading.Thread:
    """Run the check-ins every minute in a background thread of `diary serve`."""

    def loop() -> None:
        while True:
            try:
                with app.app_context():
                    outcome = run()
                for problem in outcome.problems:
                    log.warning("Daily check-in: %s", problem)
            except Exception:
                # A database restart or a full disk must not end the schedule; the next try.
                log.exception("The daily check-ins failed")
            time.sleep(SCHEDULE_SECONDS)

    thread = threading.Thread(target=loop, name="daily-check-ins", daemon=True)
    thread.start()
    return thread
