"""Share links: a read-only report for one range and chosen treatments, for a limited time.

The link carries 256 random bits; the database keeps only their SHA-256. An unknown,
revoked or expired link is the same None to every caller (and the same 404 to a visitor).
"""

from collections.abc import Sequence
from datetime import UTC, date, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy import select, update

from diary import rules
from diary.clock import local_today, utcnow
from diary.extensions import db
from diary.i18n import decimal as format_number
from diary.models import PreventiveRegimen, ShareLink, Treatment, User
from diary.rules import MAX_RANGE_DAYS, Checker
from diary.services.secret_tokens import digest, new_secret
from diary.services.writes import writes

DAYS_MIN, DAYS_MAX, DAYS_DEFAULT = 1, 90, 30


def checked_share(
    user: User,
    *,
    first_day: Any,
    last_day: Any,
    treatment_ids: Any,
    preventive_ids: Any = (),
    days: Any = DAYS_DEFAULT,
) -> dict[str, Any]:
    """Check what a link will show and how long it lives; raise EntryError naming each problem."""
    check = Checker()
    first, last = _checked_range(check, user, first_day, last_day)
    lives = check(
        "days", rules.whole, days, lazy_gettext("Days the link works"), DAYS_MIN, DAYS_MAX
    )
    ids = _own(
        check,
        user,
        Treatment,
        "treatment_ids",
        treatment_ids,
        (
            lazy_gettext("Treatment"),
            lazy_gettext("Treatments must be a list of treatment numbers."),
            lazy_gettext("That treatment is not in your diary."),
        ),
    )
    named = _own(
        check,
        user,
        PreventiveRegimen,
        "preventive_ids",
        preventive_ids,
        (
            lazy_gettext("Preventive"),
            lazy_gettext("Preventives must be a list of preventive numbers."),
            lazy_gettext("That preventive is not in your diary."),
        ),
    )
    check.done()
    return {
        "user_id": user.id,
        "first_day": first,
        "last_day": last,
        "treatment_ids": ",".join(str(n) for n in ids),
        "preventive_ids": ",".join(str(n) for n in named),
        "expires_at": utcnow() + timedelta(days=lives),
    }


def _checked_range(check: Checker, user: User, first_day: Any, last_day: Any) -> tuple:
    """Return the days a link shows: both real, in order, and at most MAX_RANGE_DAYS apart."""
    today = local_today(user.timezone)
    first = check("first_day", rules.day, first_day, lazy_gettext("From"), today)
    last = check("last_day", rules.day, last_day, lazy_gettext("To"), today)
    if first and last and first > last:
        check.fail("last_day", _("The range ends before it starts."))
    elif first and last and (last - first).days >= MAX_RANGE_DAYS:
        check.fail(
            "first_day",
            _("A shared report covers at most %(days)s days.", days=format_number(MAX_RANGE_DAYS)),
        )
    return first, last


def _own(check: Checker, user: User, model, field: str, values: Any, words: tuple) -> list[int]:
    """Return the chosen rows' ids, each one the user's own; words are the one's label,
    the message for a value that is no list, and the one for another's (or no) row."""
    label, not_a_list, not_yours = words
    if not isinstance(values, list | tuple):
        check.fail(field, str(not_a_list))
        return []
    ids = []
    for value in values:
        number = check(field, rules.whole, value, label, 1, 2**31 - 1)
        if number is not None:
            ids.append(number)
    owned = set(
        db.session.scalars(select(model.id).where(model.user_id == user.id, model.id.in_(ids)))
    )
    if set(ids) - owned:
        check.fail(field, str(not_yours))
    return sorted(owned)


@writes
def create_share(user: User, **fields: Any) -> tuple[ShareLink, str]:
    """Make a link; return its row and the token, which is never stored."""
    token = new_secret()
    share = ShareLink(token_hash=digest(token), **checked_share(user, **fields))
    db.session.add(share)
    db.session.flush()
    return share, token


@writes
def revoke_share(share: ShareLink) -> None:
    """End a link at once; it stays in the list, marked revoked."""
    if share.revoked_at is None:
        share.revoked_at = utcnow()
        db.session.flush()


def user_shares(user: User) -> Sequence[ShareLink]:
    return db.session.scalars(
        select(ShareLink).where(ShareLink.user_id == user.id).order_by(ShareLink.created_at.desc())
    ).all()


def owned_share(user: User, share_id: int) -> ShareLink | None:
    return db.session.scalar(
        select(ShareLink).where(ShareLink.id == share_id, ShareLink.user_id == user.id)
    )


def is_live(share: ShareLink) -> bool:
    return share.revoked_at is None and utcnow() < share.expires_at


def live_share(token: str) -> ShareLink | None:
    """Return the live link a token opens, or None (unknown, revoked and expired alike)."""
    share = db.session.scalar(select(ShareLink).where(ShareLink.token_hash == digest(token)))
    return share if share is not None and is_live(share) else None


@writes
def note_view(share: ShareLink) -> None:
    """Count one opening of a link (in one statement: two doctors at once both count)."""
    db.session.execute(
        update(ShareLink)
        .where(ShareLink.id == share.id)
        .values(views=ShareLink.views + 1, last_viewed_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def expires_on(share: ShareLink, user: User) -> date:
    """Return the day, in the patient's zone, on which the link stops opening."""
    return local_today(user.timezone, share.expires_at.replace(tzinfo=UTC))


def checked_restored_share(
    user: User,
    *,
    first_day: Any,
    last_day: Any,
    created_at: Any,
    views: Any = 0,
    last_viewed_at: Any = None,
) -> dict[str, Any]:
    """Check a link from a backup and return its columns, revoked; raise EntryError."""
    check = Checker()
    first, last = _checked_range(check, user, first_day, last_day)
    created = check("created_at", rules.stamp, created_at)
    count = check("views", rules.whole, views, lazy_gettext("Views"), 0, 2**31 - 1)
    viewed = (
        check("last_viewed_at", rules.stamp, last_viewed_at, lazy_gettext("Last viewed at"))
        if last_viewed_at is not None
        else None
    )
    check.done()
    return {
        "user_id": user.id,
        "first_day": first,
        "last_day": last,
        "treatment_ids": "",
        "preventive_ids": "",
        "created_at": created,
        "expires_at": created,
        "revoked_at": utcnow(),
        "views": count,
        "last_viewed_at": viewed,
    }


@writes
def restore_share(user: User, **fields: Any) -> ShareLink:
    """Keep a link from a backup as a record only: revoked, its token known to no one.

    A restored backup never revives a live link.
    """
    share = ShareLink(token_hash=digest(new_secret()), **checked_restored_share(user, **fields))
    db.session.add(share)
    db.session.flush()
    return share
