"""API tokens: made, listed, revoked, and checked on every API request."""

from collections.abc import Sequence
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from diary.extensions import db
from diary.models import ApiToken, User
from diary.services.secret_tokens import digest, due_for_touch, new_secret
from diary.services.writes import writes
from diary.sqlite import spare_write

PREFIX = "hd_"


@writes
def create_token(user: User, name: str) -> tuple[ApiToken, str]:
    """Make a token; return its row and the secret, which is never stored."""
    name = name.strip() or "API token"
    if len(name) > 100:
        raise ValueError(_("Token names can be up to 100 characters."))
    secret = new_secret(prefix=PREFIX)
    token = ApiToken(user_id=user.id, name=name, token_hash=digest(secret))
    db.session.add(token)
    db.session.flush()
    return token, secret


def user_tokens(user: User) -> Sequence[ApiToken]:
    return db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at)
    ).all()


@writes
def revoke(token: ApiToken) -> None:
    db.session.delete(token)
    db.session.flush()


def user_for_token(secret: str) -> User | None:
    """Return the owner of a live token, noting when it was last used."""
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(secret)))
    if token is None:
        return None
    if used := due_for_touch(token.last_used_at):
        with spare_write(db.session, "An API token's last use"):
            note_use(token, used)
    return db.session.get(User, token.user_id)


@writes
def note_use(token: ApiToken, used: datetime) -> None:
    """Record when a token was last used (Settings shows it)."""
    token.last_used_at = used
    db.session.flush()
