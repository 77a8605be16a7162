"""API tokens expire

Revision ID: a9c4e7f2b1d3
Revises: f1a7c3d9e2b8
Create Date: 2026-12-01 09:00:00

"""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision = "a9c4e7f2b1d3"
down_revision = "f1a7c3d9e2b8"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(), nullable=True))
    # Tokens made before expiry existed get the default span of a new one, counted from
    # the upgrade: nothing using them stops at once, and Settings shows the date.
    in_a_year = datetime.now(UTC).replace(tzinfo=None) + timedelta(days=365)
    api_token = sa.table("api_token", sa.column("expires_at", sa.DateTime()))
    op.execute(api_token.update().values(expires_at=in_a_year))


def downgrade():
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_column("expires_at")
