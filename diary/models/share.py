"""Read-only links a patient gives the specialist: one range, chosen treatments, limited time."""

from datetime import date, datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from diary.clock import utcnow
from diary.extensions import db


class ShareLink(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    # SHA-256 of the token in the link; the link itself is shown once, when it is made.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    first_day: Mapped[date]
    last_day: Mapped[date]
    # The chosen treatments' ids, comma-separated ("" for none): later ones never appear.
    treatment_ids: Mapped[str] = mapped_column(String(1000), default="")
    # The preventive regimens named on the page, likewise; others are "a preventive change".
    preventive_ids: Mapped[str] = mapped_column(String(1000), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]  # UTC; the link answers 404 from then on
    revoked_at: Mapped[datetime | None]
    # How often and when last opened: no address or browser is kept.
    views: Mapped[int] = mapped_column(default=0)
    last_viewed_at: Mapped[datetime | None]

    @property
    def treatments(self) -> list[int]:
        return [int(part) for part in self.treatment_ids.split(",") if part]

    @property
    def preventives(self) -> list[int]:
        return [int(part) for part in self.preventive_ids.split(",") if part]
