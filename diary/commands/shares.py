"""diary share create / list / revoke."""

import json
from datetime import datetime, timedelta

import click
from flask import current_app
from flask.cli import AppGroup

from diary.clock import local_today
from diary.commands.common import migrated, require_user, user_option
from diary.rules import EntryError
from diary.services import shares, trends
from diary.unit import after_commit, command_unit
from diary.urls import outside_url


@click.group(cls=AppGroup)
def share():
    """Share a read-only report with a specialist for a limited time."""


@share.command("create")
@user_option
@click.option(
    "--days", default=shares.DAYS_DEFAULT, show_default=True, help="Days the link works (1 to 90)."
)
@click.option("--from", "first", help="First day shown, YYYY-MM-DD (default: 90 days before --to).")
@click.option("--to", "last", help="Last day shown, YYYY-MM-DD (default: today).")
@migrated
@command_unit(writes=True)
def create(username: str, days: int, first: str | None, last: str | None):
    """Print the path of a new link (/s/<token>); it is shown only this once.

    The link shows the treatments the report page shows by default: those running or still
    acting in the range. With DIARY_BASE_URL set, the full address is printed too.
    """
    user = require_user(username)
    last = last or local_today(user.timezone).isoformat()
    try:
        first = (
            first or (datetime.strptime(last, "%Y-%m-%d").date() - timedelta(days=89)).isoformat()
        )
    except ValueError:
        raise click.ClickException(f"--to '{last}' is not a date as YYYY-MM-DD") from None
    try:
        _, token = shares.create_share(
            user,
            first_day=first,
            last_day=last,
            treatment_ids=[t.id for t in _acting(user, first, last)],
            days=days,
        )
    except EntryError as exc:
        raise click.ClickException(str(exc)) from None
    path = f"/s/{token}"

    def show() -> None:  # once the link is saved: it is shown only this once
        click.echo(path)
        if current_app.config.get("BASE_URL"):
            click.echo(outside_url(path))

    after_commit(show)


def _acting(user, first: str, last: str):
    """Return the user's treatments running or still acting in first..last (texts unchecked)."""
    try:
        start, end = (datetime.strptime(d, "%Y-%m-%d").date() for d in (first, last))
    except ValueError:
        return []  # the service says what is wrong with the dates
    return trends.acting_in(trends.treatments_until(user, end), start, end)


def _stamp(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") + "Z" if value else None


@share.command("list")
@user_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@migrated
@command_unit(writes=False)
def list_shares(username: str, as_json: bool):
    """List a user's links (never the tokens): what each shows, until when, how often opened."""
    user = require_user(username)
    rows = [
        {
            "id": s.id,
            "created_at": _stamp(s.created_at),
            "expires_on": shares.expires_on(s, user).isoformat(),
            "first_day": s.first_day.isoformat(),
            "last_day": s.last_day.isoformat(),
            "views": s.views,
            "last_viewed_at": _stamp(s.last_viewed_at),
            "revoked": s.revoked_at is not None,
        }
        for s in shares.user_shares(user)
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        state = "revoked" if row["revoked"] else f"until {row['expires_on']}"
        click.echo(
            f"{row['id']}\t{row['first_day']} to {row['last_day']}\t{state}\topened {row['views']}"
        )


@share.command("revoke")
@user_option
@click.argument("share_id", type=int)
@migrated
@command_unit(writes=True)
def revoke(username: str, share_id: int):
    """End one of a user's links at once (see: diary share list)."""
    user = require_user(username)
    row = shares.owned_share(user, share_id)
    if row is None:
        raise click.ClickException(f"{username} has no shared link {share_id}")
    shares.revoke_share(row)
    click.echo(f"Revoked link {share_id}.")
