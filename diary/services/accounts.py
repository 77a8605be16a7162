"""Create accounts, check passwords, and manage signed-in sessions."""

import re
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, select
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from diary.clock import is_timezone, server_timezone
from diary.extensions import db
from diary.models import LoginSession, User
from diary.models.user import utcnow
from diary.services.secret_tokens import digest, due_for_touch, new_secret

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{0,39}$")


class AccountError(ValueError):
    """A request about accounts that cannot be carried out, with a reason to show."""


def normalise_username(name: str) -> str:
    return name.strip().lower()


def check_username(name: str) -> str:
    """Return the normalised username or raise AccountError."""
    name = normalise_username(name)
    if not USERNAME_PATTERN.match(name):
        raise AccountError(
            "Usernames are 1 to 40 characters: letters, digits, dots, dashes and underscores."
        )
    return name


def check_password(password: str) -> None:
    """Raise AccountError when the password is too short."""
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        raise AccountError(f"Passwords need at least {minimum} characters.")


def has_users() -> bool:
    return db.session.scalar(select(func.count(User.id))) > 0


def find_user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == normalise_username(username)))


def create_user(username: str, password: str, *, is_admin: bool = False) -> User:
    """Add a user; the first one ever created becomes the admin."""
    username = check_username(username)
    check_password(password)
    if find_user(username) is not None:
        raise AccountError(f"There is already an account called '{username}'.")
    user = User(
        username=username,
        password_hash=generate_password_hash(password),
        is_admin=is_admin or not has_users(),
        timezone=server_timezone(),
    )
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(username: str, password: str) -> User | None:
    """Return the user when the password matches."""
    user = find_user(username)
    if user is None:
        # Spend the same time as a real check, so that timing does not reveal which names exist.
        check_password_hash(_DUMMY_HASH, password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


_DUMMY_HASH = generate_password_hash(secrets.token_hex(8))


def open_login_session(user: User, user_agent: str = "", remember: bool = False) -> LoginSession:
    """Start a signed-in session for user and make it the user's current one.

    The user's sessions that were left unused too long are removed on the way.
    """
    for old in list(user.login_sessions):
        if utcnow() - old.last_seen_at > idle_limit(old):
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


def load_login_session(token: str) -> User | None:
    """Return the user of a live login session token, or None."""
    login = db.session.scalar(
        select(LoginSession)
        .where(LoginSession.token_hash == digest(token))
        .options(joinedload(LoginSession.user))
    )
    if login is None:
        return None
    if utcnow() - login.last_seen_at > idle_limit(login):
        # Unused for too long: it opens nothing any more; its row goes at the next sign-in.
        return None
    login.token = token
    if seen := due_for_touch(login.last_seen_at):
        login.last_seen_at = seen
        login.touched = True
    login.user.current_login = login
    return login.user


def end_every_sign_in() -> None:
    """Sign every account out on every device (after a restore)."""
    db.session.execute(delete(LoginSession))
    db.session.flush()


def idle_limit(login: LoginSession) -> timedelta:
    """Return how long the session may stay unused (Settings: SESSION_IDLE_HOURS)."""
    key = "REMEMBERED_SESSION_IDLE_HOURS" if login.remember else "SESSION_IDLE_HOURS"
    return timedelta(hours=float(current_app.config[key]))


def live_login_sessions(user: User) -> list[LoginSession]:
    """Return the user's signed-in sessions that still open the diary, most recent first."""
    sessions = db.session.scalars(
        select(LoginSession)
        .where(LoginSession.user_id == user.id)
        .order_by(LoginSession.last_seen_at.desc(), LoginSession.id.desc())
    )
    return [s for s in sessions if utcnow() - s.last_seen_at <= idle_limit(s)]


def end_login_session(login: LoginSession) -> None:
    """Sign one device out: its cookies stop working at once."""
    db.session.delete(login)
    db.session.flush()


def close_login_session(user: User) -> None:
    """End the session this request was made with."""
    if user.current_login is not None:
        db.session.delete(user.current_login)
        db.session.flush()


def change_password(user: User, current: str, new: str) -> None:
    """Set a new password and sign out every other session of the user."""
    if not check_password_hash(user.password_hash, current):
        raise AccountError("The current password is not right.")
    check_password(new)
    user.password_hash = generate_password_hash(new)
    keep = user.current_login.id if user.current_login else None
    db.session.execute(
        delete(LoginSession).where(LoginSession.user_id == user.id, LoginSession.id != keep)
    )
    db.session.flush()


def update_profile(
    user: User, timezone: str, weight_kg: float | None, email: str | None = None
) -> None:
    if not is_timezone(timezone):
        raise AccountError(f"'{timezone}' is not a known time zone.")
    user.timezone = timezone
    user.weight_kg = weight_kg
    user.email = email
    db.session.flush()
