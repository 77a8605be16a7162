"""diary report: the doctor's figures, as a short text or as JSON."""

import json
from datetime import date

import click
from flask.cli import with_appcontext

from diary.commands.common import as_of_option, day_asked, migrated, require_user, user_option
from diary.services.medications import overuse
from diary.services.menstrual import menstrual_link
from diary.services.trends import midas_history, treatment_figures
from diary.unit import command_unit


@click.command("report")
@user_option
@click.option("--json", "as_json_output", is_flag=True, help="Print every figure as JSON.")
@as_of_option
@with_appcontext
@migrated
@command_unit(writes=False)
def report(username: str, as_json_output: bool, as_of):
    """Print the figures for the doctor: a short summary, or every figure with --json."""
    user = require_user(username)
    today = day_asked(user, as_of)
    figures = build_report(user, today)
    if as_json_output:
        click.echo(json.dumps(figures, indent=2, ensure_ascii=False))
    else:
        click.echo("\n".join(summary_lines(user.username, figures)))


def build_report(user, today: date) -> dict:
    link = menstrual_link(user, today)
    return {
        "as_of": today.isoformat(),
        "medication_overuse": overuse(user, today).as_json(),
        "treatments": treatment_figures(user, today),
        "midas": midas_history(user, today),
        "menstrual_link": link.as_json() if link else None,
    }


def _pain(value) -> str:
    return "no reading" if value is None else f"pain {value}"


def summary_lines(username: str, figures: dict) -> list[str]:
    """Return the report's headline figures as lines of text (every figure is in --json)."""
    overuse_now = figures["medication_overuse"]
    days = ", ".join(f"{code} {n}" for code, n in overuse_now["days_by_class"].items() if n)
    lines = [
        f"Report for {username} as of {figures['as_of']}",
        f"Acute-medicine days, {overuse_now['first_day']} to {overuse_now['last_day']}: "
        + (days or "none")
        + (f" (flagged: {', '.join(overuse_now['flags'])})" if overuse_now["flags"] else ""),
    ]
    for treatment in figures["treatments"]:
        study = treatment["study"]
        lines.append(
            f"{treatment['kind']} {treatment['started_on']} to {treatment['ended_on'] or 'now'}:"
            f" admission {_pain(study['admission_pain'])},"
            f" discharge {_pain(study['discharge_pain'])}"
        )
    lines.append(f"MIDAS answers: {len(figures['midas'])}. Every figure: --json.")
    return lines
