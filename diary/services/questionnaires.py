"""PGIC and MIDAS answers: every write of them goes through here, and is checked here."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from diary import reference
from diary.clock import local_today, shift
from diary.extensions import db
from diary.models import PromptDismissal, QuestionnaireAnswer, Treatment, User
from diary.models.questionnaire import MIDAS, PGIC, PROMPTS
from diary.services.scoping import find_by_client_key

# A PGIC prompt is asked until answered, dismissed, or this many days after the end date.
PROMPT_ASKED_UNTIL_DAY = 90
EARLIEST = date(1900, 1, 1)
VERSION_MAX = 80


class QuestionnaireError(ValueError):
    """An answer that cannot be stored; field names the value at fault."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def _whole(value, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        what = field.replace("_", " ")
        raise QuestionnaireError(field, f"{what} must be a whole number from {low} to {high}.")
    return value


def _check_day(user: User, answered_on: date) -> date:
    if not isinstance(answered_on, date):
        raise QuestionnaireError("answered_on", "answered_on must be a date.")
    if answered_on < EARLIEST or answered_on > local_today(user.timezone):
        raise QuestionnaireError("answered_on", f"{answered_on} is not a day that has been.")
    return answered_on


def _store(user: User, client_key: str | None, **values) -> QuestionnaireAnswer:
    existing = find_by_client_key(QuestionnaireAnswer, user, client_key)
    if existing is not None:
        return existing
    answer = QuestionnaireAnswer(user_id=user.id, client_key=client_key or None, **values)
    db.session.add(answer)
    db.session.flush()
    return answer


def _version(instrument: str, version: str | None) -> str:
    """Return the wording version an answer was given to: the current one unless restored."""
    if version is None:
        return reference.questionnaires()[instrument]["version"]
    if not isinstance(version, str) or not 0 < len(version) <= VERSION_MAX:
        raise QuestionnaireError("instrument_version", f"Up to {VERSION_MAX} characters.")
    return version


def add_pgic(
    user: User,
    treatment: Treatment,
    answered_on: date,
    score: int,
    client_key: str | None = None,
    version: str | None = None,
) -> QuestionnaireAnswer:
    """Store the patient's impression of change since the start of treatment (1-7)."""
    if treatment.user_id != user.id:
        raise QuestionnaireError("treatment", "That treatment is not in this diary.")
    _check_day(user, answered_on)
    if answered_on < treatment.started_on:
        raise QuestionnaireError(
            "answered_on", "The impression of change is given after the treatment has started."
        )
    return _store(
        user,
        client_key,
        instrument=PGIC,
        instrument_version=_version(PGIC, version),
        answered_on=answered_on,
        treatment_id=treatment.id,
        score=_whole(score, "score", 1, 7),
    )


def add_midas(
    user: User,
    answered_on: date,
    items: list[int],
    client_key: str | None = None,
    version: str | None = None,
) -> QuestionnaireAnswer:
    """Store the five MIDAS day counts copied from the clinic's form."""
    _check_day(user, answered_on)
    midas = reference.questionnaires()[MIDAS]
    if not isinstance(items, list | tuple) or len(items) != len(midas["items"]):
        raise QuestionnaireError("items", f"MIDAS has {len(midas['items'])} day counts.")
    counts = [_whole(value, f"item_{n}", 0, midas["max_days"]) for n, value in enumerate(items, 1)]
    return _store(
        user,
        client_key,
        instrument=MIDAS,
        instrument_version=_version(MIDAS, version),
        answered_on=answered_on,
        items=counts,
    )


def delete_answer(answer: QuestionnaireAnswer) -> None:
    db.session.delete(answer)
    db.session.flush()


def dismiss_prompt(user: User, treatment: Treatment, prompt: str) -> None:
    """Stop asking one of a treatment's PGIC prompts ("not now")."""
    if prompt not in PROMPTS or treatment.user_id != user.id:
        raise QuestionnaireError("prompt", "There is no such question to dismiss.")
    exists = db.session.scalar(
        select(PromptDismissal.id).where(
            PromptDismissal.treatment_id == treatment.id, PromptDismissal.prompt == prompt
        )
    )
    if exists is None:
        db.session.add(PromptDismissal(user_id=user.id, treatment_id=treatment.id, prompt=prompt))
        db.session.flush()


def answers(
    user: User, instrument: str, treatment: Treatment | None = None
) -> list[QuestionnaireAnswer]:
    """Return the user's answers to one instrument (about one treatment), oldest first."""
    query = (
        select(QuestionnaireAnswer)
        .where(QuestionnaireAnswer.user_id == user.id, QuestionnaireAnswer.instrument == instrument)
        .order_by(QuestionnaireAnswer.answered_on, QuestionnaireAnswer.id)
    )
    if treatment is not None:
        query = query.where(QuestionnaireAnswer.treatment_id == treatment.id)
    return list(db.session.scalars(query))


def treatments_by_start(user: User) -> dict[date, Treatment]:
    """Return the user's treatments by start day (the first made, when two share a day).

    Files (questionnaires.csv, the account backup) name a PGIC answer's treatment this way.
    """
    by_start: dict[date, Treatment] = {}
    for treatment in db.session.scalars(
        select(Treatment).where(Treatment.user_id == user.id).order_by(Treatment.id)
    ):
        by_start.setdefault(treatment.started_on, treatment)
    return by_start


def answers_with_start(user: User) -> Iterator[tuple[QuestionnaireAnswer, date | None]]:
    """Yield the user's answers, oldest first, each with its treatment's start day (PGIC)."""
    yield from db.session.execute(
        select(QuestionnaireAnswer, Treatment.started_on)
        .outerjoin(Treatment, QuestionnaireAnswer.treatment_id == Treatment.id)
        .where(QuestionnaireAnswer.user_id == user.id)
        .order_by(QuestionnaireAnswer.answered_on, QuestionnaireAnswer.id)
    )


@dataclass(frozen=True)
class DuePrompt:
    treatment: Treatment
    prompt: str
    due_on: date


def due_prompts(user: User, today: date) -> list[DuePrompt]:
    """Return the PGIC questions to ask now: at E+14, again at E+30, until answered or dismissed."""
    ended = db.session.scalars(
        select(Treatment).where(
            Treatment.user_id == user.id,
            Treatment.ended_on.is_not(None),
            Treatment.ended_on >= shift(today, -PROMPT_ASKED_UNTIL_DAY),
        )
    ).all()
    if not ended:
        return []
    ids = [t.id for t in ended]
    answered = db.session.execute(
        select(QuestionnaireAnswer.treatment_id, QuestionnaireAnswer.answered_on).where(
            QuestionnaireAnswer.treatment_id.in_(ids)
        )
    ).all()
    dismissed = set(
        db.session.execute(
            select(PromptDismissal.treatment_id, PromptDismissal.prompt).where(
                PromptDismissal.treatment_id.in_(ids)
            )
        )
    )
    due = []
    for treatment in ended:
        # Only the latest prompt that has come due counts: one question per treatment.
        reached = [(p, shift(treatment.ended_on, d)) for p, d in PROMPTS.items()]
        reached = [(p, on) for p, on in reached if on <= today]
        if not reached:
            continue
        prompt, due_on = reached[-1]
        if (treatment.id, prompt) in dismissed:
            continue
        if any(t == treatment.id and on >= due_on for t, on in answered):
            continue
        due.append(DuePrompt(treatment, prompt, due_on))
    return due
