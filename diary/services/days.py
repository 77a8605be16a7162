"""Each calendar day classified as headache medicine counts it: migraine, headache,
headache-free or not known.

The rules are the constants below, each with the source it comes from; the
definitions shown on the pages are written from the same constants.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy import func, or_, select

from diary import reference
from diary.cache import moves_with_the_clock, per_user
from diary.clock import local_now, shift, start_of
from diary.dbfunc import day_of
from diary.extensions import db
from diary.models import Attack, DayMark, MedicationDose, Reading, User
from diary.services.attacks import intensities, minutes_lasted

# What the CLI, the API and the files write for a day.
MIGRAINE, HEADACHE, HEADACHE_FREE, UNKNOWN = "migraine", "headache", "headache_free", "unknown"
# The criteria that make a headache day a migraine day, in the order they are listed.
FEATURES, AURA, MIGRAINE_SPECIFIC_MEDICINE = "features", "aura", "migraine_specific_medicine"

# How each status and criterion reads on the page; the codes stay in the CLI, API and files.
STATUS_LABELS = {
    MIGRAINE: lazy_gettext("Migraine"),
    HEADACHE: lazy_gettext("Headache"),
    HEADACHE_FREE: lazy_gettext("No headache"),
    UNKNOWN: lazy_gettext("Not known"),
}
CRITERIA_LABELS = {
    FEATURES: lazy_gettext("duration and features"),
    AURA: lazy_gettext("aura"),
    MIGRAINE_SPECIFIC_MEDICINE: lazy_gettext("migraine-specific medicine"),
}


@dataclass(frozen=True)
class Rule:
    """How long an attack with migraine features must last for its days to be migraine days."""

    code: str
    name: str
    min_minutes: int
    # An id of seeds/sources.json.
    source: str


RULES = {
    # van der Arend et al. (Cephalalgia 2023) count an attack of 30 minutes or more, as
    # patients log attacks that a treatment cuts short.
    "leiden": Rule("leiden", lazy_gettext("Leiden e-diary rule"), 30, "vanderArend2023"),
    # ICHD-3 1.1 criterion B: attacks lasting 4-72 hours.
    "ichd3": Rule("ichd3", lazy_gettext("ICHD-3 rule"), 4 * 60, "ICHD-3-migraine"),
}
DEFAULT_RULE = "leiden"
# ICHD-3 1.1 criterion C: at least 2 of one-sided, pulsating, moderate or severe, worse
# with (or avoiding) routine physical activity.
FEATURES_NEEDED = 2
ONE_SIDED = ("left", "right")
# ICHD-3 1.2 criterion C: an aura symptom lasts 5 to 60 minutes.
AURA_MINUTES = (5, 60)
FEATURES_SOURCE = AURA_SOURCE = "ICHD-3-migraine"
# Moderate-or-severe starts where the pain scale's source puts it (seeds/pain_scale.json).
MODERATE_FROM = reference.moderate_pain_min()
ONE_MINUTE = timedelta(minutes=1)


@dataclass(frozen=True)
class DayStatus:
    """One calendar day as the rule classifies it."""

    day: date
    status: str
    moderate_severe: bool
    criteria: tuple[str, ...]
    acute_medicine: bool
    migraine_specific_medicine: bool
    period: bool

    def as_json(self) -> dict:
        return {
            "day": self.day.isoformat(),
            "status": self.status,
            "moderate_severe": self.moderate_severe,
            "criteria": list(self.criteria),
            "acute_medicine": self.acute_medicine,
            "migraine_specific_medicine": self.migraine_specific_medicine,
            "period": self.period,
        }


@dataclass
class _Logged:
    """What was logged about one day, gathered from every table."""

    highest: int | None = None
    headache: bool = False
    criteria: set[str] = field(default_factory=set)
    medicine_classes: set[str] = field(default_factory=set)
    headache_free: bool = False
    period: bool = False

    def pain(self, value: int | None) -> None:
        if value is not None:
            self.highest = value if self.highest is None else max(self.highest, value)


def rule_of(user: User, code: str | None = None) -> Rule:
    """Return the rule asked for, or the account's own (Settings), or the default."""
    return RULES[code or user.day_rule or DEFAULT_RULE]


def attack_days(attack: Attack, now: datetime) -> list[date]:
    """Return the days an attack occurs on: from its start to the minute before its end.

    An attack that ends at midnight does not reach the day that midnight begins.
    """
    if attack.ended_at is None:
        moves_with_the_clock()  # it lasts until now: a figure of it is not kept
    return days_between(attack.started_at, attack.ended_at or now)


