"""diary user create / set-password / list."""

import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select

from diary.commands.common import migrated, require_user
from diary.extensions import db
from diary.models import User
from diary.rules import EntryError
from diary.services.accounts import create_user, set_password
from diary.unit import after_commit, command_unit


@click.group(cls=AppGroup)
def user():
    """Manage the household's accounts."""


@user.command("create")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--admin", is_flag=True, help="Make the account an admin.")
@migrated
@command_unit(writes=True)
def create(name: str, password_stdin: bool, admin: bool):
    """Create an account called NAME."""
    try:
        account = create_user(name, _new_password(password_stdin), is_admin=admin)
    except EntryError as exc:
        raise click.ClickException(str(exc)) from None
    role = " (admin)" if account.is_admin else ""
    after_commit(lambda: click.echo(f"Created account '{account.username}'{role}."))


@user.command("set-password")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@migrated
@command_unit(writes=True)
def set_password_command(name: str, password_stdin: bool):
    """Set a new password for the account NAME (a forgotten one); its every sign-in ends."""
    account = require_user(name)
    try:
        set_password(account, _new_password(password_stdin, "New password"))
    except EntryError as exc:
        raise click.ClickException(str(exc)) from None
    after_commit(
        lambda: click.echo(f"New password set for '{account.username}'; every sign-in of it ended.")
    )


def _new_password(from_stdin: bool, prompt: str = "Password") -> str:
    """Return a password read from standard input, or asked for twice."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt(prompt, hide_input=True, confirmation_prompt=True)


@user.command("list")
@migrated
@command_unit(writes=False)
def list_users():
    """List the accounts."""
    for account in db.session.scalars(select(User).order_by(User.username)):
        role = "admin" if account.is_admin else "member"
        click.echo(f"{account.username}\t{role}\t{account.timezone}")
