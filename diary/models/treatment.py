"""Treatments, their infusion dose log, and the medicines given with them."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from diary.extensions import db
from diary.models.user import utcnow


class Treatment(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    # A code of seeds/treatment_kinds.json.
    kind: Mapped[str] = mapped_column(String(40))
    started_on: Mapped[date]
    # None while the treatment is still running.
    ended_on: Mapped[date | None]
    setting: Mapped[str] = mapped_column(String(200), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    doses: Mapped[list["DoseChange"]] = relationship(
        back_populates="treatment",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="DoseChange.changed_at",
    )
    medicines: Mapped[list["TreatmentMedicine"]] = relationship(
        back_populates="treatment",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="TreatmentMedicine.id",
    )
    follow_up: Mapped["Reminder | None"] = relationship(  # noqa: F821
        back_populates="treatment", cascade="all, delete-orphan", passive_deletes=True
    )

    __table_args__ = (
        CheckConstraint("ended_on IS NULL OR ended_on >= started_on", name="ends_after_start"),
        Index("ix_treatment_user_id_started_on", "user_id", "started_on"),
    )


class DoseChange(db.Model):
    """A change of infusion rate, kept as entered and in mg/kg/h."""

    id: Mapped[int] = mapped_column(primary_key=True)
    treatment_id: Mapped[int] = mapped_column(
        ForeignKey("treatment.id", ondelete="CASCADE"), index=True
    )
    changed_at: Mapped[datetime]
    rate_mg_per_kg_h: Mapped[float]
    entered_value: Mapped[float]
    # "mg/kg/h" or "mg/h" (converted with the body weight at the time of entry).
    entered_unit: Mapped[str] = mapped_column(String(10))
    note: Mapped[str] = mapped_column(Text, default="")

    treatment: Mapped[Treatment] = relationship(back_populates="doses")


class TreatmentMedicine(db.Model):
    """A medicine given during a treatment (adjunct) or prescribed at discharge."""

    id: Mapped[int] = mapped_column(primary_key=True)
    treatment_id: Mapped[int] = mapped_column(
        ForeignKey("treatment.id", ondelete="CASCADE"), index=True
    )
    # "adjunct" or "discharge".
    role: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(200))
    dose: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(Text, default="")

    treatment: Mapped[Treatment] = relationship(back_populates="medicines")
