"""the patient's full name and date of birth, both optional, for the doctor's report

Revision ID: d7e2c4a9b1f3
Revises: c4e1d7a9b3f6
Create Date: 2026-12-07 08:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "d7e2c4a9b1f3"
down_revision = "c4e1d7a9b3f6"
branch_labels = None
depends_on = None


def upgrade():
    # NULL: not given; the report then names the patient by the account's name alone.
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("full_name", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("birth_date", sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("birth_date")
        batch_op.drop_column("full_name")