def days_between(start: datetime, end: datetime) -> list[date]:
    """Return the days from start's to the one of the minute before end."""
    last = max(start, end - ONE_MINUTE).date()
    first = start.date()
    if last == first:
        return [first]  # most attacks: an import's marks look up 200,000 at once
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def has_features(attack: Attack, intensity: int | None) -> bool:
    """Return whether an attack has ICHD-3 1.1's criteria C and D (not its duration)."""
    features = (
        attack.side in ONE_SIDED,
        attack.pulsating is True,
        intensity is not None and intensity >= MODERATE_FROM,
        attack.worse_with_activity is True,
    )
    symptoms = (
        attack.nausea is True
        or attack.vomiting is True
        or (attack.light_sensitivity is True and attack.sound_sensitivity is True)
    )
    return sum(features) >= FEATURES_NEEDED and symptoms


def has_aura(attack: Attack) -> bool:
    low, high = AURA_MINUTES
    return (
        bool(attack.aura) and attack.aura_minutes is not None and low <= attack.aura_minutes <= high
    )


@per_user
def classified(user: User, first: date, last: date, rule_code: str) -> list[DayStatus]:
    """Return classify_days() for the trends page and daily.csv, kept until the user's next
    write."""
    return classify_days(user, first, last, RULES[rule_code])


def classify_days(
    user: User, first: date, last: date, rule: Rule, now: datetime | None = None
) -> list[DayStatus]:
    """Return each day from first to last, in order, classified by rule (in five queries)."""
    now = now or local_now(user.timezone)
    logged: dict[date, _Logged] = defaultdict(_Logged)
    _add_attacks(user, first, last, rule, now, logged)
    _add_readings(user, first, last, logged)
    _add_medicines(user, first, last, logged)
    _add_marks(user, first, last, logged)
    specific = reference.migraine_specific_classes()
    days = []
    for n in range((last - first).days + 1):
        day = first + timedelta(days=n)
        entry = logged.get(day, _Logged())
        criteria = set(entry.criteria)
        if entry.headache and entry.medicine_classes & specific:
            criteria.add(MIGRAINE_SPECIFIC_MEDICINE)
        days.append(
            DayStatus(
                day=day,
                status=_status(entry, criteria),
                moderate_severe=entry.highest is not None and entry.highest >= MODERATE_FROM,
                criteria=tuple(
                    c for c in (FEATURES, AURA, MIGRAINE_SPECIFIC_MEDICINE) if c in criteria
                ),
                acute_medicine=bool(entry.medicine_classes),
                migraine_specific_medicine=bool(entry.medicine_classes & specific),
                period=entry.period,
            )
        )
    return days


def _status(entry: _Logged, criteria: set[str]) -> str:
    if criteria:
        return MIGRAINE
    if entry.headache:
        return HEADACHE
    # A "no headache" tap, or readings that are all 0; a medicine alone says nothing.
    if entry.headache_free or entry.highest == 0:
        return HEADACHE_FREE
    return UNKNOWN


def _add_attacks(
    user: User, first: date, last: date, rule: Rule, now: datetime, logged: dict[date, _Logged]
) -> None:
    """Note the attacks that occur on the days: a headache, its peak, and what it fires."""
    attacks = db.session.scalars(
        select(Attack).where(
            Attack.user_id == user.id,
            Attack.started_at < start_of(shift(last, 1)),
            or_(Attack.ended_at.is_(None), Attack.ended_at >= start_of(first)),
        )
    ).all()
    strength = intensities(user, attacks, now)
    for attack in attacks:
        fires = has_features(attack, strength[attack.id]) and (
            minutes_lasted(attack, user.timezone, now) >= rule.min_minutes
        )
        for day in attack_days(attack, now):
            entry = logged[day]
            entry.headache = True
            entry.pain(attack.peak_pain)
            if fires:
                entry.criteria.add(FEATURES)
        # The aura comes before the headache: it belongs to the day the attack began.
        if has_aura(attack):
            logged[attack.started_at.date()].criteria.add(AURA)


def _add_readings(user: User, first: date, last: date, logged: dict[date, _Logged]) -> None:
    day = day_of(Reading.recorded_at)
    rows = db.session.execute(
        select(day, func.max(Reading.pain))
        .where(
            Reading.user_id == user.id,
            Reading.recorded_at >= start_of(first),
            Reading.recorded_at < start_of(shift(last, 1)),
        )
        .group_by(day)
    )
    for when, highest in rows:
        entry = logged[when]
        entry.pain(highest)
        entry.headache = entry.headache or highest >= 1


