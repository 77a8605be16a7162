"""diary check-ins send."""

import click
from flask.cli import AppGroup

from diary import check_in_job
from diary.commands.common import migrated


@click.group("check-ins", cls=AppGroup)
def check_ins():
    """Ask about each empty day once: the daily check-in."""


@check_ins.command("send")
@migrated
def send():
    """Ask each account whose check-in time has come, and whose day is empty, once.

    For cron or a systemd timer (every few minutes); running it again the same day asks
    no one twice. Notifications go by Web Push, e-mails through the reminders' SMTP settings.
    """
    outcome = check_in_job.run()
    click.echo(
        f"Asked {outcome.asked} account(s): {outcome.pushed} notification(s),"
        f" {outcome.emailed} e-mail(s)."
    )
    if outcome.removed:
        click.echo(f"Removed {outcome.removed} device(s) the push service no longer knows.")
    if outcome.problems:
        raise click.ClickException("; ".join(outcome.problems))
