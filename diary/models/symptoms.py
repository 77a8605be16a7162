"""Side-effect reports and acute medication doses."""

from datetime import datetime
from typing import Literal, get_args

from flask_babel import lazy_pgettext
from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from diary.clock import utcnow
from diary.extensions import db

Severity = Literal["mild", "moderate", "severe"]
SEVERITIES: tuple[str, ...] = get_args(Severity)
# How each severity reads on the page; the codes stay in exports and the API.
SEVERITY_LABELS = {
    "mild": lazy_pgettext("side effect", "mild"),
    "moderate": lazy_pgettext("side effect", "moderate"),
    "severe": lazy_pgettext("side effect", "severe"),
}

# The effect of an acute dose at 2 hours, the IHS guidelines' endpoints for acute treatment
# (pain freedom, and relief) as a patient answers them.
Relief2h = Literal["pain_free", "better", "same", "worse"]
RELIEF_2H: tuple[str, ...] = get_args(Relief2h)
RELIEF_LABELS = {
    "pain_free": lazy_pgettext("2 hours after", "pain-free"),
    "better": lazy_pgettext("2 hours after", "better"),
    "same": lazy_pgettext("2 hours after", "the same"),
    "worse": lazy_pgettext("2 hours after", "worse"),
}


class SideEffectReport(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    recorded_at: Mapped[datetime]
    # 1 for the second pass through an hour the clocks repeat (autumn), as datetime.fold says.
    fold: Mapped[bool] = mapped_column(default=False, server_default=false())
    # A code of seeds/side_effects.json.
    effect: Mapped[str] = mapped_column(String(40))
    severity: Mapped[str] = mapped_column(String(10))
    note: Mapped[str] = mapped_column(Text, default="")
    client_key: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("user_id", "client_key", name="uq_side_effect_report_user_id_client_key"),
        Index("ix_side_effect_report_user_id_recorded_at", "user_id", "recorded_at"),
    )


class MedicationDose(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    taken_at: Mapped[datetime]
    # 1 for the second pass through an hour the clocks repeat (autumn), as datetime.fold says.
    fold: Mapped[bool] = mapped_column(default=False, server_default=false())
    name: Mapped[str] = mapped_column(String(200))
    dose: Mapped[str] = mapped_column(String(200), default="")
    # A code of seeds/medication_classes.json.
    med_class: Mapped[str] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(Text, default="")
    # The effect 2 hours after (a code of RELIEF_2H); None: not answered.
    relief_2h: Mapped[str | None] = mapped_column(String(10))
    client_key: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("user_id", "client_key", name="uq_medication_dose_user_id_client_key"),
        # On PostgreSQL it carries what the overuse counts and recent medicines read.
        Index(
            "ix_medication_dose_user_id_taken_at",
            "user_id",
            "taken_at",
            postgresql_include=["med_class", "name", "dose"],
        ),
    )