def _add_medicines(user: User, first: date, last: date, logged: dict[date, _Logged]) -> None:
    day = day_of(MedicationDose.taken_at)
    rows = db.session.execute(
        select(day, MedicationDose.med_class)
        .where(
            MedicationDose.user_id == user.id,
            MedicationDose.taken_at >= start_of(first),
            MedicationDose.taken_at < start_of(shift(last, 1)),
        )
        .distinct()
    )
    for when, med_class in rows:
        logged[when].medicine_classes.add(med_class)


def _add_marks(user: User, first: date, last: date, logged: dict[date, _Logged]) -> None:
    marks = db.session.scalars(
        select(DayMark).where(DayMark.user_id == user.id, DayMark.day.between(first, last))
    )
    for mark in marks:
        logged[mark.day].headache_free = mark.headache_free
        logged[mark.day].period = mark.period


def definitions(rule: Rule) -> list[tuple[str, str, tuple[str, ...]]]:
    """Return what each status means under rule, as (term, definition, source ids)."""
    low, high = AURA_MINUTES
    return [
        (
            _("Migraine day"),
            _(
                "An attack occurs on that day that lasts at least %(minutes)s minutes and has"
                " at least %(needed)s of: one-sided, pulsating, moderate or severe (worst pain"
                " %(moderate)s or more), worse with routine activity; and nausea or vomiting,"
                " or both light and sound sensitivity. Or an attack with an aura of %(low)s to"
                " %(high)s minutes begins that day. Or a migraine-specific medicine (%(classes)s)"
                " is taken on a day with headache.",
                minutes=rule.min_minutes,
                needed=FEATURES_NEEDED,
                moderate=MODERATE_FROM,
                low=low,
                high=high,
                classes=", ".join(
                    reference.medication_classes()[c].label
                    for c in sorted(reference.migraine_specific_classes())
                ),
            ),
            tuple(dict.fromkeys((rule.source, FEATURES_SOURCE, AURA_SOURCE))),
        ),
        (
            _("Headache day"),
            _(
                "Any attack on that day, or any pain reading of 1 or more. Moderate or severe"
                " when the day's worst pain (readings and attack peaks) is %(moderate)s or more.",
                moderate=MODERATE_FROM,
            ),
            ("Palos2006",),
        ),
        (
            _("Headache-free day"),
            _("“No headache today” was tapped, or every pain reading of the day is 0."),
            (),
        ),
        (
            _("Not known"),
            _("Nothing was logged about pain that day; a medicine alone does not say."),
            (),
        ),
    ]


def by_month(days: list[DayStatus]) -> list[dict]:
    """Return per month, oldest first: migraine days, headache days (migraine days among
    them), headache-free days and days not known."""
    months: dict[date, dict] = {}
    for day in days:
        month = months.setdefault(
            day.day.replace(day=1),
            {
                "month": day.day.replace(day=1),
                MIGRAINE: 0,
                HEADACHE: 0,
                HEADACHE_FREE: 0,
                UNKNOWN: 0,
            },
        )
        month[day.status] += 1
        # A migraine day is a headache day too.
        month[HEADACHE] += day.status == MIGRAINE
    return list(months.values())


def logged_days(user: User, moment, first: date, last: date) -> set[date]:
    """Return the days from first to last with any row of moment's table (Reading.recorded_at)."""
    model, day = moment.class_, day_of(moment)
    return set(
        db.session.scalars(
            select(day)
            .where(
                model.user_id == user.id,
                moment >= start_of(first),
                moment < start_of(shift(last, 1)),
            )
            .distinct()
        )
    )


def unknown_days(user: User, first: date, last: date, now: datetime | None = None) -> list[date]:
    """Return the days from first to last that classify_days calls UNKNOWN: no attack, no
    pain reading, no "no headache" mark. The attacks are read as one row a start day, with
    the latest end of those that started on it: the days they cover together run from it
    to that end's (an attack log of 200,000 attacks gives a row a day, not 200,000)."""
    now = now or local_now(user.timezone)
    started = day_of(Attack.started_at)
    ends = db.session.execute(
        select(started, func.max(func.coalesce(Attack.ended_at, now)))
        .where(
            Attack.user_id == user.id,
            Attack.started_at < start_of(shift(last, 1)),
            or_(Attack.ended_at.is_(None), Attack.ended_at > start_of(first)),
        )
        .group_by(started)
    )
    known: set[date] = set()
    for day, end in ends:
        known.update(days_between(start_of(day), end))
    known.update(logged_days(user, Reading.recorded_at, first, last))
    known.update(
        db.session.scalars(
            select(DayMark.day).where(
                DayMark.user_id == user.id,
                DayMark.day.between(first, last),
                DayMark.headache_free.is_(True),
            )
        )
    )
    span = (first + timedelta(days=n) for n in range((last - first).days + 1))
    return [day for day in span if day not in known]
