"""Accounts and their signed-in sessions."""

from datetime import date, datetime
from typing import cast

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from diary.clock import utcnow
from diary.extensions import db


class User(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(default=False)
    timezone: Mapped[str] = mapped_column(String(64))
    weight_kg: Mapped[float | None]
    # Where `diary reminders send` emails due reminders; optional.
    email: Mapped[str | None] = mapped_column(String(254))
    # SHA-256 of the secret in the calendar feed URL; None when no feed is published.
    calendar_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    # The dim, low-light "attack" mode, remembered across devices.
    low_light: Mapped[bool] = mapped_column(default=False, server_default="0")
    # The language the diary speaks (a code of diary.i18n.LANGUAGES); None follows the browser.
    language: Mapped[str | None] = mapped_column(String(5))
    # Optional: printed on the doctor's report and shared page when given.
    full_name: Mapped[str | None] = mapped_column(String(120))
    birth_date: Mapped[date | None]
    # Whether home offers "Period day" (off until the patient turns it on).
    period_tracking: Mapped[bool] = mapped_column(default=False, server_default="0")
    # The rule that counts migraine days: a code of diary.services.days.RULES.
    day_rule: Mapped[str] = mapped_column(String(10), default="leiden", server_default="leiden")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # New at every write of the user's rows, in the same transaction (diary/cache.py): what
    # is cached of the diary is kept under one version only.
    data_version: Mapped[str] = mapped_column(String(16), default="", server_default="")

    login_sessions: Mapped[list["LoginSession"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )

    # Set by the user loader: the login session this request was made with.
    current_login = cast("LoginSession | None", None)  # not a column

    def get_id(self) -> str:
        """Return the login-session token Flask-Login keeps in the cookie.

        The token, not the user id, goes into the session and remember
        cookies, so that deleting the LoginSession row (logout, password
        change) makes every copy of those cookies worthless.
        """
        if self.current_login is None or self.current_login.token is None:
            raise RuntimeError("get_id() needs a login session; use auth.services.sign_in")
        return self.current_login.token

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class LoginSession(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_agent: Mapped[str] = mapped_column(String(200), default="")
    # "Keep me signed in": the session may then stay idle longer before it ends.
    remember: Mapped[bool] = mapped_column(default=False, server_default="1")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="login_sessions")

    # The plain token exists only in the request that created or presented it.
    # (Not columns: cast() gives their type without an annotation the mapper would read.)
    token = cast(str | None, None)
    # The last-seen time this request noted, saved by auth.keep_sign_in_alive at its end.
    touch_due = cast(datetime | None, None)
