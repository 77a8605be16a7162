"""the daily check-in, devices' push subscriptions and the installation's VAPID key

Revision ID: c4e1d7a9b3f6
Revises: c5d1a2b3e4f6
Create Date: 2026-12-07 08:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "c4e1d7a9b3f6"
down_revision = "c5d1a2b3e4f6"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "check_in",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("since", sa.Date(), nullable=True),
        sa.Column("at", sa.Time(), nullable=False),
        sa.Column("by_push", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("by_email", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("asked_for", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_check_in_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_in")),
        sa.UniqueConstraint("user_id", name=op.f("uq_check_in_user_id")),
    )
    op.create_table(
        "push_subscription",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("endpoint", sa.Text(), nullable=False),
        sa.Column("p256dh", sa.String(length=100), nullable=False),
        sa.Column("auth", sa.String(length=50), nullable=False),
        sa.Column("user_agent", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
            name=op.f("fk_push_subscription_user_id_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_push_subscription")),
        sa.UniqueConstraint("endpoint", name=op.f("uq_push_subscription_endpoint")),
    )
    op.create_index(
        op.f("ix_push_subscription_user_id"), "push_subscription", ["user_id"], unique=False
    )
    op.create_table(
        "vapid_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("private_pem", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vapid_key")),
    )


def downgrade():
    op.drop_table("vapid_key")
    op.drop_index(op.f("ix_push_subscription_user_id"), table_name="push_subscription")
    op.drop_table("push_subscription")
    op.drop_table("check_in")
