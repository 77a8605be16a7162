"""Answers to the Patient Global Impression of Change (PGIC) and MIDAS day counts."""

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from diary.clock import utcnow
from diary.extensions import db

PGIC, MIDAS = "pgic", "midas"
INSTRUMENTS = (PGIC, MIDAS)
# When the home page asks for a treatment's PGIC: at its two-week follow-up and at one month.
PROMPTS = {"follow_up": 14, "one_month": 30}


class QuestionnaireAnswer(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    instrument: Mapped[str] = mapped_column(String(10))
    # Which wording was asked (seeds/questionnaires.json), kept with each answer.
    instrument_version: Mapped[str] = mapped_column(String(80))
    answered_on: Mapped[date]
    # PGIC: the treatment it is about, and the answer 1-7.
    treatment_id: Mapped[int | None] = mapped_column(
        ForeignKey("treatment.id", ondelete="CASCADE"), index=True
    )
    score: Mapped[int | None]
    # MIDAS: the five day counts.
    items: Mapped[list[int] | None] = mapped_column(JSON)
    # The language of the page the answer was given on (a code of diary.i18n.LANGUAGES);
    # None when not known (answers from before it was kept, or a file that does not say).
    language: Mapped[str | None] = mapped_column(String(5))
    client_key: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    treatment: Mapped["Treatment | None"] = relationship()  # noqa: F821

    __table_args__ = (
        Index("ix_questionnaire_answer_user_id_answered_on", "user_id", "answered_on"),
        UniqueConstraint(
            "user_id", "client_key", name="uq_questionnaire_answer_user_id_client_key"
        ),
    )


class PromptDismissal(db.Model):
    """The patient chose "not now" for one of a treatment's PGIC prompts: it is not asked again."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    treatment_id: Mapped[int] = mapped_column(ForeignKey("treatment.id", ondelete="CASCADE"))
    # A key of PROMPTS.
    prompt: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("treatment_id", "prompt", name="uq_prompt_dismissal_treatment_id_prompt"),
    )
