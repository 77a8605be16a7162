"""Side-effect reports, and whether one calls for the calm safety message."""

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import select

from diary import reference
from diary.extensions import db
from diary.models import SideEffectReport, User
from diary.models.symptoms import SEVERITIES
from diary.services.scoping import find_by_client_key
from diary.validation import check_note


def check_report(effect: str, severity: str, note: str) -> None:
    """Raise ValueError naming what is wrong with a report's values."""
    catalogue = reference.side_effects()
    if not isinstance(effect, str) or effect not in catalogue:
        raise ValueError(f"'{effect}' is not a side-effect code; see seeds/side_effects.json.")
    if not isinstance(severity, str) or severity not in SEVERITIES:
        raise ValueError(f"Severity must be mild, moderate or severe, not '{severity}'.")
    if catalogue[effect].get("requires_note") and not note.strip():
        raise ValueError("Describe the side effect in the note when you choose 'other'.")
    check_note(note)


def add_report(
    user: User,
    recorded_at: datetime,
    effect: str,
    severity: str,
    note: str = "",
    client_key: str | None = None,
) -> SideEffectReport:
    values = _values(user, recorded_at, effect, severity, note, client_key)
    existing = find_by_client_key(SideEffectReport, user, client_key)
    if existing is not None:
        return existing
    report = SideEffectReport(**values)
    db.session.add(report)
    db.session.flush()
    return report


def _values(user, recorded_at, effect, severity, note="", client_key=None) -> dict:
    """Check a new report and return its column values."""
    check_report(effect, severity, note)
    return {
        "user_id": user.id,
        "recorded_at": recorded_at.replace(second=0, microsecond=0),
        "effect": effect,
        "severity": severity,
        "note": note,
        "client_key": client_key or None,
    }


def report_rows(user: User, records: Iterable[tuple[datetime, str, str, str]]) -> list[dict]:
    """Check and build the rows of many reports (recorded_at, effect, severity, note)."""
    return [_values(user, *record) for record in records]


def update_report(report: SideEffectReport, recorded_at, effect, severity, note) -> None:
    check_report(effect, severity, note)
    report.recorded_at = recorded_at.replace(second=0, microsecond=0)
    report.effect, report.severity, report.note = effect, severity, note
    db.session.flush()


def user_reports(user: User):
    return (
        select(SideEffectReport)
        .where(SideEffectReport.user_id == user.id)
        .order_by(SideEffectReport.recorded_at.desc(), SideEffectReport.id.desc())
    )


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


def recent_alarming(user: User, now: datetime, hours: int = 24) -> Sequence[SideEffectReport]:
    """Return the reports of the last hours that call for the safety message."""
    recent = db.session.scalars(
        user_reports(user).where(
            SideEffectReport.recorded_at > now - timedelta(hours=hours),
            SideEffectReport.recorded_at <= now,
        )
    ).all()
    return [r for r in recent if needs_safety_message([r])]


def safety_context(reports) -> dict:
    """Return what the calm safety message needs, or no message when nothing calls for it."""
    effects = reference.side_effects()
    return {
        "safety": reference.safety() if needs_safety_message(reports) else None,
        "urgent_labels": sorted(
            {effects[r.effect].label.lower() for r in reports if effects[r.effect]["urgent"]}
        ),
    }
