"""Email due reminders through the SMTP server the self-hoster configured."""

import smtplib
from dataclasses import dataclass
from email.message import EmailMessage

from flask import current_app
from flask_babel import gettext, ngettext
from sqlalchemy import select

from diary.clock import local_today
from diary.extensions import db
from diary.i18n import in_language_of, long_date
from diary.models import Reminder, User
from diary.models.reminder import NEEDS_DOING, STATUS_LABELS
from diary.services.claims import claim, release
from diary.services.reminders import active_reminders
from diary.services.writes import writes

# What one recipient's e-mail can fail with while the connection stays usable: a refused
# address, an internationalised address on a server without SMTPUTF8, a refused message.
RECIPIENT_ERRORS = (
    smtplib.SMTPRecipientsRefused,
    smtplib.SMTPNotSupportedError,
    smtplib.SMTPDataError,
    smtplib.SMTPSenderRefused,
    UnicodeEncodeError,
)


@dataclass
class DueEmail:
    """One user's e-mail of due reminders, not sent yet."""

    user: User
    reminders: list[Reminder]
    message: EmailMessage


def smtp_configured() -> bool:
    return bool(current_app.config.get("MAIL_SERVER"))


def due_emails() -> tuple[list[DueEmail], list[str]]:
    """Return the e-mails to send (one per user, once per effective date), and the users
    with due reminders but no address."""
    config = current_app.config
    emails, skipped = [], []
    for user in db.session.scalars(select(User).order_by(User.username)):
        today = local_today(user.timezone)
        waiting = [
            r
            for r in active_reminders(user)
            if r.status(today) in NEEDS_DOING and r.emailed_for != r.effective_on
        ]
        if not waiting:
            continue
        if not user.email:
            skipped.append(user.username)
            continue
        message = EmailMessage()
        message["From"] = config.get("MAIL_FROM", f"headache-diary@{config['MAIL_SERVER']}")
        message["To"] = user.email
        with in_language_of(user):
            message["Subject"] = ngettext(
                "Headache diary: %(num)s reminder due",
                "Headache diary: %(num)s reminders due",
                len(waiting),
            )
            lines = [
                f"- {r.shown_title} ({STATUS_LABELS[r.status(today)]}, {long_date(r.effective_on)})"
                for r in waiting
            ]
            message.set_content(gettext("Your reminders:") + "\n\n" + "\n".join(lines) + "\n")
        emails.append(DueEmail(user, waiting, message))
    return emails, skipped


def claim_keys(email: DueEmail) -> list[str]:
    """Return the claims that make each reminder's e-mail for its date go out once."""
    return [f"reminder-email:{r.id}:{r.effective_on.isoformat()}" for r in email.reminders]


@writes
def mark_emailed(email: DueEmail, *, sent: bool = True) -> None:
    """Claim an e-mail's reminders and mark them e-mailed for their date (sent=False: undo both).

    Raises ClaimedElsewhere when another run, here or on another machine, is sending them.
    """
    if sent:
        claim(*claim_keys(email))
    else:
        release(*claim_keys(email))
    for reminder in email.reminders:
        reminder.emailed_for = reminder.effective_on if sent else None
    db.session.flush()


def deliver(smtp: smtplib.SMTP, email: DueEmail) -> None:
    """Send one e-mail (after its reminders' mark was committed).

    smtplib asks for SMTPUTF8 by itself when an address needs it and the server offers
    it; without it, an internationalised address raises one of RECIPIENT_ERRORS.
    """
    smtp.send_message(email.message)


def connect() -> smtplib.SMTP:
    config = current_app.config
    smtp = smtplib.SMTP(config["MAIL_SERVER"], int(config.get("MAIL_PORT", 25)), timeout=30)
    if config.get("MAIL_USE_TLS"):
        smtp.starttls()
    if config.get("MAIL_USERNAME"):
        smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD", ""))
    return smtp
