"""The report for the headache specialist: one set of figures for its page, PDF and shared link."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from diary import charts, reference
from diary.clock import local_today, short_moment, start_of
from diary.extensions import db
from diary.models import (
    Attack,
    DayMark,
    MedicationDose,
    QuestionnaireAnswer,
    Reading,
    SideEffectReport,
    User,
)
from diary.models.attack import YES_NO
from diary.models.symptoms import RELIEF_LABELS, SEVERITY_LABELS
from diary.services import preventives, trends
from diary.services.attacks import AURA_LABELS, LABELS, SIDE_LABELS
from diary.services.days import rule_of
from diary.services.medications import medicine_effects, overuse
from diary.services.menstrual import menstrual_link
from diary.services.outcomes import midas_figures


def report_context(
    user: User,
    first: date,
    last: date,
    treatment_ids: list[int] | None,
    *,
    preventive_ids: list[int] | None = None,
    shared: bool = False,
    with_appendix: bool = False,
) -> dict:
    """Return what the report shows for a user's range and chosen treatments (None: those
    running or still acting in the range) and preventives (None: all of the range).

    Only the treatments shown have their figures computed, each from its own days (which may
    lie outside the range). Every figure is as of the range's last day and the same whether
    shared or not. A shared report names no treatment or preventive the patient did not
    choose: an overlap with one is "another treatment (not shared)", a change of one "a
    preventive change (not shared)". with_appendix adds the range's entries day by day.
    """
    all_treatments = trends.treatments_until(user, last)
    picked = (
        [t for t in all_treatments if t.id in treatment_ids]
        if treatment_ids is not None
        else trends.acting_in(all_treatments, first, last)
    )
    # Every treatment caps the relief and is an overlap, shared or not: the figures are the
    # patient's own; only the words name what was not chosen as "another treatment".
    regimens = preventives.user_regimens(user)
    figures = trends.treatment_figures(user, last, picked, all_treatments, regimens)
    named = picked if shared else all_treatments
    kinds = reference.treatment_kinds()
    pain = trends.pain_days(user, first, last)
    in_range = [r for r in regimens if preventives.taken_between(r, first, last)]
    picked_regimens = [r for r in in_range if preventive_ids is None or r.id in preventive_ids]
    named_regimens = set(preventive_ids or ()) if shared else None
    return {
        "owner": user,
        "all_treatments": [] if shared else all_treatments,
        "picked": picked,
        "sections": [
            (
                t,
                f,
                charts.outcome_charts(trends.outcome_bars(f)),
                trends.overlap_names(t, f["overlaps"], named),
                trends.change_lines(
                    t, trends.preventive_changes(t, regimens, last), named_regimens
                ),
            )
            for t, f in zip(picked, figures, strict=True)
        ],
        "cohort_compared": any(kinds[t.kind].get("ketamine_protocol") for t in picked),
        "pain_charts": charts.pain_charts(
            pain.points,
            trends.chart_treatments(picked),
            first,
            last,
            trends.chart_preventives(picked_regimens, last),
        ),
        "all_regimens": [] if shared else in_range,
        "adherence": [preventives.adherence(r, first, last) for r in picked_regimens],
        "schedule_of": preventives.schedule_of,
        "medicine_effects": medicine_effects(user, first, last),
        "relief_labels": RELIEF_LABELS,
        "first": first,
        "last": last,
        "today": local_today(user.timezone),
        "summary": pain.summary,
        "overuse": overuse(user, last),
        "classes": reference.medication_classes(),
        "effects": reference.side_effects(),
        "day_rule": rule_of(user).code,
        "study": reference.catalogue("study_outcomes"),
        "appendix": appendix(user, first, last) if with_appendix else None,
        "menstrual_link": menstrual_link(user, last),
    }


@dataclass
class AppendixDay:
    """One day of the appendix: every entry of the day, in the order they happened."""

    day: date
    lines: list[tuple[str, str]] = field(default_factory=list)  # (time or "", text)


# A long range of long notes would take the PDF a minute and hundreds of MB: the appendix
# stops before either limit and says how many entries it leaves to the CSV export.
APPENDIX_ENTRIES, APPENDIX_CHARACTERS = 2_000, 100_000


class Appendix(list):
    """The appendix's days, and the number of later entries left out to keep it short."""

    left_out = 0


def _capped(days: list[AppendixDay]) -> Appendix:
    """Return the days whole up to the appendix's limits, and count the entries after."""
    kept, entries, characters = Appendix(), 0, 0
    for day in days:
        lines = []
        for at, text in day.lines:
            entries, characters = entries + 1, characters + len(text)
            if entries > APPENDIX_ENTRIES or characters > APPENDIX_CHARACTERS:
                kept.left_out += 1
            else:
                lines.append((at, text))
        if lines:
            kept.append(AppendixDay(day.day, lines))
    return kept


def _note(note: str | None) -> str:
    return f": {note}" if note else ""


