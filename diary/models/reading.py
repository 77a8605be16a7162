"""Pain readings on the 0-10 numeric rating scale."""

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from diary.clock import utcnow
from diary.extensions import db

PAIN_MIN, PAIN_MAX = 0, 10


class Reading(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    # Local wall-clock time in the user's time zone, to the minute, as a paper diary would have it.
    recorded_at: Mapped[datetime]
    pain: Mapped[int]
    # 1 for the second pass through an hour the clocks repeat (autumn), as datetime.fold says.
    fold: Mapped[bool] = mapped_column(default=False, server_default=false())
    note: Mapped[str] = mapped_column(Text, default="")
    # Idempotency key sent by a form or client, so that a retried request never stores twice.
    client_key: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Goes up with every change: an edit made on a page showing an older version is refused.
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __table_args__ = (
        CheckConstraint(f"pain >= {PAIN_MIN} AND pain <= {PAIN_MAX}", name="pain_range"),
        UniqueConstraint("user_id", "client_key", name="uq_reading_user_id_client_key"),
        # On PostgreSQL it carries the pain too: the report and daily.csv read only the index.
        Index(
            "ix_reading_user_id_recorded_at", "user_id", "recorded_at", postgresql_include=["pain"]
        ),
    )

    def __repr__(self) -> str:
        return f"<Reading {self.recorded_at.isoformat(timespec='minutes')} pain={self.pain}>"
