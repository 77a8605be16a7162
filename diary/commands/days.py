"""diary days: each calendar day classified, as text or as JSON."""

import json

import click
from flask.cli import with_appcontext

from diary.commands.common import migrated, require_user, user_option
from diary.services.days import RULES, classify_days, rule_of
from diary.unit import command_unit

DAY = click.DateTime(formats=["%Y-%m-%d"])
# A century of days is the most one command prints.
MAX_DAYS = 36_525


@click.command("days")
@user_option
@click.option("--from", "first", type=DAY, required=True, help="The first day, YYYY-MM-DD.")
@click.option("--to", "last", type=DAY, required=True, help="The last day, YYYY-MM-DD.")
@click.option(
    "--rule",
    type=click.Choice(list(RULES)),
    help="The migraine-day rule (default: the account's setting, leiden).",
)
@click.option("--json", "as_json_output", is_flag=True, help="Print one JSON object per day.")
@with_appcontext
@migrated
@command_unit(writes=False)
def days(username: str, first, last, rule: str | None, as_json_output: bool):
    """Print each day from --from to --to: migraine, headache, headache_free or unknown."""
    user = require_user(username)
    first, last = first.date(), last.date()
    if last < first:
        raise click.BadParameter("--to is before --from", param_hint="--to")
    if (last - first).days >= MAX_DAYS:
        raise click.BadParameter(f"at most {MAX_DAYS} days at once", param_hint="--to")
    chosen = rule_of(user, rule)
    classified = classify_days(user, first, last, chosen)
    if as_json_output:
        click.echo(json.dumps([d.as_json() for d in classified], indent=2))
        return
    click.echo(f"Days of {user.username} by the {chosen.code} rule:")
    for day in classified:
        why = f" ({', '.join(day.criteria)})" if day.criteria else ""
        strong = ", moderate or severe" if day.moderate_severe else ""
        click.echo(f"{day.day.isoformat()} {day.status}{why}{strong}")
