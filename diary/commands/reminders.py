"""diary reminders list / send."""

import json
from functools import partial

import click
from flask.cli import AppGroup

from diary.commands.common import as_of_option, day_asked, migrated, require_user, user_option
from diary.extensions import db
from diary.services import mail
from diary.services.claims import ClaimedElsewhere
from diary.services.reminders import active_reminders, as_json, by_status
from diary.unit import after_commit, command_unit, unit_of_work


@click.group(cls=AppGroup)
def reminders():
    """List reminders, or email the due ones."""


@reminders.command("list")
@user_option
@click.option("--json", "as_json_output", is_flag=True, help="Print a JSON list.")
@as_of_option
@migrated
@command_unit(writes=False)
def list_reminders(username: str, as_json_output: bool, as_of):
    """List a user's reminders with their status on a day."""
    user = require_user(username)
    today = day_asked(user, as_of)
    items = [as_json(r, today) for r in by_status(active_reminders(user), today)]
    if as_json_output:
        click.echo(json.dumps(items, indent=2, ensure_ascii=False))
        return
    for item in items:
        click.echo(f"{item['due_on']}\t{item['status']}\t{item['title']}")


@reminders.command("send")
@migrated
@command_unit(writes=False)
def send():
    """Email every user's due and overdue reminders (once per date), for cron or a timer.

    What is due is read first; then each e-mail's reminders are marked as e-mailed in a
    short unit of their own and the e-mail goes out after its commit, so the database is
    never locked while the mail server answers and nothing is ever sent twice, even by
    runs at once on several machines (each e-mail is claimed first). An address
    the server refuses is reported, its mark taken back for the next run, and the others
    are still sent.
    """
    if not mail.smtp_configured():
        click.echo("Email is not configured (set DIARY_MAIL_SERVER); nothing sent.")
        return
    emails, skipped = mail.due_emails()
    db.session.rollback()  # end the reading: each mark below takes the write lock briefly
    sent, failed = 0, []
    try:
        with mail.connect() as smtp:
            for email in emails:
                try:
                    with unit_of_work(writes=True):
                        mail.mark_emailed(email)
                        after_commit(partial(mail.deliver, smtp, email))
                except ClaimedElsewhere:
                    continue  # another run sends it
                except mail.RECIPIENT_ERRORS as exc:
                    with unit_of_work(writes=True):
                        mail.mark_emailed(email, sent=False)
                    failed.append(f"could not send to {email.user.username}: {exc}")
                    continue
                sent += 1
    except OSError as exc:
        raise click.ClickException(
            f"could not send through the mail server after {sent} email(s): {exc}"
        ) from None
    click.echo(f"Sent {sent} email(s).")
    for name in skipped:
        click.echo(f"{name} has due reminders but no email address in Settings.", err=True)
    if failed:
        raise click.ClickException("; ".join(failed))
