"""Work that one process has taken on, so that no other process or machine does it too."""

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from diary.clock import utcnow
from diary.extensions import db


class Claim(db.Model):
    # What was claimed, such as "reminder-email:12:2026-12-07"; the primary key makes the
    # database refuse a second claim, on SQLite and PostgreSQL alike.
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    claimed_at: Mapped[datetime] = mapped_column(default=utcnow)
