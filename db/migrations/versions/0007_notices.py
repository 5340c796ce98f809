"""Community notices: buildings, subscriptions (consent with its time), notices, unreachable
people, and an index on the outbox's card key (a notice's deliveries are found by it).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

UTC_DATETIME = sa.DateTime(timezone=True)

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "buildings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_buildings")),
        sa.UniqueConstraint("name", name=op.f("uq_buildings_name")),
    )
    op.create_table(
        "notice_subscribers",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=True),
        sa.Column("asked_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["building_id"],
            ["buildings.id"],
            name=op.f("fk_notice_subscribers_building_id_buildings"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notice_subscribers_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_notice_subscribers")),
    )
    op.create_index(
        op.f("ix_notice_subscribers_building_id"),
        "notice_subscribers",
        ["building_id"],
        unique=False,
    )
    op.create_table(
        "notice_consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=16), nullable=False),
        sa.Column("given_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notice_consents_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_consents")),
        sa.UniqueConstraint("user_id", "topic", name=op.f("uq_notice_consents_user_id_topic")),
    )
    op.create_index(
        "ix_notice_consents_topic_user_id", "notice_consents", ["topic", "user_id"], unique=False
    )
    op.create_table(
        "unreachable_users",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("since", UTC_DATETIME, nullable=False),
        sa.Column("error", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_unreachable_users_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_unreachable_users")),
    )
    op.create_table(
        "notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("submission", sa.String(length=32), nullable=False),
        sa.Column("text_zh", sa.Text(), nullable=True),
        sa.Column("text_en", sa.Text(), nullable=True),
        sa.Column("attachment", sa.JSON(), nullable=True),
        sa.Column("topic", sa.String(length=16), nullable=False),
        sa.Column("building_ids", sa.JSON(), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requested_at", UTC_DATETIME, nullable=False),
        sa.Column("due_at", UTC_DATETIME, nullable=False),
        sa.Column("cursor", sa.Integer(), nullable=False),
        sa.Column("queued_all", sa.Boolean(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("fix_cursor", sa.Integer(), nullable=False),
        sa.Column("fixed_version", sa.Integer(), nullable=False),
        sa.Column("progress_shown", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("started_at", UTC_DATETIME, nullable=True),
        sa.Column("finished_at", UTC_DATETIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_notices_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notices")),
        sa.UniqueConstraint(
            "author_id", "submission", name=op.f("uq_notices_author_id_submission")
        ),
    )
    op.create_index("ix_notices_status_due_at", "notices", ["status", "due_at"], unique=False)
    op.create_index("ix_outbox_card_key", "outbox", ["card_key"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_outbox_card_key", table_name="outbox")
    op.drop_index("ix_notices_status_due_at", table_name="notices")
    op.drop_table("notices")
    op.drop_table("unreachable_users")
    op.drop_index("ix_notice_consents_topic_user_id", table_name="notice_consents")
    op.drop_table("notice_consents")
    op.drop_index(op.f("ix_notice_subscribers_building_id"), table_name="notice_subscribers")
    op.drop_table("notice_subscribers")
    op.drop_table("buildings")
