"""Helpers shared by the commands."""

import functools

import click

from diary.migrating import migrate_database
from diary.models import User
from diary.services.accounts import find_user


def user_option(function):
    return click.option("--user", "username", required=True, help="The account's username.")(
        function
    )


def require_user(username: str) -> User:
    user = find_user(username)
    if user is None:
        raise click.ClickException(f"no account called '{username}' (see: diary user list)")
    return user


def migrated(command):
    """Bring the database schema up to date before the command runs."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        backup = migrate_database()
        if backup is not None:
            click.echo(f"Database migrated; the copy from before is {backup}", err=True)
        return command(*args, **kwargs)

    return wrapper
