"""The public holidays admins keep on top of chinesecalendar (``linli holidays``).

Revision ID: 0011_kept_days
Revises: 0010_volunteering
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_kept_days"
down_revision: str | None = "0010_volunteering"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "kept_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("holiday", sa.Boolean(), nullable=False),
        sa.Column("note", sa.String(length=80), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_kept_days")),
    )


def downgrade() -> None:
    op.drop_table("kept_days")
