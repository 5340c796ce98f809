"""Team rooms (the volunteers' and mediators' group chats) and cards edited in place.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "team_chats",
        sa.Column("team", sa.String(length=32), nullable=False),
        sa.Column("transport", sa.String(length=16), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("locale", sa.String(length=16), nullable=True),
        sa.Column("bound_by", sa.String(length=64), nullable=False),
        sa.Column("bound_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("team", name=op.f("pk_team_chats")),
    )
    op.create_table(
        "sent_cards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("transport", sa.String(length=16), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("card_key", sa.String(length=64), nullable=False),
        sa.Column("message_ref", sa.String(length=64), nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sent_cards")),
        sa.UniqueConstraint(
            "transport",
            "chat_id",
            "card_key",
            name=op.f("uq_sent_cards_transport_chat_id_card_key"),
        ),
    )
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("card_key", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("card_key")
    op.drop_table("sent_cards")
    op.drop_table("team_chats")
