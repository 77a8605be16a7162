"""API tokens: made, listed, revoked, and checked on every API request."""

from collections.abc import Sequence
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import bindparam, select

from diary.clock import utcnow
from diary.extensions import db
from diary.models import ApiToken, User
from diary.rules import EntryError
from diary.services.secret_tokens import digest, due_for_touch, new_secret
from diary.services.writes import writes
from diary.sqlite import spare_write

PREFIX = "hd_"
# Days a new token works unless another span is chosen; None: until it is revoked.
DEFAULT_DAYS = 365
MAX_DAYS = 10 * 365


class TokenExpired(Exception):
    """A token that was right once but whose time is over."""

    def __init__(self, expired_at: datetime):
        super().__init__(expired_at)
        self.expired_at = expired_at


@writes
def create_token(user: User, name: str, days: int | None = DEFAULT_DAYS) -> tuple[ApiToken, str]:
    """Make a token that works for `days` (None: until revoked); return its row and secret.

    The secret is never stored.
    """
    name = name.strip() or "API token"
    if len(name) > 100:
        raise EntryError({"name": _("Token names can be up to 100 characters.")})
    if days is not None and not 1 <= days <= MAX_DAYS:
        raise EntryError({"days": _("A token works for 1 to %(count)s days.", count=MAX_DAYS)})
    secret = new_secret(prefix=PREFIX)
    expires_at = None if days is None else utcnow() + timedelta(days=days)
    token = ApiToken(user_id=user.id, name=name, token_hash=digest(secret), expires_at=expires_at)
    db.session.add(token)
    db.session.flush()
    return token, secret


# Built once: Settings lists them at every view (their last use is not kept).
TOKENS_OF_USER = (
    select(ApiToken).where(ApiToken.user_id == bindparam("user_id")).order_by(ApiToken.created_at)
)


def user_tokens(user: User) -> Sequence[ApiToken]:
    return db.session.scalars(TOKENS_OF_USER, {"user_id": user.id}).all()


@writes
def revoke(token: ApiToken) -> None:
    db.session.delete(token)
    db.session.flush()


def has_expired(token: ApiToken) -> bool:
    """Return True when the token's time is up (one made to work until revoked never is)."""
    return token.expires_at is not None and token.expires_at <= utcnow()


def user_for_token(secret: str) -> User | None:
    """Return the owner of a live token, noting when it was last used.

    Raise TokenExpired for a token past its expiry, so that the client can say why.
    """
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(secret)))
    if token is None:
        return None
    if has_expired(token):
        raise TokenExpired(token.expires_at)
    if used := due_for_touch(token.last_used_at):
        with spare_write(db.session, "An API token's last use"):
            note_use(token, used)
    return db.session.get(User, token.user_id)


@writes
def note_use(token: ApiToken, used: datetime) -> None:
    """Record when a token was last used (Settings shows it)."""
    token.last_used_at = used
    db.session.flush()
