"""Dispute reports: cases, their audit log, the other side, meetings, questions.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

UTC_DATETIME = sa.DateTime(timezone=True)

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dispute_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reporter_id", sa.Integer(), nullable=True),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("contact_ok", sa.Boolean(), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("place_text", sa.String(length=200), nullable=True),
        sa.Column("place_key", sa.String(length=200), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("happens", sa.String(length=500), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("photos", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("close_reason", sa.String(length=32), nullable=True),
        sa.Column("mediator_id", sa.Integer(), nullable=True),
        sa.Column("linked_to_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.Column("acknowledged_at", UTC_DATETIME, nullable=True),
        sa.Column("resolved_at", UTC_DATETIME, nullable=True),
        sa.Column("escalated_at", UTC_DATETIME, nullable=True),
        sa.Column("followup", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["linked_to_id"],
            ["dispute_cases.id"],
            name=op.f("fk_dispute_cases_linked_to_id_dispute_cases"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["mediator_id"],
            ["users.id"],
            name=op.f("fk_dispute_cases_mediator_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["reporter_id"],
            ["users.id"],
            name=op.f("fk_dispute_cases_reporter_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispute_cases")),
    )
    op.create_index(
        op.f("ix_dispute_cases_category_place_key"),
        "dispute_cases",
        ["category", "place_key"],
        unique=False,
    )
    op.create_index(
        op.f("ix_dispute_cases_linked_to_id"), "dispute_cases", ["linked_to_id"], unique=False
    )
    op.create_index(
        op.f("ix_dispute_cases_reporter_id"), "dispute_cases", ["reporter_id"], unique=False
    )
    op.create_index(op.f("ix_dispute_cases_status"), "dispute_cases", ["status"], unique=False)

    op.create_table(
        "dispute_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("at", UTC_DATETIME, nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_role", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("audience", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_dispute_events_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["dispute_cases.id"],
            name=op.f("fk_dispute_events_case_id_dispute_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispute_events")),
    )
    op.create_index(op.f("ix_dispute_events_case_id"), "dispute_events", ["case_id"], unique=False)

    op.create_table(
        "dispute_meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", UTC_DATETIME, nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("proposed_by", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["dispute_cases.id"],
            name=op.f("fk_dispute_meetings_case_id_dispute_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["proposed_by"],
            ["users.id"],
            name=op.f("fk_dispute_meetings_proposed_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispute_meetings")),
    )
    op.create_index(
        op.f("ix_dispute_meetings_case_id"), "dispute_meetings", ["case_id"], unique=False
    )

    op.create_table(
        "dispute_parties",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("opened_at", UTC_DATETIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["dispute_cases.id"],
            name=op.f("fk_dispute_parties_case_id_dispute_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_dispute_parties_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_dispute_parties_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispute_parties")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_dispute_parties_token_hash")),
    )
    op.create_index(
        op.f("ix_dispute_parties_case_id"), "dispute_parties", ["case_id"], unique=False
    )
    op.create_index(
        op.f("ix_dispute_parties_user_id"), "dispute_parties", ["user_id"], unique=False
    )

    op.create_table(
        "dispute_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("asked_by", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("asked_at", UTC_DATETIME, nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_at", UTC_DATETIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["asked_by"],
            ["users.id"],
            name=op.f("fk_dispute_questions_asked_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["dispute_cases.id"],
            name=op.f("fk_dispute_questions_case_id_dispute_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispute_questions")),
    )
    op.create_index(
        op.f("ix_dispute_questions_case_id"), "dispute_questions", ["case_id"], unique=False
    )

    op.create_table(
        "dispute_meeting_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("answer", sa.String(length=16), nullable=True),
        sa.Column("answered_at", UTC_DATETIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["dispute_meetings.id"],
            name=op.f("fk_dispute_meeting_answers_meeting_id_dispute_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_dispute_meeting_answers_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispute_meeting_answers")),
        sa.UniqueConstraint(
            "meeting_id", "user_id", name=op.f("uq_dispute_meeting_answers_meeting_id_user_id")
        ),
    )
    op.create_index(
        op.f("ix_dispute_meeting_answers_meeting_id"),
        "dispute_meeting_answers",
        ["meeting_id"],
        unique=False,
    )


def downgrade() -> None:
    for table in (
        "dispute_meeting_answers",
        "dispute_questions",
        "dispute_parties",
        "dispute_meetings",
        "dispute_events",
        "dispute_cases",
    ):
        op.drop_table(table)
