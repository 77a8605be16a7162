"""diary user create / list."""

import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select

from diary.commands.common import migrated
from diary.extensions import db
from diary.models import User
from diary.rules import EntryError
from diary.services.accounts import create_user
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
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        account = create_user(name, password, is_admin=admin)
    except EntryError as exc:
        raise click.ClickException(str(exc)) from None
    role = " (admin)" if account.is_admin else ""
    after_commit(lambda: click.echo(f"Created account '{account.username}'{role}."))


@user.command("list")
@migrated
@command_unit(writes=False)
def list_users():
    """List the accounts."""
    for account in db.session.scalars(select(User).order_by(User.username)):
        role = "admin" if account.is_admin else "member"
        click.echo(f"{account.username}\t{role}\t{account.timezone}")
