"""API tokens: made, listed, revoked, and checked on every API request."""

import hashlib
import secrets
from collections.abc import Sequence

from sqlalchemy import select

from diary.extensions import db
from diary.models import ApiToken, User
from diary.models.user import utcnow
from diary.services.accounts import LAST_SEEN_RESOLUTION

PREFIX = "hd_"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user: User, name: str) -> tuple[ApiToken, str]:
    """Make a token; return its row and the secret, which is never stored."""
    name = name.strip() or "API token"
    if len(name) > 100:
        raise ValueError("Token names can be up to 100 characters.")
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, token_hash=_hash(secret))
    db.session.add(token)
    db.session.flush()
    return token, secret


def user_tokens(user: User) -> Sequence[ApiToken]:
    return db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at)
    ).all()


def revoke(token: ApiToken) -> None:
    db.session.delete(token)
    db.session.flush()


def user_for_token(secret: str) -> User | None:
    """Return the owner of a live token, noting when it was last used."""
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash(secret)))
    if token is None:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > LAST_SEEN_RESOLUTION:
        token.last_used_at = now
    return db.session.get(User, token.user_id)
