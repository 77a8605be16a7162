"""entries keep the fold of a repeated hour; every create form carries an idempotency key

Revision ID: c4e8a1b2d3f5
Revises: 04a43e81de61
Create Date: 2026-11-24 19:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c4e8a1b2d3f5"
down_revision = "04a43e81de61"
branch_labels = None
depends_on = None

FOLDED = ("reading", "side_effect_report", "medication_dose")
# Table, and the column a key is unique within.
KEYED = (
    ("treatment", "user_id"),
    ("reminder", "user_id"),
    ("dose_change", "treatment_id"),
    ("treatment_medicine", "treatment_id"),
)


def upgrade():
    for table in FOLDED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("fold", sa.Boolean(), server_default=sa.false(), nullable=False)
            )
    for table, owner in KEYED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("client_key", sa.String(length=64), nullable=True))
            batch_op.create_unique_constraint(
                f"uq_{table}_{owner}_client_key", [owner, "client_key"]
            )


def downgrade():
    for table, owner in KEYED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f"uq_{table}_{owner}_client_key", type_="unique")
            batch_op.drop_column("client_key")
    for table in FOLDED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("fold")
