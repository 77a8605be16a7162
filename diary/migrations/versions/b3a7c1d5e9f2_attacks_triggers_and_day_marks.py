"""attacks with their features and triggers, the patient's own triggers, marks on whole days

Revision ID: b3a7c1d5e9f2
Revises: a8d4e6f2b1c9
Create Date: 2026-12-07 08:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "b3a7c1d5e9f2"
down_revision = "a8d4e6f2b1c9"
branch_labels = None
depends_on = None

YES_NO = (
    "pulsating",
    "worse_with_activity",
    "nausea",
    "vomiting",
    "light_sensitivity",
    "sound_sensitivity",
)


def upgrade():
    op.create_table(
        "attack",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("started_fold", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("ended_fold", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("peak_pain", sa.Integer(), nullable=True),
        sa.Column("side", sa.String(length=5), nullable=True),
        *(sa.Column(name, sa.Boolean(), nullable=True) for name in YES_NO),
        sa.Column("aura", sa.String(length=40), server_default="", nullable=False),
        sa.Column("aura_minutes", sa.Integer(), nullable=True),
        sa.Column("location", sa.String(length=200), server_default="", nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("client_key", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint(
            "peak_pain IS NULL OR (peak_pain >= 0 AND peak_pain <= 10)",
            name=op.f("ck_attack_peak_pain_range"),
        ),
        sa.CheckConstraint(
            "aura_minutes IS NULL OR aura_minutes >= 0", name=op.f("ck_attack_aura_minutes_range")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_attack_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attack")),
        sa.UniqueConstraint("user_id", "client_key", name="uq_attack_user_id_client_key"),
    )
    with op.batch_alter_table("attack", schema=None) as batch_op:
        batch_op.create_index("ix_attack_user_id_started_at", ["user_id", "started_at"])
        batch_op.create_index(
            "uq_attack_user_id_open",
            ["user_id"],
            unique=True,
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        )
    op.create_table(
        "own_trigger",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("folded", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_own_trigger_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_own_trigger")),
        sa.UniqueConstraint("user_id", "folded", name="uq_own_trigger_user_id_folded"),
    )
    op.create_table(
        "attack_trigger",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("attack_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=True),
        sa.Column("own_trigger_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(code IS NULL) <> (own_trigger_id IS NULL)",
            name=op.f("ck_attack_trigger_code_or_own_trigger"),
        ),
        sa.ForeignKeyConstraint(
            ["attack_id"],
            ["attack.id"],
            name=op.f("fk_attack_trigger_attack_id_attack"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["own_trigger_id"],
            ["own_trigger.id"],
            name=op.f("fk_attack_trigger_own_trigger_id_own_trigger"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attack_trigger")),
        sa.UniqueConstraint("attack_id", "code", name="uq_attack_trigger_attack_id_code"),
        sa.UniqueConstraint(
            "attack_id", "own_trigger_id", name="uq_attack_trigger_attack_id_own_trigger_id"
        ),
    )
    with op.batch_alter_table("attack_trigger", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attack_trigger_attack_id"), ["attack_id"])
        batch_op.create_index(batch_op.f("ix_attack_trigger_own_trigger_id"), ["own_trigger_id"])
    op.create_table(
        "day_mark",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("headache_free", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("period", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_day_mark_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_day_mark")),
        sa.UniqueConstraint("user_id", "day", name="uq_day_mark_user_id_day"),
    )
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("period_tracking", sa.Boolean(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("day_rule", sa.String(length=10), server_default="leiden", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("day_rule")
        batch_op.drop_column("period_tracking")
    op.drop_table("day_mark")
    op.drop_table("attack_trigger")
    op.drop_table("own_trigger")
    op.drop_table("attack")
