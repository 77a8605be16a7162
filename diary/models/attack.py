"""Headache attacks with their features, the patient's own triggers, and marks on whole days."""

from datetime import date, datetime
from typing import Literal, get_args

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from diary.clock import utcnow
from diary.extensions import db
from diary.models.reading import PAIN_MAX, PAIN_MIN

Side = Literal["left", "right", "both"]
SIDES: tuple[str, ...] = get_args(Side)
# ICHD-3 1.2's typical aura symptoms, in the order a list shows them; codes in CSV and the API.
AuraKind = Literal["visual", "sensory", "speech", "motor"]
AURA_KINDS: tuple[str, ...] = get_args(AuraKind)
# The yes/no features of an attack; None is "not answered", never "no".
YES_NO = (
    "pulsating",
    "worse_with_activity",
    "nausea",
    "vomiting",
    "light_sensitivity",
    "sound_sensitivity",
)
TRIGGER_NAME_MAX = 100


class Attack(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    # Local wall-clock times in the user's time zone, to the minute, as readings keep them.
    started_at: Mapped[datetime]
    # 1 for the second pass through an hour the clocks repeat (autumn), as datetime.fold says.
    started_fold: Mapped[bool] = mapped_column(default=False, server_default=false())
    # None while the attack lasts.
    ended_at: Mapped[datetime | None]
    ended_fold: Mapped[bool] = mapped_column(default=False, server_default=false())
    peak_pain: Mapped[int | None]
    # A code of SIDES.
    side: Mapped[str | None] = mapped_column(String(5))
    pulsating: Mapped[bool | None]
    worse_with_activity: Mapped[bool | None]
    nausea: Mapped[bool | None]
    vomiting: Mapped[bool | None]
    light_sensitivity: Mapped[bool | None]
    sound_sensitivity: Mapped[bool | None]
    # Codes of AURA_KINDS joined by ";" in that order; "" when there was none or it is not said.
    aura: Mapped[str] = mapped_column(String(40), default="", server_default="")
    aura_minutes: Mapped[int | None]
    location: Mapped[str] = mapped_column(String(200), default="", server_default="")
    note: Mapped[str] = mapped_column(Text, default="")
    # Idempotency key sent by a form or client, so that a retried request never stores twice.
    client_key: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Goes up with every change: an edit made on a page showing an older version is refused.
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    triggers: Mapped[list["AttackTrigger"]] = relationship(
        back_populates="attack",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="AttackTrigger.id",
    )

    __table_args__ = (
        CheckConstraint(
            f"peak_pain IS NULL OR (peak_pain >= {PAIN_MIN} AND peak_pain <= {PAIN_MAX})",
            name="peak_pain_range",
        ),
        CheckConstraint("aura_minutes IS NULL OR aura_minutes >= 0", name="aura_minutes_range"),
        UniqueConstraint("user_id", "client_key", name="uq_attack_user_id_client_key"),
        Index("ix_attack_user_id_started_at", "user_id", "started_at"),
        # One attack open at a time, even for two taps on two devices at once.
        Index(
            "uq_attack_user_id_open",
            "user_id",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
    )

    @property
    def aura_kinds(self) -> list[str]:
        return self.aura.split(";") if self.aura else []

    def __repr__(self) -> str:
        end = self.ended_at.isoformat(timespec="minutes") if self.ended_at else "open"
        return f"<Attack {self.started_at.isoformat(timespec='minutes')} to {end}>"


class OwnTrigger(db.Model):
    """A trigger the patient named that the catalogue (seeds/triggers.json) does not have."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(TRIGGER_NAME_MAX))
    # The name case-folded: "Red wine" and "red WINE" are one trigger.
    folded: Mapped[str] = mapped_column(String(TRIGGER_NAME_MAX * 3))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("user_id", "folded", name="uq_own_trigger_user_id_folded"),)


class AttackTrigger(db.Model):
    """One trigger of an attack: a catalogue code or one of the patient's own."""

    id: Mapped[int] = mapped_column(primary_key=True)
    attack_id: Mapped[int] = mapped_column(ForeignKey("attack.id", ondelete="CASCADE"), index=True)
    # A code of seeds/triggers.json, or None for an own trigger.
    code: Mapped[str | None] = mapped_column(String(40))
    own_trigger_id: Mapped[int | None] = mapped_column(
        ForeignKey("own_trigger.id", ondelete="CASCADE"), index=True
    )

    attack: Mapped[Attack] = relationship(back_populates="triggers")
    own: Mapped[OwnTrigger | None] = relationship(lazy="joined")

    __table_args__ = (
        CheckConstraint("(code IS NULL) <> (own_trigger_id IS NULL)", name="code_or_own_trigger"),
        UniqueConstraint("attack_id", "code", name="uq_attack_trigger_attack_id_code"),
        UniqueConstraint(
            "attack_id", "own_trigger_id", name="uq_attack_trigger_attack_id_own_trigger_id"
        ),
    )

    @property
    def name(self) -> str:
        """Return the trigger as CSV and the API write it: the code, or the patient's own name."""
        return self.own.name if self.own is not None else self.code


class DayMark(db.Model):
    """What the patient said about a whole day: no headache, a period day."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    day: Mapped[date]
    headache_free: Mapped[bool] = mapped_column(default=False, server_default=false())
    period: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("user_id", "day", name="uq_day_mark_user_id_day"),)
