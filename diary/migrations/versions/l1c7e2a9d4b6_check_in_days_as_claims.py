"""the daily check-in claims each day in the claims table, as reminder e-mails do

Revision ID: l1c7e2a9d4b6
Revises: a0b1c3e5f7d9
Create Date: 2026-12-08 10:00:00

"""

from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op

revision = "l1c7e2a9d4b6"
down_revision = "a0b1c3e5f7d9"
branch_labels = None
depends_on = None

PREFIX = "check-in:"
check_in = sa.table("check_in", sa.column("user_id", sa.Integer), sa.column("asked_for", sa.Date))
claim = sa.table("claim", sa.column("key", sa.String), sa.column("claimed_at", sa.DateTime))


def upgrade():
    # The day each account was last asked about becomes its claim: not asked again today.
    connection = op.get_bind()
    asked = connection.execute(
        sa.select(check_in.c.user_id, check_in.c.asked_for).where(check_in.c.asked_for.is_not(None))
    ).all()
    now = datetime.now(UTC).replace(tzinfo=None)
    for user_id, day in asked:
        key = f"{PREFIX}{user_id}:{day.isoformat()}"
        connection.execute(claim.insert().values(key=key, claimed_at=now))
    with op.batch_alter_table("check_in", schema=None) as batch_op:
        batch_op.drop_column("asked_for")


def downgrade():
    with op.batch_alter_table("check_in", schema=None) as batch_op:
        batch_op.add_column(sa.Column("asked_for", sa.Date(), nullable=True))
    connection = op.get_bind()
    latest: dict[int, date] = {}
    for (key,) in connection.execute(sa.select(claim.c.key).where(claim.c.key.like(f"{PREFIX}%"))):
        user_id, day = key.removeprefix(PREFIX).split(":")
        asked = date.fromisoformat(day)
        latest[int(user_id)] = max(asked, latest.get(int(user_id), asked))
    for user_id, day in latest.items():
        connection.execute(
            check_in.update().where(check_in.c.user_id == user_id).values(asked_for=day)
        )
    connection.execute(claim.delete().where(claim.c.key.like(f"{PREFIX}%")))
