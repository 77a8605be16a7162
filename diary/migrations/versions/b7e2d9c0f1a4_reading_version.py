"""readings carry a version, so that a save from a stale page is refused

Revision ID: b7e2d9c0f1a4
Revises: a3f1c2d4e5b6
Create Date: 2026-11-24 17:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b7e2d9c0f1a4"
down_revision = "a3f1c2d4e5b6"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("reading", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))


def downgrade():
    with op.batch_alter_table("reading", schema=None) as batch_op:
        batch_op.drop_column("version")
