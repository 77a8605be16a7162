"""diary report: the doctor's figures as JSON."""

import json
from datetime import date

import click
from flask.cli import with_appcontext

from diary.commands.common import as_of_option, day_asked, migrated, require_user, user_option
from diary.services.medications import overuse
from diary.services.trends import midas_history, treatment_figures


@click.command("report")
@user_option
@click.option("--json", "as_json_output", is_flag=True, help="Print JSON (the only format).")
@as_of_option
@with_appcontext
@migrated
def report(username: str, as_json_output: bool, as_of):
    """Print the figures for the doctor as JSON."""
    user = require_user(username)
    today = day_asked(user, as_of)
    click.echo(json.dumps(build_report(user, today), indent=2, ensure_ascii=False))


def build_report(user, today: date) -> dict:
    return {
        "as_of": today.isoformat(),
        "medication_overuse": overuse(user, today).as_json(),
        "treatments": treatment_figures(user, today),
        "midas": midas_history(user, today),
    }