def _attack_text(attack: Attack) -> str:
    """Return an attack as the appendix lists it: its end, then each detail answered."""
    end = attack.ended_at
    if end is None:
        head = gettext("Attack, still going")
    else:
        same_day = end.date() == attack.started_at.date()
        head = gettext(
            "Attack until %(end)s", end=f"{end:%H:%M}" if same_day else short_moment(end)
        )
    catalogue = reference.triggers()
    aura = ", ".join(str(AURA_LABELS[code]) for code in attack.aura_kinds)
    if aura and attack.aura_minutes is not None:
        aura += f" ({attack.aura_minutes} min)"
    details = [
        ("peak_pain", attack.peak_pain),
        ("side", SIDE_LABELS[attack.side] if attack.side else None),
        # Not answered is left out: it is never shown as no.
        *(
            (n, gettext("yes") if getattr(attack, n) else gettext("no"))
            for n in YES_NO
            if getattr(attack, n) is not None
        ),
        ("aura", aura),
        (
            "triggers",
            ", ".join(
                catalogue[t.code].label if t.code in catalogue else t.name for t in attack.triggers
            ),
        ),
        ("location", attack.location),
    ]
    shown = [
        gettext("%(label)s: %(value)s", label=LABELS[name], value=value)
        for name, value in details
        if value not in (None, "")
    ]
    return "; ".join([head, *shown]) + _note(attack.note)


def appendix(user: User, first: date, last: date) -> Appendix:
    """Return the range's entries day by day: attacks, readings, side effects, medicines,
    questionnaires and day marks.

    Nothing outside first..last, and nothing but the user's own rows; the earliest entries
    up to APPENDIX_ENTRIES and APPENDIX_CHARACTERS.
    """
    start, end = start_of(first), datetime.combine(last, time.max)
    found: dict[date, list[tuple[str, str, str]]] = defaultdict(list)
    effects = reference.side_effects()
    classes = reference.medication_classes()
    pgic = reference.questionnaires()["pgic"]["answers"]

    def rows(model, column):
        return db.session.scalars(
            select(model)
            .where(model.user_id == user.id, column >= start, column <= end)
            .order_by(column, model.id)
        )

    attacks = db.session.scalars(
        select(Attack)
        .where(Attack.user_id == user.id, Attack.started_at >= start, Attack.started_at <= end)
        .order_by(Attack.started_at, Attack.id)
        .options(selectinload(Attack.triggers))
    )
    for a in attacks:
        found[a.started_at.date()].append((f"{a.started_at:%H:%M}", "0", _attack_text(a)))
    for r in rows(Reading, Reading.recorded_at):
        found[r.recorded_at.date()].append(
            (f"{r.recorded_at:%H:%M}", "0", gettext("Pain %(pain)s", pain=r.pain) + _note(r.note))
        )
    for e in rows(SideEffectReport, SideEffectReport.recorded_at):
        label = effects[e.effect].label if e.effect in effects else e.effect
        severity = SEVERITY_LABELS.get(e.severity, e.severity)
        text = gettext("Side effect: %(effect)s, %(severity)s", effect=label, severity=severity)
        text += _note(e.note)
        found[e.recorded_at.date()].append((f"{e.recorded_at:%H:%M}", "1", text))
    for d in rows(MedicationDose, MedicationDose.taken_at):
        medicine = f"{d.name} {d.dose}".strip()
        kind = classes[d.med_class].label
        text = gettext("Medicine: %(medicine)s (%(kind)s)", medicine=medicine, kind=kind)
        if d.relief_2h:
            text += "; " + gettext("2 h: %(effect)s", effect=RELIEF_LABELS[d.relief_2h])
        found[d.taken_at.date()].append((f"{d.taken_at:%H:%M}", "2", text + _note(d.note)))
    answers = db.session.scalars(
        select(QuestionnaireAnswer)
        .where(
            QuestionnaireAnswer.user_id == user.id,
            QuestionnaireAnswer.answered_on >= first,
            QuestionnaireAnswer.answered_on <= last,
        )
        .order_by(QuestionnaireAnswer.answered_on, QuestionnaireAnswer.id)
    )
    for a in answers:
        if a.instrument == "pgic":
            text = f"PGIC: {gettext(pgic[str(a.score)])}"
        else:
            figures = midas_figures(a.answered_on, a.items or [])
            text = gettext(
                "MIDAS: %(days)s days, grade %(grade)s",
                days=figures["total"],
                grade=figures["grade"],
            )
        found[a.answered_on].append(("", "3", text))
    marks = db.session.scalars(
        select(DayMark).where(DayMark.user_id == user.id, DayMark.day.between(first, last))
    )
    for m in marks:
        # The period is named only while the patient keeps it (Settings).
        period = m.period and user.period_tracking
        said = [gettext("No headache")] * m.headache_free + [gettext("Period day")] * period
        found[m.day].append(("", "4", "; ".join(said)))
    return _capped(
        [
            AppendixDay(day, [(at, text) for at, _, text in sorted(found[day])])
            for day in sorted(found)
        ]
    )
