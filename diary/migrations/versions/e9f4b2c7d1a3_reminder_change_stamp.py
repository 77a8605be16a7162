"""reminders keep when their calendar event last changed and how often

Revision ID: e9f4b2c7d1a3
Revises: f2c8b4d1e6a3
Create Date: 2026-12-07 08:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "e9f4b2c7d1a3"
down_revision = "f2c8b4d1e6a3"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("reminder", schema=None) as batch_op:
        batch_op.add_column(sa.Column("changed_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("sequence", sa.Integer(), server_default="0", nullable=False))
    # Not known before now: the event is taken as unchanged since it was made.
    op.execute("UPDATE reminder SET changed_at = created_at")
    with op.batch_alter_table("reminder", schema=None) as batch_op:
        batch_op.alter_column("changed_at", existing_type=sa.DateTime(), nullable=False)


def downgrade():
    with op.batch_alter_table("reminder", schema=None) as batch_op:
        batch_op.drop_column("sequence")
        batch_op.drop_column("changed_at")
