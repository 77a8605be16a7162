"""Helpers shared by the commands."""

import functools
from datetime import date

import click

from diary.clock import local_today
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


as_of_option = click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The day to report on, YYYY-MM-DD (default: today in the user's time zone).",
)


def day_asked(user: User, as_of) -> date:
    """Return the --as-of day, or today in the user's time zone."""
    return as_of.date() if as_of else local_today(user.timezone)
