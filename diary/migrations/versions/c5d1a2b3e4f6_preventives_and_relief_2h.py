"""preventive regimens and their marked doses, the effect of an acute dose at 2 hours

Revision ID: c5d1a2b3e4f6
Revises: e9f4b2c7d1a3
Create Date: 2026-12-07 08:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "c5d1a2b3e4f6"
down_revision = "e9f4b2c7d1a3"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "preventive_regimen",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("dose", sa.String(length=200), nullable=False),
        sa.Column("schedule", sa.String(length=30), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("client_key", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "ended_on IS NULL OR ended_on >= started_on",
            name=op.f("ck_preventive_regimen_ends_after_start"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
            name=op.f("fk_preventive_regimen_user_id_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_preventive_regimen")),
        sa.UniqueConstraint(
            "user_id", "client_key", name="uq_preventive_regimen_user_id_client_key"
        ),
    )
    op.create_index(
        "ix_preventive_regimen_user_id_started_on",
        "preventive_regimen",
        ["user_id", "started_on"],
        unique=False,
    )
    op.create_table(
        "preventive_dose",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("regimen_id", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["regimen_id"],
            ["preventive_regimen.id"],
            name=op.f("fk_preventive_dose_regimen_id_preventive_regimen"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_preventive_dose")),
    )
    op.create_index(
        op.f("ix_preventive_dose_regimen_id"), "preventive_dose", ["regimen_id"], unique=False
    )
    # NULL: not answered, as for every dose logged before the question was asked.
    with op.batch_alter_table("medication_dose", schema=None) as batch_op:
        batch_op.add_column(sa.Column("relief_2h", sa.String(length=10), nullable=True))
    with op.batch_alter_table("share_link", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("preventive_ids", sa.String(length=1000), server_default="", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("share_link", schema=None) as batch_op:
        batch_op.drop_column("preventive_ids")
    with op.batch_alter_table("medication_dose", schema=None) as batch_op:
        batch_op.drop_column("relief_2h")
    op.drop_index(op.f("ix_preventive_dose_regimen_id"), table_name="preventive_dose")
    op.drop_table("preventive_dose")
    op.drop_index("ix_preventive_regimen_user_id_started_on", table_name="preventive_regimen")
    op.drop_table("preventive_regimen")
