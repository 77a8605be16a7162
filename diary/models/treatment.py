"""Treatments, their infusion dose log, and the medicines given with them."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from diary import reference
from diary.clock import utcnow
from diary.extensions import db
from diary.i18n import gettext


class MedicineRole(StrEnum):
    ADJUNCT = "adjunct"  # given during the treatment
    DISCHARGE = "discharge"  # prescribed at discharge


class RateUnit(StrEnum):
    MG_PER_KG_H = "mg/kg/h"
    MG_PER_H = "mg/h"  # converted with the body weight at the time of entry


class Treatment(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    # A code of seeds/treatment_kinds.json.
    kind: Mapped[str] = mapped_column(String(40))
    # What the patient calls it (Botox, a lidocaine infusion); "" when the kind says enough.
    name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    started_on: Mapped[date]
    # None while the treatment is still running.
    ended_on: Mapped[date | None]
    setting: Mapped[str] = mapped_column(String(200), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    # Idempotency key of the form or request that created it, so a resent form stores once.
    client_key: Mapped[str | None] = mapped_column(String(64))
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

    @property
    def label(self) -> str:
        """Return the kind's label in the reader's language, with the name when one was given."""
        kind = reference.treatment_kinds()[self.kind].label
        return gettext("%(kind)s: %(name)s", kind=kind, name=self.name) if self.name else kind

    __table_args__ = (
        CheckConstraint("ended_on IS NULL OR ended_on >= started_on", name="ends_after_start"),
        Index("ix_treatment_user_id_started_on", "user_id", "started_on"),
        UniqueConstraint("user_id", "client_key", name="uq_treatment_user_id_client_key"),
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
    # A RateUnit.
    entered_unit: Mapped[str] = mapped_column(String(10))
    note: Mapped[str] = mapped_column(Text, default="")
    # Idempotency key of the form or request that created it, so a resent form stores once.
    client_key: Mapped[str | None] = mapped_column(String(64))

    treatment: Mapped[Treatment] = relationship(back_populates="doses")

    __table_args__ = (
        UniqueConstraint(
            "treatment_id", "client_key", name="uq_dose_change_treatment_id_client_key"
        ),
    )


class TreatmentMedicine(db.Model):
    """A medicine given during a treatment (adjunct) or prescribed at discharge."""

    id: Mapped[int] = mapped_column(primary_key=True)
    treatment_id: Mapped[int] = mapped_column(
        ForeignKey("treatment.id", ondelete="CASCADE"), index=True
    )
    # A MedicineRole.
    role: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(200))
    dose: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    # Idempotency key of the form or request that created it, so a resent form stores once.
    client_key: Mapped[str | None] = mapped_column(String(64))

    treatment: Mapped[Treatment] = relationship(back_populates="medicines")

    __table_args__ = (
        UniqueConstraint(
            "treatment_id", "client_key", name="uq_treatment_medicine_treatment_id_client_key"
        ),
    )
