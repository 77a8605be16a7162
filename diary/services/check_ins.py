"""The daily check-in: its setting, the devices it reaches, and the empty days it asks about."""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy import select

from diary import push, rules
from diary.clock import local_now, local_today
from diary.extensions import db
from diary.models import CheckIn, PushSubscription, User
from diary.rules import Checker
from diary.services import claims
from diary.services.days import UNKNOWN, classify_days, rule_of
from diary.services.rows import remove
from diary.services.writes import writes

DEFAULT_AT = time(20, 0)
ENDPOINT_MAX = 2000
KEY_MAX = 100
USER_AGENT_MAX = 200
_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def check_in_of(user: User) -> CheckIn | None:
    return db.session.scalar(select(CheckIn).where(CheckIn.user_id == user.id))


def _yes_or_no(value: Any, label: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(_("%(label)s must be yes or no.", label=label))
    return value


def _clock(value: Any) -> time:
    """Return a time of day given as HH:MM (24-hour)."""
    if isinstance(value, time):
        return value.replace(second=0, microsecond=0)
    match = _CLOCK.match(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(_("Give the time as HH:MM, for example 20:00."))
    return time(int(match[1]), int(match[2]))


@writes
def set_check_in(user: User, *, on: Any, at: Any, by_push: Any, by_email: Any) -> CheckIn:
    """Turn the daily check-in on or off, at a local time, by notification and/or e-mail.

    Turning it on starts from today: no earlier day is ever asked about.
    """
    check = Checker()
    on = check("on", _yes_or_no, on, lazy_gettext("Daily check-in"))
    values = {
        "at": check("at", _clock, at),
        "by_push": check("by_push", _yes_or_no, by_push, lazy_gettext("Notification")),
        "by_email": check("by_email", _yes_or_no, by_email, lazy_gettext("E-mail")),
    }
    if on and not (values["by_push"] or values["by_email"]):
        check.fail("by_push", _("Choose how to be asked: a notification, an e-mail or both."))
    if on and values["by_email"] and not user.email:
        check.fail("by_email", _("Give your e-mail address under Your details first."))
    check.done()
    row = check_in_of(user)
    if row is None:
        row = CheckIn(user_id=user.id)
        db.session.add(row)
    was_on = row.since is not None
    for name, value in values.items():
        setattr(row, name, value)
    if on and not was_on:
        row.since = local_today(user.timezone)
    elif not on:
        row.since = None
    if on and row.by_push:
        push.make_key()
    db.session.flush()
    return row


def _endpoint(value: Any) -> str:
    """Return a push service's URL: https (plain http only where the settings allow it)."""
    url = rules.text(value, "endpoint", ENDPOINT_MAX, required=True)
    parts = urlsplit(url)
    schemes = ("https", "http") if current_app.config["PUSH_ALLOW_HTTP"] else ("https",)
    if parts.scheme not in schemes or not parts.hostname:
        raise ValueError(_("This browser gave no push address the diary can use."))
    return url


def _key(value: Any, label: str) -> str:
    text = rules.text(value, label, KEY_MAX, required=True)
    if not re.fullmatch(r"[A-Za-z0-9_-]+=*", text):
        raise ValueError(_("This browser gave no push keys the diary can use."))
    return text


def user_subscriptions(user: User) -> list[PushSubscription]:
    return list(
        db.session.scalars(
            select(PushSubscription)
            .where(PushSubscription.user_id == user.id)
            .order_by(PushSubscription.created_at, PushSubscription.id)
        )
    )


@writes
def subscribe(
    user: User, *, endpoint: Any, p256dh: Any, auth: Any, user_agent: Any = ""
) -> tuple[PushSubscription, bool]:
    """Keep a device's push subscription; return it and whether this account had it before.

    A browser has one subscription per diary: when another household member subscribes
    on the same device, it becomes theirs, so the device asks only who signed in last.
    """
    check = Checker()
    values = {
        "endpoint": check("endpoint", _endpoint, endpoint),
        "p256dh": check("p256dh", _key, p256dh, "p256dh"),
        "auth": check("auth", _key, auth, "auth"),
        "user_agent": check("user_agent", rules.text, user_agent or "", "", USER_AGENT_MAX),
    }
    check.done()
    row = db.session.scalar(
        select(PushSubscription).where(PushSubscription.endpoint == values["endpoint"])
    )
    if row is None:
        row = PushSubscription(**values, user_id=user.id)
        db.session.add(row)
        new = True
    else:
        new = row.user_id != user.id
        row.user_id = user.id
        for name, value in values.items():
            setattr(row, name, value)
    db.session.flush()
    return row, new


@writes
def unsubscribe(subscription: PushSubscription) -> None:
    """Forget a device's subscription (removed in Settings, or gone at the push service)."""
    remove(subscription)


def empty_days(user: User, first: date, last: date) -> list[date]:
    """Return the days from first to last with no pain entry: no reading, attack or mark."""
    days = classify_days(user, first, last, rule_of(user))
    return [d.day for d in days if d.status == UNKNOWN]


@dataclass
class Ask:
    """An account to ask about its day, not asked yet."""

    check_in: CheckIn
    user: User
    day: date
    # Seconds until the account's day ends: a push service drops the message after.
    seconds_left: int


def due(now: datetime | None = None) -> list[Ask]:
    """Return the accounts to ask now: on, past their time, today empty and not asked yet."""
    now = now or datetime.now(UTC)
    rows = db.session.execute(
        select(CheckIn, User)
        .join(User, User.id == CheckIn.user_id)
        .where(CheckIn.since.is_not(None))
        .order_by(User.username)
    )
    waiting = []
    for check_in, user in rows:
        local = local_now(user.timezone, now)
        since = check_in.since
        if since is None or local.date() < since or local.time() < check_in.at:
            continue
        waiting.append((check_in, user, local.date()))
    asked = claims.claimed([claim_key(user, day) for _, user, day in waiting])
    return [
        Ask(check_in, user, day, until_day_ends(user.timezone, day, now))
        for check_in, user, day in waiting
        if claim_key(user, day) not in asked and empty_days(user, day, day)
    ]


def until_day_ends(zone_name: str, day: date, now: datetime) -> int:
    """Return the whole seconds from now until the day ends in the zone (also on DST days)."""
    midnight = datetime.combine(day + timedelta(days=1), time(), tzinfo=ZoneInfo(zone_name))
    return int((midnight.astimezone(UTC) - now).total_seconds())


def claim_key(user: User, day: date) -> str:
    """Return the claim that makes an account's check-in for a day go out once."""
    return f"check-in:{user.id}:{day.isoformat()}"


@writes
def claim(ask: Ask) -> bool:
    """Claim the account's day, unless a run already did or the check-in was turned off
    meanwhile; return whether this run did.

    The claims table decides, as for reminder e-mails: of runs at the same moment, here or
    on other machines, only one inserts the day's claim.
    """
    # Read again in the claim's own transaction (the row is locked where the database
    # can): Settings may have turned it off since due() read it.
    since = db.session.scalar(
        select(CheckIn.since).where(CheckIn.id == ask.check_in.id).with_for_update()
    )
    if since is None:
        return False
    try:
        claims.claim(claim_key(ask.user, ask.day))
    except claims.ClaimedElsewhere:
        return False
    return True
