"""Start, stop, describe and delete headache attacks; the patient's own triggers."""

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from diary import reference, rules
from diary.cache import while_empty
from diary.clock import local_now
from diary.extensions import db
from diary.models import Attack, AttackTrigger, OwnTrigger, Reading, User
from diary.models.attack import AURA_KINDS, SIDES, TRIGGER_NAME_MAX, YES_NO
from diary.models.reading import PAIN_MAX, PAIN_MIN
from diary.rules import Checker, EntryError
from diary.services.bulk import bulk_rows, insert_bulk
from diary.services.idempotency import check_key, replayed
from diary.services.rows import remove
from diary.services.writes import writes

# Longer than a week is no longer one aura (ICHD-3 calls that a persistent aura).
AURA_MINUTES_MAX = 7 * 24 * 60
# How the features read on the page; the codes stay in CSV and the API.
LABELS = {
    "started_at": lazy_gettext("Started"),
    "ended_at": lazy_gettext("Stopped"),
    "peak_pain": lazy_gettext("Worst pain"),
    "side": lazy_gettext("Side"),
    "pulsating": lazy_gettext("Pulsating or throbbing"),
    "worse_with_activity": lazy_gettext("Worse with routine activity, or activity avoided"),
    "nausea": lazy_gettext("Nausea"),
    "vomiting": lazy_gettext("Vomiting"),
    "light_sensitivity": lazy_gettext("Sensitive to light"),
    "sound_sensitivity": lazy_gettext("Sensitive to sound"),
    "aura": lazy_gettext("Aura"),
    "aura_minutes": lazy_gettext("Aura minutes"),
    "triggers": lazy_gettext("Triggers"),
    "location": lazy_gettext("Where it hurts"),
}
END = lazy_gettext("End")
FEATURES = frozenset(YES_NO)
# Each feature not answered (None): an attack's answers start from these.
NOT_ANSWERED = dict.fromkeys(YES_NO)
# The types a list of codes may come as (a union made once: `|` builds one each time).
LISTS = list | tuple | set | frozenset
SIDE_LABELS = {
    "left": lazy_gettext("left"),
    "right": lazy_gettext("right"),
    "both": lazy_gettext("both sides"),
}
AURA_LABELS = {
    "visual": lazy_gettext("visual"),
    "sensory": lazy_gettext("sensory"),
    "speech": lazy_gettext("speech"),
    "motor": lazy_gettext("motor"),
}
# What an edit may change.
EDITABLE = (
    "started_at",
    "ended_at",
    "peak_pain",
    "side",
    *YES_NO,
    "aura",
    "aura_minutes",
    "triggers",
    "location",
    "note",
)
# The columns an edit sets (the times keep their folds; triggers are rows of their own).
COLUMNS = (*(n for n in EDITABLE if n != "triggers"), "started_fold", "ended_fold")


def user_attacks(user: User):
    """Return a select() of the user's attacks, newest first."""
    return (
        select(Attack)
        .where(Attack.user_id == user.id)
        .order_by(Attack.started_at.desc(), Attack.id.desc())
    )


def in_time_order(user: User) -> Iterable[Attack]:
    """Return the user's attacks, oldest first, with their triggers (files and backups)."""
    return db.session.scalars(
        select(Attack)
        .where(Attack.user_id == user.id)
        .order_by(Attack.started_at, Attack.id)
        .options(selectinload(Attack.triggers))
    )


@while_empty
def open_attack(user: User) -> Attack | None:
    """Return the attack the user has not ended yet, if any."""
    return db.session.scalar(
        select(Attack).where(Attack.user_id == user.id, Attack.ended_at.is_(None))
    )


def instant(moment: datetime, fold: bool, zone: ZoneInfo) -> datetime:
    """Return a stored local time as a UTC instant, its fold telling a repeated hour apart."""
    return moment.replace(fold=int(fold), tzinfo=zone).astimezone(UTC)


def minutes_lasted(attack: Attack, zone_name: str, now: datetime | None = None) -> int:
    """Return the whole minutes an attack lasted (so far, while open), across clock changes."""
    zone = ZoneInfo(zone_name)
    if attack.ended_at is None:
        end = instant(now or local_now(zone_name), False, zone)
    else:
        end = instant(attack.ended_at, attack.ended_fold, zone)
    return max(
        0, (end - instant(attack.started_at, attack.started_fold, zone)) // timedelta(minutes=1)
    )


