"""claims on once-only work, and indexes for reads that grew with history or accounts

Revision ID: f2c8b4d1e6a3
Revises: b3a7c1d5e9f2
Create Date: 2026-12-07 08:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "f2c8b4d1e6a3"
down_revision = "b3a7c1d5e9f2"
branch_labels = None
depends_on = None

# On PostgreSQL the per-user indexes also carry the columns the largest reads take (the
# report's and daily.csv's pain, the overuse counts' and recent medicines' names), so that
# those reads never visit the table's pages, which 1,000 patients' rows spread far apart.
# SQLite has no INCLUDE: its indexes stay as they are.
COVERING = {
    ("reading", "ix_reading_user_id_recorded_at", ("user_id", "recorded_at")): ["pain"],
    ("medication_dose", "ix_medication_dose_user_id_taken_at", ("user_id", "taken_at")): [
        "med_class",
        "name",
        "dose",
    ],
}


def _recreate(include: bool) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for (table, name, columns), extra in COVERING.items():
        op.drop_index(name, table_name=table)
        op.create_index(name, table, list(columns), postgresql_include=extra if include else [])


def upgrade():
    op.create_table(
        "claim",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("claimed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_claim")),
    )
    # Home's PGIC check looks answers up by treatment: without it, every account's answers.
    with op.batch_alter_table("questionnaire_answer", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_questionnaire_answer_treatment_id"), ["treatment_id"], unique=False
        )
    _recreate(include=True)


def downgrade():
    _recreate(include=False)
    with op.batch_alter_table("questionnaire_answer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_questionnaire_answer_treatment_id"))
    op.drop_table("claim")
