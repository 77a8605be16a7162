"""Email due reminders through the SMTP server the self-hoster configured."""

import smtplib
from dataclasses import dataclass
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import select

from diary.clock import local_today, long_date
from diary.extensions import db
from diary.models import User
from diary.services.reminders import active_reminders


@dataclass
class SendResult:
    sent: int
    skipped_users: list[str]


def smtp_configured() -> bool:
    return bool(current_app.config.get("MAIL_SERVER"))


def send_due_reminders() -> SendResult:
    """Email each user's due and overdue reminders once per effective date."""
    config = current_app.config
    sent, skipped = 0, []
    users = db.session.scalars(select(User).order_by(User.username)).all()
    with _connect() as smtp:
        for user in users:
            today = local_today(user.timezone)
            waiting = [
                r
                for r in active_reminders(user)
                if r.status(today) in {"due", "overdue"} and r.emailed_for != r.effective_on
            ]
            if not waiting:
                continue
            if not user.email:
                skipped.append(user.username)
                continue
            message = EmailMessage()
            message["From"] = config.get("MAIL_FROM", f"headache-diary@{config['MAIL_SERVER']}")
            message["To"] = user.email
            message["Subject"] = f"Headache diary: {len(waiting)} reminder(s) due"
            lines = [
                f"- {r.title} ({r.status(today)}, {long_date(r.effective_on)})" for r in waiting
            ]
            message.set_content("Your reminders:\n\n" + "\n".join(lines) + "\n")
            smtp.send_message(message)
            for reminder in waiting:
                reminder.emailed_for = reminder.effective_on
            db.session.flush()
            sent += 1
    return SendResult(sent, skipped)


def _connect() -> smtplib.SMTP:
    config = current_app.config
    smtp = smtplib.SMTP(config["MAIL_SERVER"], int(config.get("MAIL_PORT", 25)), timeout=30)
    if config.get("MAIL_USE_TLS"):
        smtp.starttls()
    if config.get("MAIL_USERNAME"):
        smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD", ""))
    return smtp
