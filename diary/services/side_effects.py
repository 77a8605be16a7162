"""Side-effect reports, and whether one calls for the calm safety message."""

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy import bindparam, select

from diary import reference, rules
from diary.cache import per_user
from diary.clock import any_between, start_of_yesterday
from diary.extensions import db
from diary.models import SideEffectReport, User
from diary.models.symptoms import SEVERITIES
from diary.rules import Checker
from diary.services.idempotency import check_key
from diary.services.rows import as_entered, change, remove, store_once
from diary.services.writes import writes

# What an edit may change (the time keeps its fold).
EDITABLE = ("recorded_at", "effect", "severity", "note")


def checked_report(
    user: User,
    *,
    recorded_at: Any = None,
    effect: Any,
    severity: Any,
    note: Any = "",
    client_key: Any = None,
    created_at: Any = None,
) -> dict[str, Any]:
    """Check a side-effect report's values and return its columns; raise EntryError."""
    catalogue = reference.side_effects()
    check = Checker()
    moment = check("recorded_at", rules.entry_time, recorded_at, user.timezone)
    values = {
        "user_id": user.id,
        "effect": check(
            "effect", rules.choice, effect, lazy_gettext("side-effect code"), catalogue
        ),
        "severity": check("severity", rules.choice, severity, lazy_gettext("severity"), SEVERITIES),
        "note": check("note", rules.note, note),
        "client_key": check("client_key", check_key, client_key),
    } | rules.kept(check, created_at)
    effect, text = values["effect"], values["note"]
    if effect and catalogue[effect].get("requires_note") and text is not None and not text.strip():
        check.fail("note", _("Describe the side effect in the note when you choose 'other'."))
    check.done()
    return values | rules.with_fold("recorded_at", moment)


@writes
def add_report(user: User, *, recorded_at: Any = None, **fields: Any) -> SideEffectReport:
    """Store a report; a repeated client_key returns the report stored the first time."""
    values = checked_report(user, recorded_at=recorded_at, **fields)
    given = [*fields, *(("recorded_at", "fold") if recorded_at is not None else ())]
    return store_once(SideEffectReport, SideEffectReport.user_id == user.id, values, given)


@writes
def update_report(user: User, report: SideEffectReport, **changes: Any) -> None:
    """Change some of the values of a SideEffectReport entry."""
    values = checked_report(user, **(as_entered(report, EDITABLE, "recorded_at") | changes))
    change(report, values, (*EDITABLE, "fold"))


@writes
def delete_report(report: SideEffectReport) -> None:
    remove(report)


NEWEST_FIRST = select(SideEffectReport).order_by(
    SideEffectReport.recorded_at.desc(), SideEffectReport.id.desc()
)


def user_reports(user: User):
    return NEWEST_FIRST.where(SideEffectReport.user_id == user.id)


def needs_safety_message(reports: Iterable[SideEffectReport]) -> bool:
    """Seizures, breathing difficulty, or anything severe."""
    effects = reference.side_effects()
    return any(r.severity == "severe" or effects[r.effect]["urgent"] for r in reports)


def safety_notice(reports: Iterable[SideEffectReport]) -> dict | None:
    """Return the calm safety message for reports that call for it, with its sources, or None.

    The same words the pages show, for answers to the API and to offline sync.
    """
    reports = list(reports)
    if not needs_safety_message(reports):
        return None
    safety, effects = reference.safety(), reference.side_effects()
    urgent = any(effects[r.effect]["urgent"] for r in reports)
    return {
        "message": safety["urgent_message" if urgent else "severe_message"],
        "sources": [
            {"id": s.id, "title": s.title, "quote": s.quote, "part": s.part}
            for s in safety["sources"]
        ],
    }


# Built once, each: home asks at every view (a statement built anew costs its cache key).
REPORTS_SINCE = select(SideEffectReport).where(
    SideEffectReport.user_id == bindparam("user_id"),
    SideEffectReport.recorded_at >= bindparam("since"),
)
RECENT_REPORTS = NEWEST_FIRST.where(
    SideEffectReport.user_id == bindparam("user_id"),
    SideEffectReport.recorded_at > bindparam("since"),
    SideEffectReport.recorded_at <= bindparam("now"),
)


@per_user
def _alarming_since_yesterday(user: User, today: date) -> tuple[datetime, ...]:
    """Return when each report since the start of yesterday that calls for the safety
    message was recorded (kept until the user's next write: the reports themselves are
    read only when one is in the last 24 hours)."""
    asked = {"user_id": user.id, "since": start_of_yesterday(today)}
    reports = db.session.scalars(REPORTS_SINCE, asked)
    return tuple(r.recorded_at for r in reports if needs_safety_message([r]))


def recent_alarming(user: User, now: datetime) -> Sequence[SideEffectReport]:
    """Return the reports of the last 24 hours that call for the safety message."""
    since = now - timedelta(hours=24)
    alarming = _alarming_since_yesterday(user, now.date())
    if not any_between(alarming, since, now):
        return []
    asked = {"user_id": user.id, "since": since, "now": now}
    return [r for r in db.session.scalars(RECENT_REPORTS, asked) if needs_safety_message([r])]


def safety_context(reports) -> dict:
    """Return what the calm safety message needs, or no message when nothing calls for it."""
    effects = reference.side_effects()
    return {
        "safety": reference.safety() if needs_safety_message(reports) else None,
        "urgent_labels": sorted(
            {
                rules.mid_sentence(effects[r.effect].label)
                for r in reports
                if effects[r.effect]["urgent"]
            }
        ),
    }