def _answer(value: Any, label: Any) -> bool | None:
    """Return yes (True), no (False) or not answered (None); nothing else."""
    if value is None or isinstance(value, bool):
        return value
    raise ValueError(
        _(
            "%(label)s must be yes, no or not answered, not %(value)s.",
            label=label,
            value=rules.shown(value),
        )
    )


def _codes(value: Any) -> list[str]:
    """Return a list of codes given as a list or as text joined by ";"."""
    if not value and (value is None or isinstance(value, str | LISTS)):
        return []  # most attacks (an import checks 200,000)
    if isinstance(value, str):
        return [part.strip() for part in value.split(";")]
    if isinstance(value, LISTS):
        return list(value)
    raise ValueError(_("%(value)s is not a list.", value=rules.shown(value)))


def _aura(value: Any) -> str:
    """Return the aura codes in their fixed order, joined by ";"."""
    codes = _codes(value)
    if not codes:
        return ""
    given = {rules.choice(code, LABELS["aura"], AURA_KINDS) for code in codes}
    return ";".join(code for code in AURA_KINDS if code in given)


def _trigger_name(value: Any) -> str:
    """Return one trigger as written; refuse ";", which joins triggers in CSV files."""
    name = rules.text(value, LABELS["triggers"], TRIGGER_NAME_MAX, required=True)
    if ";" in name:
        raise ValueError(_("A trigger's name cannot contain “;”."))
    return name


@cache
def _trigger_codes() -> dict[str, str]:
    """Return the catalogue's trigger codes by their code and their English words, folded."""
    catalogue = reference.triggers()
    return {e.code.casefold(): e.code for e in catalogue.values()} | {
        e.words.casefold(): e.code for e in catalogue.values()
    }


def _triggers(value: Any) -> list[str]:
    """Return the triggers chosen: catalogue codes, and the patient's own names."""
    items = _codes(value)
    if not items:
        return items
    by_word = _trigger_codes()
    chosen: dict[str, str] = {}
    for item in items:
        name = _trigger_name(item)
        resolved = by_word.get(name.casefold(), name)
        chosen.setdefault(resolved.casefold(), resolved)
    return list(chosen.values())


def _moments(check: Checker, zone_name: str, started_at: Any, ended_at: Any) -> dict[str, Any]:
    """Check the start (None: now) and the end (None: still going), not before the start."""
    start = check("started_at", rules.entry_time, started_at, zone_name)
    end = None
    if ended_at is not None and ended_at != "":
        end = check("ended_at", rules.moment, ended_at, END, zone_name)
    if start is not None and end is not None:
        zone = ZoneInfo(zone_name)
        # Each in UTC (without an offset), as the zone reads the time and its fold.
        if end - zone.utcoffset(end) < start - zone.utcoffset(start):
            check.fail("ended_at", _("The attack cannot stop before it started."))
    moments = rules.with_fold("started_at", start, "started_fold") if start is not None else {}
    if end is None:
        moments["ended_at"], moments["ended_fold"] = None, False
    else:
        moments.update(rules.with_fold("ended_at", end, "ended_fold"))
    return moments


def checked_attack(
    user: User | rules.Owner,
    *,
    started_at: Any = None,
    ended_at: Any = None,
    peak_pain: Any = None,
    side: Any = None,
    aura: Any = None,
    aura_minutes: Any = None,
    triggers: Any = None,
    location: Any = "",
    note: Any = "",
    client_key: Any = None,
    created_at: Any = None,
    **answers: Any,
) -> dict[str, Any]:
    """Check an attack's values and return its columns and its triggers; raise EntryError.

    Every detail is optional: an attack with only a start (and an end) is whole.
    answers are the yes/no features (YES_NO): True, False, or None for not answered.
    """
    if answers and (unknown := answers.keys() - FEATURES):
        raise TypeError(f"not a feature of an attack: {', '.join(sorted(unknown))}")
    check = Checker()
    values = _moments(check, user.timezone, started_at, ended_at)
    values["user_id"] = user.id
    values["peak_pain"] = check.optional(
        "peak_pain", rules.whole, peak_pain, LABELS["peak_pain"], PAIN_MIN, PAIN_MAX
    )
    values["side"] = check.optional("side", rules.choice, side, LABELS["side"], SIDES)
    values["aura"] = check("aura", _aura, aura)
    values["aura_minutes"] = check.optional(
        "aura_minutes",
        rules.whole,
        aura_minutes,
        LABELS["aura_minutes"],
        0,
        AURA_MINUTES_MAX,
    )
    values["location"] = check("location", rules.text, location, LABELS["location"], 200)
    values["note"] = check("note", rules.note, note)
    values["client_key"] = check("client_key", check_key, client_key)
    values["triggers"] = check("triggers", _triggers, triggers)
    # A feature not given is not answered (None); each given is checked.
    values.update(NOT_ANSWERED)
    for name, answer in answers.items():
        values[name] = check(name, _answer, answer, LABELS[name])
    if values["aura_minutes"] is not None and values["aura"] == "":
        check.fail("aura_minutes", _("Say which aura it was, or leave its minutes empty."))
    values |= rules.kept(check, created_at)
    check.done()
    return values


