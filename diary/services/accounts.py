"""Create accounts, check passwords, and manage signed-in sessions."""

import secrets
import threading
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from diary import rules
from diary.clock import local_today, server_timezone, timezone_set, utcnow
from diary.extensions import db
from diary.i18n import LANGUAGES
from diary.models import LoginSession, User
from diary.rules import Checker, EntryError
from diary.services.days import RULES as DAY_RULES
from diary.services.secret_tokens import digest, due_for_touch, new_secret
from diary.services.writes import writes

USERNAME_MAX = 40
# What a username may hold besides letters and digits of any script (and their accents).
USERNAME_PUNCTUATION = frozenset("._-")
# RFC 5321's longest path; body weights a scale for people shows.
EMAIL_MAX = 254
WEIGHT_RANGE = (20, 400)
FULL_NAME_MAX = 120


# A setting update_profile() leaves as it is: None means "none" for the optional ones.
UNCHANGED: Any = object()


def normalise_username(name: str) -> str:
    """Return a username as it is stored and compared (RFC 8265's UsernameCaseMapped, in
    effect): full-width letters made ordinary (NFKC), lower case, accents composed (NFC),
    so that "Renée", "RENÉE" and an e followed by a combining accent are one name."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFKC", name.strip()).lower())


def _username_character(character: str) -> bool:
    """Tell a letter, digit or accent of any script, or one of the allowed punctuation."""
    return (
        character.isalnum()
        or unicodedata.category(character).startswith("M")
        or character in USERNAME_PUNCTUATION
    )


def check_username(name: str) -> str:
    """Return the normalised username or raise EntryError."""
    name = normalise_username(name)
    if not (
        0 < len(name) <= USERNAME_MAX
        and name[0].isalnum()
        and all(_username_character(c) for c in name)
    ):
        raise EntryError(
            {
                "username": _(
                    "Usernames are 1 to 40 characters: letters, digits, dots, dashes and"
                    " underscores."
                )
            }
        )
    return name


def check_password(password: str, username: str, field: str = "password") -> None:
    """Raise EntryError on field when the password is too short or among the easiest to guess."""
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        raise EntryError({field: _("Passwords need at least %(count)s characters.", count=minimum)})
    if _guessable(password, username):
        raise EntryError(
            {
                field: _(
                    "That password is among the easiest to guess (a common password, a word,"
                    " a name, a date or a keyboard pattern). A few unrelated words make a good"
                    " one."
                )
            }
        )


def _guessable(password: str, username: str) -> bool:
    """Return True when zxcvbn expects it guessed in fewer than a million tries (score < 2).

    zxcvbn (Dropbox's estimator) knows 30,000 common passwords from leaks, English words
    and names, and sees sequences, repeats, dates and keyboard walks. It reads at most
    72 characters; a longer password is judged by its first 72.
    """
    from zxcvbn import zxcvbn  # its word lists take 13 MB: loaded only when needed

    return zxcvbn(password[:72], user_inputs=[username])["score"] < 2


def has_users() -> bool:
    return db.session.scalar(select(User.id).limit(1)) is not None


def find_user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == normalise_username(username)))


@writes
def create_user(
    username: str, password: str, *, is_admin: bool = False, timezone: str | None = None
) -> User:
    """Add a user, in the given time zone or the server's; the first one becomes the admin."""
    username = check_username(username)
    check_password(password, username)
    if find_user(username) is not None:
        raise EntryError(
            {"username": _("There is already an account called '%(name)s'.", name=username)}
        )
    if timezone is not None and timezone not in timezone_set():
        raise EntryError({"timezone": _("Choose a time zone from the list.")})
    user = User(
        username=username,
        password_hash=_hash_password(password),
        is_admin=is_admin or not has_users(),
        timezone=timezone or server_timezone(),
    )
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(username: str, password: str) -> User | None:
    """Return the user when the password matches."""
    user = find_user(username)
    if user is None:
        # Spend the same time as a real check, so that timing does not reveal which names exist.
        _password_matches(_dummy_hash(current_app.config["PASSWORD_HASH_METHOD"]), password)
        return None
    return user if _password_matches(user.password_hash, password) else None


@cache
def _hashing_slots(size: int) -> threading.BoundedSemaphore:
    return threading.BoundedSemaphore(size)


# scrypt takes 32 MiB per hash while it runs: fifty sign-ins at once took a process to
# 365 MB. The hashes beyond PASSWORD_HASHES_AT_ONCE wait their turn.
@contextmanager
def _hashing_slot() -> Iterator[None]:
    """Hold one of the process's places for a password hash while the block runs."""
    with _hashing_slots(int(current_app.config["PASSWORD_HASHES_AT_ONCE"])):
        yield


def _password_matches(stored: str, password: str) -> bool:
    with _hashing_slot():
        return check_password_hash(stored, password)


def _hash_password(password: str) -> str:
    """Return the hash to store for a password, by the configured method (scrypt)."""
    with _hashing_slot():
        return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


@cache
def _dummy_hash(method: str) -> str:
    """Return a hash of a random password by method, made once: checked for unknown names."""
    with _hashing_slot():
        return generate_password_hash(secrets.token_hex(8), method=method)


@writes
def open_login_session(user: User, user_agent: str = "", remember: bool = False) -> LoginSession:
    """Start a signed-in session for user and make it the user's current one.

    The user's sessions that were left unused too long are removed on the way.
    """
    for old in list(user.login_sessions):
        if has_ended(old):
            db.session.delete(old)
    token = new_secret()
    login = LoginSession(
        user=user, token_hash=digest(token), user_agent=user_agent[:200], remember=remember
    )
    login.token = token
    db.session.add(login)
    db.session.flush()
    user.current_login = login
    return login


# Built once: every request signs in with it, and SQLAlchemy works out the cache key of a
# statement built anew at each execution (about 40% of this query's cost).
LOGIN_BY_TOKEN = (
    select(LoginSession)
    .where(LoginSession.token_hash == bindparam("token_hash"))
    .options(joinedload(LoginSession.user))
)


def load_login_session(token: str) -> User | None:
    """Return the user of a live login session token, or None."""
    login = db.session.scalar(LOGIN_BY_TOKEN, {"token_hash": digest(token)})
    if login is None:
        return None
    if has_ended(login):
        # Unused for too long, or too old: it opens nothing any more; its row goes at the
        # next sign-in.
        return None
    login.token = token
    # Saved at the end of the request (keep_alive), so a reading page writes nothing before.
    login.touch_due = due_for_touch(login.last_seen_at)
    login.user.current_login = login
    return login.user


@writes
def keep_alive(login: LoginSession) -> None:
    """Save the last-seen time a request noted for its sign-in."""
    if login.touch_due is not None:
        login.last_seen_at, login.touch_due = login.touch_due, None
    db.session.flush()


@writes
def end_every_sign_in() -> None:
    """Sign every account out on every device (after a restore)."""
    db.session.execute(delete(LoginSession))
    db.session.flush()


def _hours(login: LoginSession, setting: str) -> timedelta:
    """Return a session setting in hours, the "keep me signed in" one when it was ticked."""
    key = f"REMEMBERED_{setting}" if login.remember else setting
    return timedelta(hours=float(current_app.config[key]))


def has_ended(login: LoginSession, now: datetime | None = None) -> bool:
    """Return True when the session was left unused too long or has reached its lifetime.

    In use or not, a session ends SESSION_MAX_HOURS after its sign-in: a cookie copied
    from a device in daily use does not open the diary for ever.
    """
    now = now or utcnow()
    return now - login.last_seen_at > _hours(
        login, "SESSION_IDLE_HOURS"
    ) or now - login.created_at > _hours(login, "SESSION_MAX_HOURS")


# Built once, as LOGIN_BY_TOKEN: Settings reads them at every view (their last-use times
# change without a write; only the list's rendering is kept, under what it shows).
LOGINS_OF_USER = (
    select(LoginSession)
    .where(LoginSession.user_id == bindparam("user_id"))
    .order_by(LoginSession.last_seen_at.desc(), LoginSession.id.desc())
)


def live_login_sessions(user: User) -> list[LoginSession]:
    """Return the user's signed-in sessions that still open the diary, most recent first."""
    sessions, now = db.session.scalars(LOGINS_OF_USER, {"user_id": user.id}), utcnow()
    return [s for s in sessions if not has_ended(s, now)]


@writes
def end_login_session(login: LoginSession) -> None:
    """Sign one device out: its cookies stop working at once."""
    db.session.delete(login)
    db.session.flush()


@writes
def close_login_session(user: User) -> None:
    """End the session this request was made with."""
    if user.current_login is not None:
        db.session.delete(user.current_login)
        db.session.flush()


@writes
def change_password(user: User, current: str, new: str) -> None:
    """Set a new password and sign out every other session of the user."""
    if not _password_matches(user.password_hash, current):
        raise EntryError({"current": _("The current password is not right.")})
    check_password(new, user.username, "new")
    user.password_hash = _hash_password(new)
    keep = user.current_login.id if user.current_login else None
    db.session.execute(
        delete(LoginSession).where(LoginSession.user_id == user.id, LoginSession.id != keep)
    )
    db.session.flush()


@writes
def set_password(user: User, new: str) -> None:
    """Set a forgotten password anew (the admin's reset) and end every session of the account.

    Every session ends, as a reset may follow a lost or stolen device.
    """
    check_password(new, user.username)
    user.password_hash = _hash_password(new)
    db.session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
    db.session.flush()


def checked_email(value: Any) -> str | None:
    """Return an address email can be sent to, or None for none; refuse what is not one.

    Internationalised addresses are allowed: `diary reminders send` reports them when
    the mail server cannot take them (no SMTPUTF8).
    """
    # Imported here: its domain rules load slowly, and every `diary` command would load them.
    from email_validator import EmailNotValidError, validate_email

    address = rules.text("" if value is None else value, lazy_gettext("Email address"), EMAIL_MAX)
    if not address:
        return None
    try:
        return validate_email(address, check_deliverability=False, allow_smtputf8=True).normalized
    except EmailNotValidError as exc:
        raise ValueError(
            _("%(address)s is not an email address: %(reason)s", address=f"'{address}'", reason=exc)
        ) from None


def checked_profile(
    user: User,
    *,
    language: Any = UNCHANGED,
    timezone: Any = UNCHANGED,
    weight_kg: Any = UNCHANGED,
    email: Any = UNCHANGED,
    low_light: Any = UNCHANGED,
    full_name: Any = UNCHANGED,
    birth_date: Any = UNCHANGED,
    period_tracking: Any = UNCHANGED,
    day_rule: Any = UNCHANGED,
) -> dict[str, Any]:
    """Check the settings given and return them by name; raise EntryError naming each problem."""
    check = Checker()
    given = {
        name: value
        for name, value in (
            ("language", language),
            ("timezone", timezone),
            ("weight_kg", weight_kg),
            ("email", email),
            ("low_light", low_light),
            ("full_name", full_name),
            ("birth_date", birth_date),
            ("period_tracking", period_tracking),
            ("day_rule", day_rule),
        )
        if value is not UNCHANGED
    }
    values = {}
    if "language" in given:
        # "" or None: follow the browser's language.
        values["language"] = given["language"] or None
        if values["language"] is not None:
            check(
                "language",
                rules.choice,
                values["language"],
                lazy_gettext("language"),
                list(LANGUAGES),
            )
    if "timezone" in given:
        values["timezone"] = check(
            "timezone",
            rules.choice,
            given["timezone"] or user.timezone,
            "time zone",
            timezone_set(),
        )
    if "weight_kg" in given:
        weight = given["weight_kg"]
        checked = None
        if weight not in (None, ""):
            checked = check(
                "weight_kg", rules.number, weight, lazy_gettext("Body weight in kg"), *WEIGHT_RANGE
            )
        values["weight_kg"] = None if checked is None else float(checked)
    if "email" in given:
        values["email"] = check("email", checked_email, given["email"])
    _check_identity(check, given, values, local_today(user.timezone))
    if "low_light" in given:
        values["low_light"] = given["low_light"]
        if not isinstance(values["low_light"], bool):
            check.fail("low_light", _("Low light must be true or false."))
    if "period_tracking" in given:
        values["period_tracking"] = given["period_tracking"]
        if not isinstance(values["period_tracking"], bool):
            check.fail("period_tracking", _("Period days must be true or false."))
    if "day_rule" in given:
        values["day_rule"] = check(
            "day_rule",
            rules.choice,
            given["day_rule"],
            lazy_gettext("migraine-day rule"),
            DAY_RULES,
        )
    check.done()
    return values


def _check_identity(
    check: Checker, given: dict[str, Any], values: dict[str, Any], today: date
) -> None:
    """Check the optional full name and date of birth; "" or None is not given."""
    if "full_name" in given:
        name = given["full_name"]
        values["full_name"] = (
            check("full_name", rules.text, name, lazy_gettext("Full name"), FULL_NAME_MAX) or None
            if name not in (None, "")
            else None
        )
    if "birth_date" in given:
        born = given["birth_date"]
        values["birth_date"] = (
            check("birth_date", rules.day, born, lazy_gettext("Date of birth"), today)
            if born not in (None, "")
            else None
        )


@writes
def update_profile(user: User, **settings: Any) -> None:
    """Change the settings given (the rest stay); raise EntryError naming each unusable value."""
    for name, value in checked_profile(user, **settings).items():
        setattr(user, name, value)
    db.session.flush()
