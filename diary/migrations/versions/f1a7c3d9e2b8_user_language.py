"""the language the diary speaks to each user

Revision ID: f1a7c3d9e2b8
Revises: e5f1a2b3c4d6
Create Date: 2026-11-25 01:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "f1a7c3d9e2b8"
down_revision = "e5f1a2b3c4d6"
branch_labels = None
depends_on = None


def upgrade():
    # NULL: follow the browser's Accept-Language.
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=5), nullable=True))


def downgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("language")
