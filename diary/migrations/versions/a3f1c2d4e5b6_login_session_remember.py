"""login sessions remember whether they were kept signed in

Revision ID: a3f1c2d4e5b6
Revises: d2db6e9dcc74
Create Date: 2026-11-24 18:25:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a3f1c2d4e5b6"
down_revision = "d2db6e9dcc74"
branch_labels = None
depends_on = None


def upgrade():
    # Sessions from before were made with "keep me signed in" or not; the longer limit
    # keeps nobody out who asked to stay signed in.
    with op.batch_alter_table("login_session", schema=None) as batch_op:
        batch_op.add_column(sa.Column("remember", sa.Boolean(), server_default="1", nullable=False))


def downgrade():
    with op.batch_alter_table("login_session", schema=None) as batch_op:
        batch_op.drop_column("remember")