def _one_open(user: User, attack: Attack | None = None) -> None:
    """Refuse a second attack left open: the one running is stopped first."""
    running = open_attack(user)
    if running is not None and running is not attack:
        raise _running_since(running.started_at)


def _running_since(started_at: datetime) -> EntryError:
    started = started_at.isoformat(timespec="minutes").replace("T", " ")
    return EntryError(
        {
            "ended_at": _(
                "An attack is already running since %(started)s; stop it first.",
                started=started,
            )
        }
    )


def _own_trigger(user: User, name: str) -> OwnTrigger:
    """Return the user's own trigger of this name (in any case), adding it the first time."""
    folded = name.casefold()
    found = db.session.scalar(
        select(OwnTrigger).where(OwnTrigger.user_id == user.id, OwnTrigger.folded == folded)
    )
    if found is None:
        found = OwnTrigger(user_id=user.id, name=name, folded=folded)
        db.session.add(found)
    return found


def _set_triggers(user: User, attack: Attack, names: list[str]) -> None:
    """Make the attack's triggers exactly these codes and own names, keeping the rows it has."""
    codes = reference.triggers()
    # A row deleted and added again in one flush would meet itself in the unique constraint.
    kept = {t.name.casefold(): t for t in attack.triggers}
    attack.triggers = [
        kept.get(name.casefold())
        or (
            AttackTrigger(code=name)
            if name in codes
            else AttackTrigger(own=_own_trigger(user, name))
        )
        for name in names
    ]


def _apply(user: User, attack: Attack, values: dict[str, Any]) -> None:
    """Set checked values on an attack and flush."""
    for name in COLUMNS:
        setattr(attack, name, values[name])
    if [t.name for t in attack.triggers] != values["triggers"]:
        _set_triggers(user, attack, values["triggers"])
    db.session.flush()


@writes
def add_attack(user: User, *, started_at: Any = None, **fields: Any) -> Attack:
    """Store an attack: a start alone ("Headache started") or a whole one, as an import has it.

    A repeated client_key returns the attack stored the first time.
    """
    values = checked_attack(user, started_at=started_at, **fields)
    given = [n for n in fields if n not in ("client_key", "triggers")]
    if started_at is not None:
        given += ["started_at", "started_fold"]
    if "ended_at" in fields:
        given.append("ended_fold")
    owner = Attack.user_id == user.id
    chosen = {name: values[name] for name in given if name != "created_at"}
    existing = replayed(Attack, owner, values["client_key"], chosen)
    if existing is not None:
        return existing
    if values["ended_at"] is None:
        _one_open(user)
    triggers = values.pop("triggers")
    attack = Attack(**values)
    db.session.add(attack)
    _set_triggers(user, attack, triggers)
    db.session.flush()
    return attack


@writes
def add_checked(user: User, rows: Iterable[dict[str, Any]]) -> None:
    """Store attacks that checked_attack returned (a file's, an import's), one at a time."""
    for values in rows:
        add_attack(user, client_key=values["client_key"], **entered(values))


@writes
def add_imported_triggers(user: User, keyed: list[tuple[str, list[str]]]) -> None:
    """Give attacks an import inserted in bulk their checked triggers, by the attacks' keys:
    catalogue codes, or the patient's own names (added the first time)."""
    keys = [key for key, _ in keyed]
    ids = {
        key: attack_id
        for n in range(0, len(keys), 500)
        for attack_id, key in db.session.execute(
            select(Attack.id, Attack.client_key).where(
                Attack.user_id == user.id, Attack.client_key.in_(keys[n : n + 500])
            )
        )
    }
    codes = reference.triggers()
    own: dict[str, OwnTrigger] = {}
    rows = []
    for key, names in keyed:
        for name in names:
            if name in codes:
                rows.append({"attack_id": ids[key], "code": name, "own_trigger_id": None})
                continue
            if name.casefold() not in own:
                own[name.casefold()] = _own_trigger(user, name)
                db.session.flush()
            trigger_id = own[name.casefold()].id
            rows.append({"attack_id": ids[key], "code": None, "own_trigger_id": trigger_id})
    insert_bulk(bulk_rows(AttackTrigger, rows, owner=user.id))


