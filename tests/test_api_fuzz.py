"""Fuzz the API from its own OpenAPI document: no input causes a server error or an
undocumented answer, one request at a time and in sequences that follow its links, and
every body the document allows is taken (but for the rules no schema can state)."""

import json
import re
from datetime import date, datetime

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.specs.openapi.checks import (
    ignored_auth,
    negative_data_rejection,
    positive_data_acceptance,
)
from sqlalchemy import delete

from diary.api.openapi import openapi_document
from diary.extensions import db
from diary.models import (
    Attack,
    DayMark,
    MedicationDose,
    PreventiveRegimen,
    Reading,
    Reminder,
    SideEffectReport,
    Treatment,
)
from diary.services import (
    attacks,
    day_marks,
    medications,
    readings,
    reminders,
    side_effects,
    treatments,
)
from diary.services.tokens import create_token
from tests.conftest import make_user, user_row

schema = schemathesis.openapi.from_dict(openapi_document())
# The API ignores query parameters it does not know (a shortcut's cache-buster, say).
EXCLUDED = [negative_data_rejection, positive_data_acceptance]
# The rules no schema can state, which the document lists under 422: a valid body that
# breaks one of these is refused, and only these.
UNSTATABLE = re.compile(
    r"is in the future\.( Log what has already happened\.)?$"
    # The generator's dates match the pattern of one (7479-09-31) without being one.
    r"|is not a real date( and time)?\.$"
    r"|did not happen in .*: the clocks went forward then\.$"
    # 1900-01-01T00:00+14:00 is still 1899 in the user's zone.
    r"|is before 1900\.$"
    # A preventive planned ahead: two years from today's clock.
    r"|is more than two years ahead\.$"
    # The same Idempotency-Key sent before with another body: state, not shape.
    r"|^This idempotency key was already used for a different entry\.$"
    # One attack runs at a time: an open one in the diary is state too.
    r"|^An attack is already running since .*; stop it first\.$"
    # An end before its start: the order of two times (or days) no schema compares.
    r"|^The attack cannot stop before it started\.$"
    r"|^The end date is before the start date\.$"
    # A preventive's dose marked on a day its stored schedule has none due: state too.
    r"|^No dose of .* is due on that day\.$"
    # Whether a name is one of the diary's list of medicines (matched by its words).
    r"|^This medicine is not in the diary's list: choose the kind of medicine\.$"
)


AURA_FIRST = "Say which aura it was, or leave its minutes empty."
# A change to "other" that leaves the note out keeps the stored note, which may be blank;
# one that gives an aura's minutes without the aura keeps the stored aura, which may be
# none; one that empties the aura without its minutes keeps the stored minutes.
KEPT = {
    "note": "Describe the side effect in the note when you choose 'other'.",
    "aura": AURA_FIRST,
    "aura_minutes": AURA_FIRST,
}


def _unstatable(case, errors: dict[str, str]) -> bool:
    """Tell a refusal by a rule the schema cannot state (the stored entry's, or the clock's)."""
    kept = {
        message
        for name, message in KEPT.items()
        if case.method == "PATCH" and name not in (case.body or {})
    }
    return bool(errors) and all(
        UNSTATABLE.search(message) or message in kept for message in errors.values()
    )


@schemathesis.check
def accepts_what_the_schema_allows(ctx, response, case):
    """positive_data_acceptance, with 422 allowed only for the rules no schema states."""
    positive = case.meta and case.meta.generation.mode.is_positive
    if positive and response.status_code == 422:
        errors = json.loads(response.content)["errors"]
        return None if _unstatable(case, errors) else positive_data_acceptance(ctx, response, case)
    return positive_data_acceptance(ctx, response, case)


def fill(user) -> None:
    """Give the user every kind of entry, reminders of both kinds included."""
    readings.add_reading(user, recorded_at=datetime(2024, 3, 1, 8), pain=6, note="morning")
    side_effects.add_report(
        user, recorded_at=datetime(2024, 3, 2, 20), effect="seizures", severity="severe"
    )
    medications.add_dose(
        user, taken_at=datetime(2024, 3, 3, 9), name="naproxen", med_class="simple_analgesic"
    )
    treatments.add_treatment(
        user, kind="ketamine_iv_inpatient", started_on=date(2024, 3, 4), ended_on=date(2024, 3, 8)
    )
    custom = reminders.add_custom(user, title="Blood test", due_on=date(2024, 4, 1))
    reminders.mark_booked(user, custom, booked_for=date(2024, 4, 2))
    attacks.add_attack(
        user, started_at=datetime(2024, 3, 5, 7), ended_at=datetime(2024, 3, 5, 12), nausea=True
    )
    day_marks.mark_day(user, date(2024, 3, 6), headache_free=True)


def refill(app, user_id: int) -> None:
    """Put the user's diary back as fill() made it: each sequence starts from the same state."""
    with app.app_context():
        models = (
            Reading,
            SideEffectReport,
            MedicationDose,
            Treatment,
            Reminder,
            Attack,
            DayMark,
            PreventiveRegimen,  # its marked doses go with it (ON DELETE CASCADE)
        )
        for model in models:
            db.session.execute(delete(model).where(model.user_id == user_id))
        fill(user_row(user_id))
        db.session.commit()


@pytest.fixture
def fuzz_user(app) -> int:
    return make_user(app, "fuzz")


@pytest.fixture
def token(app, fuzz_user):
    """The API token of a user with every kind of entry."""
    refill(app, fuzz_user)
    with app.app_context():
        _, secret = create_token(user_row(fuzz_user), "fuzz")
        db.session.commit()
    return secret


def headers_for(token: str) -> dict[str, str]:
    # Called straight through WSGI, nothing would undo Flask-Compress: ask for plain bodies.
    return {"Authorization": f"Bearer {token}", "Accept-Encoding": "identity"}


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_never_fails_and_answers_as_documented(case, app, token):
    # Send the requests straight to this test's app over WSGI.
    case.operation.schema.app = app
    case.call_and_validate(app=app, headers=headers_for(token), excluded_checks=EXCLUDED)


def test_api_sequences_never_fail_and_answer_as_documented(app, fuzz_user, token):
    """Add, then read, change and delete what was added, following the document's links."""
    schema.app = app

    class Workflow(schema.as_state_machine()):
        def setup(self):
            refill(app, fuzz_user)

        def get_call_kwargs(self, case):
            return {"app": app, "headers": headers_for(token)}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            # Every step carries the fixture's token, so the check that resends a step with
            # a made-up one would resend ours; test_api.py covers refused tokens.
            case.validate_response(
                response, excluded_checks=[*EXCLUDED, ignored_auth], transport_kwargs=kwargs
            )

    Workflow.run(
        settings=settings(
            max_examples=30,
            stateful_step_count=6,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            # Generate only: shrinking replays sequences, and answers carry new ids.
            phases=[Phase.explicit, Phase.generate],
            database=None,
        )
    )
