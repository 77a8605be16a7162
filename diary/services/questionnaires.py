"""PGIC and MIDAS answers: every write of them goes through here, and is checked here."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy import select

from diary import reference, rules
from diary.cache import while_empty
from diary.clock import local_today, shift
from diary.extensions import db
from diary.i18n import LANGUAGES
from diary.models import PromptDismissal, QuestionnaireAnswer, Treatment, User
from diary.models.questionnaire import MIDAS, PGIC, PROMPTS
from diary.rules import Checker, EntryError
from diary.services.idempotency import check_key
from diary.services.rows import remove, store_once
from diary.services.writes import writes

# A PGIC prompt is asked until answered, dismissed, or this many days after the end date.
PROMPT_ASKED_UNTIL_DAY = 90
VERSION_MAX = 80


def _version(instrument: str, version: Any) -> str:
    """Return the wording version an answer was given to: the current one unless restored."""
    if version is None:
        return reference.questionnaires()[instrument]["version"]
    return rules.text(version, lazy_gettext("Questionnaire version"), VERSION_MAX, required=True)


def _language(language: Any) -> str | None:
    """Return the language an answer was given in, one the diary speaks, or None: not known."""
    if language is None or language == "":
        return None
    return rules.choice(language, lazy_gettext("language"), LANGUAGES)


def _common(check: Checker, user: User, instrument: str, fields: dict[str, Any]) -> dict:
    """Check what every answer has: day, wording version, language and idempotency key."""
    return {
        "user_id": user.id,
        "instrument": instrument,
        "answered_on": check(
            "answered_on",
            rules.day,
            fields["answered_on"],
            "Day answered",
            local_today(user.timezone),
        ),
        "instrument_version": check(
            "instrument_version", _version, instrument, fields.get("version")
        ),
        "language": check("language", _language, fields.get("language")),
        "client_key": check("client_key", check_key, fields.get("client_key")),
    }


def checked_pgic(
    user: User, treatment: Treatment | None, *, score: Any, **fields: Any
) -> dict[str, Any]:
    """Check a PGIC answer about a treatment (1-7) and return its columns; raise EntryError.

    fields: answered_on (default today), and optionally client_key, version and language
    (the page's, when answered in the diary). Without a treatment (a CSV row names it by its
    start day) only the answer is checked.
    """
    fields.setdefault("answered_on", local_today(user.timezone))
    check = Checker()
    values = _common(check, user, PGIC, fields) | {
        "treatment_id": treatment.id if treatment else None,
        "score": check("score", rules.whole, score, lazy_gettext("The PGIC answer"), 1, 7),
    }
    if treatment is not None and treatment.user_id != user.id:
        check.fail("treatment", _("That treatment is not in this diary."))
    elif (
        treatment is not None
        and values["answered_on"]
        and values["answered_on"] < treatment.started_on
    ):
        check.fail(
            "answered_on", _("The impression of change is given after the treatment has started.")
        )
    check.done()
    return values


@writes
def add_pgic(user: User, treatment: Treatment, **fields: Any) -> QuestionnaireAnswer:
    """Store the patient's impression of change since the start of treatment."""
    values = checked_pgic(user, treatment, **fields)
    owner = QuestionnaireAnswer.user_id == user.id
    return store_once(QuestionnaireAnswer, owner, values, ("treatment_id", "score"))


def checked_midas(user: User, *, items: Any, **fields: Any) -> dict[str, Any]:
    """Check the five MIDAS day counts and return the answer's columns; raise EntryError.

    fields: answered_on, and optionally client_key, version and language.
    """
    midas = reference.questionnaires()[MIDAS]
    check = Checker()
    values = _common(check, user, MIDAS, fields)
    if not isinstance(items, list | tuple) or len(items) != len(midas["items"]):
        check.fail("items", _("MIDAS has %(count)s day counts.", count=len(midas["items"])))
    else:
        values["items"] = [
            check(f"item_{n}", rules.whole, value, label, 0, midas["max_days"])
            for n, (value, label) in enumerate(zip(items, midas["items"], strict=True), 1)
        ]
    check.done()
    return values


@writes
def add_midas(user: User, **fields: Any) -> QuestionnaireAnswer:
    """Store the five MIDAS day counts copied from the clinic's form."""
    values = checked_midas(user, **fields)
    owner = QuestionnaireAnswer.user_id == user.id
    return store_once(QuestionnaireAnswer, owner, values, ("answered_on", "items"))


@writes
def delete_answer(answer: QuestionnaireAnswer) -> None:
    remove(answer)


@writes
def dismiss_prompt(user: User, treatment: Treatment, prompt: str) -> None:
    """Stop asking one of a treatment's PGIC prompts ("not now")."""
    if prompt not in PROMPTS or treatment.user_id != user.id:
        raise EntryError({"prompt": _("There is no such question to dismiss.")})
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


@while_empty
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
        if treatment.ended_on is None:  # left out by the query; this tells the type checker
            continue
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