def as_entered(attack: Attack) -> dict[str, Any]:
    """Return an attack's values as the service takes them: times with their folds."""
    values = {name: getattr(attack, name) for name in COLUMNS}
    return entered(values | {"triggers": [t.name for t in attack.triggers]})


def entered(values: dict[str, Any]) -> dict[str, Any]:
    """Return checked values (checked_attack's) as the service takes them again."""
    fields = {name: values[name] for name in EDITABLE}
    fields["started_at"] = values["started_at"].replace(fold=int(values["started_fold"]))
    if values["ended_at"] is not None:
        fields["ended_at"] = values["ended_at"].replace(fold=int(values["ended_fold"]))
    return fields


@writes
def update_attack(
    user: User, attack: Attack, *, version: int | None = None, **changes: Any
) -> None:
    """Change some of an attack's values; refuse a save made over an older version."""
    if version is not None and version != attack.version:
        raise EntryError(
            {
                "version": _(
                    "This attack was changed on another page or device since you opened it,"
                    " so your changes were not saved. Check it and save again."
                )
            }
        )
    values = checked_attack(user, **(as_entered(attack) | changes))
    if values["ended_at"] is None:
        _one_open(user, attack)
    attack.version += 1
    _apply(user, attack, values)


@writes
def stop_attack(user: User, *, ended_at: Any = None) -> Attack:
    """End the running attack at ended_at (None: now).

    A stop sent again (a retried request, the offline queue) finds the attack it ended
    at that minute and changes nothing.
    """
    attack = open_attack(user)
    again = _ended_at(user, ended_at)
    # Sent again after the next attack began (the queue keeps its order): still the first.
    # (It has an end: it was found by it; the check tells the type checker.)
    if (
        again is not None
        and again.ended_at is not None
        and (attack is None or again.ended_at <= attack.started_at)
    ):
        return again
    if attack is None:
        raise EntryError({"ended_at": _("No attack is running.")})
    moment = ended_at if ended_at is not None else local_now(user.timezone)
    values = checked_attack(user, **(as_entered(attack) | {"ended_at": moment}))
    attack.version += 1
    _apply(user, attack, values)
    return attack


def _ended_at(user: User, ended_at: Any) -> Attack | None:
    """Return the user's attack that ended at this moment, if ended_at is one."""
    if ended_at is None:
        return None
    moment = Checker()("ended_at", rules.moment, ended_at, END, user.timezone)
    if moment is None:
        return None
    return db.session.scalar(
        select(Attack).where(
            Attack.user_id == user.id,
            Attack.ended_at == moment.replace(fold=0),
            Attack.ended_fold == bool(moment.fold),
        )
    )


@writes
def delete_attack(attack: Attack) -> None:
    remove(attack)


def trigger_choices(user: User) -> list[tuple[str, str]]:
    """Return the triggers to tap, as (value, label): the catalogue's, then the user's own."""
    own = db.session.scalars(
        select(OwnTrigger.name).where(OwnTrigger.user_id == user.id).order_by(OwnTrigger.folded)
    )
    return [(e.code, e.label) for e in reference.triggers().values()] + [(n, n) for n in own]


def intensities(
    user: User, attacks: Iterable[Attack], now: datetime | None = None
) -> dict[int, int | None]:
    """Return each attack's intensity by id: the highest of its own peak and the readings
    logged while it lasted (None when neither is known). Reads the readings once.
    """
    attacks = list(attacks)
    if not attacks:
        return {}
    now = now or local_now(user.timezone)
    spans = {a.id: (a.started_at, a.ended_at or now) for a in attacks}
    rows = db.session.execute(
        select(Reading.recorded_at, Reading.pain)
        .where(
            Reading.user_id == user.id,
            Reading.recorded_at >= min(start for start, _ in spans.values()),
            Reading.recorded_at <= max(end for _, end in spans.values()),
        )
        .order_by(Reading.recorded_at)
    ).all()
    times = [when for when, _ in rows]
    result = {}
    for attack in attacks:
        start, end = spans[attack.id]
        during = [pain for _, pain in rows[bisect_left(times, start) : bisect_right(times, end)]]
        known = [p for p in (attack.peak_pain, *during) if p is not None]
        result[attack.id] = max(known) if known else None
    return result
