"""a treatment's own name (Botox, a lidocaine infusion), optional

Revision ID: a0b1c3e5f7d9
Revises: d7e2c4a9b1f3
Create Date: 2026-12-07 09:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "a0b1c3e5f7d9"
down_revision = "d7e2c4a9b1f3"
branch_labels = None
depends_on = None


def upgrade():
    # "": no name given; the treatment is known by its kind alone, as before.
    with op.batch_alter_table("treatment", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("name", sa.String(length=200), nullable=False, server_default="")
        )


def downgrade():
    with op.batch_alter_table("treatment", schema=None) as batch_op:
        batch_op.drop_column("name")
