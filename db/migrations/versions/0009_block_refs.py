"""Blocks are kept against the reference an admin named (a person's ``telegram:12345``, or a
report's ``#D-0042`` / a request's ``#R-0042``), not against the person found behind it: so
the answer to ``/block`` can never tell who filed an anonymous report. Existing blocks become
blocks of the person's own reference.

Revision ID: 0009_block_refs
Revises: 0008
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

UTC_DATETIME = sa.DateTime(timezone=True)

revision: str = "0009_block_refs"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "blocks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("blocked_by", sa.String(length=80), nullable=False),
        sa.Column("blocked_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blocks")),
        sa.UniqueConstraint("subject", name=op.f("uq_blocks_subject")),
    )
    op.create_index(op.f("ix_blocks_case_id"), "blocks", ["case_id"], unique=False)
    op.create_index(op.f("ix_blocks_request_id"), "blocks", ["request_id"], unique=False)
    op.execute(
        "INSERT INTO blocks (subject, reason, blocked_by, blocked_at) "
        "SELECT u.transport || ':' || u.external_id, b.reason, b.blocked_by, b.blocked_at "
        "FROM user_blocks b JOIN users u ON u.id = b.user_id"
    )
    op.drop_table("user_blocks")


def downgrade() -> None:
    op.create_table(
        "user_blocks",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("blocked_by", sa.String(length=80), nullable=False),
        sa.Column("blocked_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_blocks_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_user_blocks")),
    )
    # Only blocks of a person's own reference go back; blocks by a report or request are lost.
    op.execute(
        "INSERT INTO user_blocks (user_id, reason, blocked_by, blocked_at) "
        "SELECT u.id, b.reason, b.blocked_by, b.blocked_at "
        "FROM blocks b JOIN users u ON u.transport || ':' || u.external_id = b.subject"
    )
    op.drop_index(op.f("ix_blocks_request_id"), table_name="blocks")
    op.drop_index(op.f("ix_blocks_case_id"), table_name="blocks")
    op.drop_table("blocks")
