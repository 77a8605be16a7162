"""the language each questionnaire answer was given in

Revision ID: a8d4e6f2b1c9
Revises: a9c4e7f2b1d3
Create Date: 2026-11-27 10:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "a8d4e6f2b1c9"
down_revision = "a9c4e7f2b1d3"
branch_labels = None
depends_on = None


def upgrade():
    # NULL: not known, as for every answer given before the language was kept.
    with op.batch_alter_table("questionnaire_answer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=5), nullable=True))


def downgrade():
    with op.batch_alter_table("questionnaire_answer", schema=None) as batch_op:
        batch_op.drop_column("language")
