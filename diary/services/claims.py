"""Claims on work that must be done once however many processes or machines try at once.

A job run by cron on two machines, or twice by hand, claims each piece of work (one
e-mail of reminders, one check-in) before doing it: the database keeps one row per key,
so of two claims at once one wins and the other learns it lost. The claim commits with
the work's own marks, before anything leaves the machine.
"""

from collections.abc import Callable
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite

from diary.clock import utcnow
from diary.extensions import db
from diary.models import Claim
from diary.services.writes import writes

# Each dialect's INSERT, which has ON CONFLICT DO NOTHING (the generic one has not).
INSERTS: dict[str, Callable[..., Any]] = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


class ClaimedElsewhere(Exception):
    """Another process claimed this work first; it does it."""


@writes
def claim(*keys: str) -> None:
    """Claim every key for this process, or none of them (raise ClaimedElsewhere)."""
    insert = INSERTS[db.session.get_bind().dialect.name]
    for key in keys:
        # A claim someone else holds, even one not committed yet, inserts nothing (once
        # theirs commits: PostgreSQL waits for it, SQLite's write lock is taken at BEGIN).
        statement = (
            insert(Claim)
            .values(key=key, claimed_at=utcnow())
            .on_conflict_do_nothing()
            .returning(Claim.key)  # psycopg gives no row count here: the row says it
        )
        if db.session.execute(statement).scalar() is None:
            raise ClaimedElsewhere(key)


@writes
def release(*keys: str) -> None:
    """Give claims up, so that the next run does that work again (it failed)."""
    db.session.execute(delete(Claim).where(Claim.key.in_(keys)))


def claimed(keys: list[str]) -> set[str]:
    """Return those of the keys that a run has claimed already."""
    return {
        key
        for n in range(0, len(keys), 500)
        for key in db.session.scalars(select(Claim.key).where(Claim.key.in_(keys[n : n + 500])))
    }
