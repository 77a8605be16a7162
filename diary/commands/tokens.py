"""diary token create / list / revoke."""

import click
from flask.cli import AppGroup

from diary.clock import format_timestamp, utcnow
from diary.commands.common import migrated, require_user, user_option
from diary.models import ApiToken
from diary.rules import EntryError
from diary.services import tokens
from diary.unit import after_commit, command_unit


@click.group(cls=AppGroup)
def token():
    """Manage API tokens (for phone shortcuts and home automation)."""


@token.command("create")
@user_option
@click.option("--name", default="API token", show_default=True, help="What the token is for.")
@click.option(
    "--days",
    default=tokens.DEFAULT_DAYS,
    show_default=True,
    type=click.IntRange(0, tokens.MAX_DAYS),
    help="Days the token works; 0: until it is revoked.",
)
@migrated
@command_unit(writes=True)
def create(username: str, name: str, days: int):
    """Print a new API token for a user; it is shown only this once.

    The token alone goes to standard output, for scripts; its expiry to standard error.
    """
    user = require_user(username)
    try:
        row, secret = tokens.create_token(user, name, days or None)
    except EntryError as exc:
        raise click.ClickException(str(exc)) from None
    said = expiry(row)

    def show() -> None:
        click.echo(secret)
        click.echo(f"{said[0].upper()}{said[1:]}.", err=True)

    after_commit(show)


def expiry(row: ApiToken) -> str:
    """Say when a token stops working (UTC), or that it works until revoked."""
    if row.expires_at is None:
        return "works until revoked"
    verb = "expired" if row.expires_at <= utcnow() else "expires"
    return f"{verb} {row.expires_at:%Y-%m-%d %H:%M} UTC"


@token.command("list")
@user_option
@migrated
@command_unit(writes=False)
def list_tokens(username: str):
    """List a user's tokens (never the secrets)."""
    for row in tokens.user_tokens(require_user(username)):
        used = format_timestamp(row.last_used_at) if row.last_used_at else "never"
        created = row.created_at.date().isoformat()
        click.echo(f"{row.id}\t{row.name}\tcreated {created}\tlast used {used}\t{expiry(row)}")


@token.command("revoke")
@user_option
@click.argument("token_id", type=int)
@migrated
@command_unit(writes=True)
def revoke(username: str, token_id: int):
    """Revoke one of a user's tokens by its id (see: diary token list)."""
    user = require_user(username)
    row = next((t for t in tokens.user_tokens(user) if t.id == token_id), None)
    if row is None:
        raise click.ClickException(f"{username} has no token {token_id}")
    tokens.revoke(row)
    click.echo(f"Revoked token {token_id}.")
