"""The daily check-in: when and how an account is asked, the devices asked, the push key."""

from datetime import date, datetime, time

from sqlalchemy import ForeignKey, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from diary.extensions import db
from diary.models.user import utcnow


class CheckIn(db.Model):
    """An account's daily check-in; the row exists once it was first turned on."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), unique=True)
    # The local day it was last turned on; None while it is off. No earlier day is asked about.
    since: Mapped[date | None]
    # Local wall-clock time in the account's zone from which the day is asked about.
    at: Mapped[time]
    by_push: Mapped[bool] = mapped_column(default=True, server_default=false())
    by_email: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Each day asked about is a claim (services/claims.py), made before anything is sent.


class PushSubscription(db.Model):
    """One device's Web Push subscription (RFC 8030), as its browser gave it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    # The push service's URL for this device; a secret capability, unique per browser.
    endpoint: Mapped[str] = mapped_column(Text, unique=True)
    # The browser's P-256 public key and auth secret (RFC 8291), base64url.
    p256dh: Mapped[str] = mapped_column(String(100))
    auth: Mapped[str] = mapped_column(String(50))
    user_agent: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class VapidKey(db.Model):
    """The installation's VAPID private key (RFC 8292), also kept 0600 in the instance folder.

    Kept in the database too, so that every backup holds the key its subscriptions were
    made for: a restored diary keeps reaching its devices.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    private_pem: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
