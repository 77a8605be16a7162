"""each user's data version, new at every write of their rows (what is cached is kept for one)

Revision ID: p1c4d2e8a6b0
Revises: l1c7e2a9d4b6
Create Date: 2026-12-08 11:20:00

"""

import sqlalchemy as sa
from alembic import op

revision = "p1c4d2e8a6b0"
down_revision = "l1c7e2a9d4b6"
branch_labels = None
depends_on = None


def upgrade():
    # "": no write seen yet; the first one gives the user a version of its own.
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("data_version", sa.String(length=16), nullable=False, server_default="")
        )


def downgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("data_version")
