"""Free text goes where a question was asked: what the bot waits for each
person to answer, the messages kept while they say which, and which conversation each relayed
message belongs to (a reply goes there). Open conversations are recorded as awaited answers.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

UTC_DATETIME = sa.DateTime(timezone=True)

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "awaited_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("service", sa.String(length=16), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("since", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_awaited_answers_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_awaited_answers")),
        sa.UniqueConstraint(
            "user_id",
            "service",
            "record_id",
            name=op.f("uq_awaited_answers_user_id_service_record_id"),
        ),
    )
    op.create_index(
        op.f("ix_awaited_answers_record_id"), "awaited_answers", ["record_id"], unique=False
    )
    op.create_table(
        "relayed_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("transport", sa.String(length=16), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("message_ref", sa.String(length=255), nullable=False),
        sa.Column("service", sa.String(length=16), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("sent_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relayed_messages")),
        sa.UniqueConstraint(
            "transport",
            "chat_id",
            "message_ref",
            name=op.f("uq_relayed_messages_transport_chat_id_message_ref"),
        ),
    )
    op.create_index(
        op.f("ix_relayed_messages_sent_at"), "relayed_messages", ["sent_at"], unique=False
    )
    op.create_table(
        "kept_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("file_id", sa.String(length=1024), nullable=True),
        sa.Column("file_name", sa.String(length=255), nullable=True),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_kept_messages_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kept_messages")),
    )
    op.create_index(op.f("ix_kept_messages_user_id"), "kept_messages", ["user_id"], unique=False)
    # The conversations already open wait for their people's words, as they did before.
    op.execute(
        "INSERT INTO awaited_answers (user_id, service, record_id, since) "
        "SELECT resident_id, 'rq', id, created_at FROM help_requests "
        "WHERE status IN ('open', 'in_progress') AND resident_id IS NOT NULL"
    )
    op.execute(
        "INSERT INTO awaited_answers (user_id, service, record_id, since) "
        "SELECT volunteer_id, 'rq', id, COALESCE(claimed_at, created_at) FROM help_requests "
        "WHERE status = 'in_progress' AND volunteer_id IS NOT NULL "
        "AND volunteer_id <> resident_id"  # (one row per person and request)
    )
    op.execute(
        "INSERT INTO awaited_answers (user_id, service, record_id, since) "
        "SELECT c.reporter_id, 'dp', q.id, q.asked_at FROM dispute_questions q "
        "JOIN dispute_cases c ON c.id = q.case_id "
        "WHERE q.answer IS NULL AND c.reporter_id IS NOT NULL "
        "AND c.status IN ('new', 'acknowledged', 'in_progress')"
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_kept_messages_user_id"), table_name="kept_messages")
    op.drop_table("kept_messages")
    op.drop_index(op.f("ix_relayed_messages_sent_at"), table_name="relayed_messages")
    op.drop_table("relayed_messages")
    op.drop_index(op.f("ix_awaited_answers_record_id"), table_name="awaited_answers")
    op.drop_table("awaited_answers")
