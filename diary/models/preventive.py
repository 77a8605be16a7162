"""Preventive regimens (a medicine taken on a schedule) and the doses marked taken or missed."""

from datetime import date, datetime
from typing import Literal, get_args

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from diary.clock import utcnow
from diary.extensions import db

TAKEN, MISSED = "taken", "missed"
DoseStatus = Literal["taken", "missed"]
DOSE_STATUSES: tuple[str, ...] = get_args(DoseStatus)


class PreventiveRegimen(db.Model):
    """One medicine at one dose on one schedule; a change of dose ends it and starts the next."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    dose: Mapped[str] = mapped_column(String(200), default="")
    # daily, twice_daily, every_N_days or every_N_weeks (diary.services.preventives).
    schedule: Mapped[str] = mapped_column(String(30))
    started_on: Mapped[date]
    # None while it is still taken; the last day it was taken.
    ended_on: Mapped[date | None]
    note: Mapped[str] = mapped_column(Text, default="")
    client_key: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    doses: Mapped[list["PreventiveDose"]] = relationship(
        back_populates="regimen",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="PreventiveDose.due_on, PreventiveDose.id",
    )

    __table_args__ = (
        CheckConstraint("ended_on IS NULL OR ended_on >= started_on", name="ends_after_start"),
        Index("ix_preventive_regimen_user_id_started_on", "user_id", "started_on"),
        UniqueConstraint("user_id", "client_key", name="uq_preventive_regimen_user_id_client_key"),
    )


class PreventiveDose(db.Model):
    """A scheduled dose the patient marked: taken (given) or missed. Unmarked ones count taken."""

    id: Mapped[int] = mapped_column(primary_key=True)
    regimen_id: Mapped[int] = mapped_column(
        ForeignKey("preventive_regimen.id", ondelete="CASCADE"), index=True
    )
    due_on: Mapped[date]
    # TAKEN or MISSED.
    status: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    regimen: Mapped[PreventiveRegimen] = relationship(back_populates="doses")
