"""Matrix as a closed community: a team room is held (nothing posted there) while someone who
holds no role sits in it; names that are only a Matrix id are forgotten (a person without a
display name is named with a neutral word, never by their account).

Revision ID: 0013_matrix_safety
Revises: 0012_rooms
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

UTC_DATETIME = sa.DateTime(timezone=True)

revision: str = "0013_matrix_safety"
down_revision: str | None = "0012_rooms"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("team_chats") as batch:
        batch.add_column(sa.Column("held_since", UTC_DATETIME, nullable=True))
    users = sa.table(
        "users",
        sa.column("transport", sa.String),
        sa.column("external_id", sa.String),
        sa.column("display_name", sa.String),
    )
    # A name that is the account itself (Synapse's default is the localpart), or holds an MXID.
    op.execute(
        users.update()
        .where(
            users.c.transport == "matrix",
            sa.or_(
                users.c.display_name == users.c.external_id,
                users.c.display_name.like("%@%:%"),
                sa.literal("@") + users.c.display_name + sa.literal(":")
                == sa.func.substr(users.c.external_id, 1, sa.func.length(users.c.display_name) + 2),
            ),
        )
        .values(display_name="")
    )


def downgrade() -> None:
    with op.batch_alter_table("team_chats") as batch:
        batch.drop_column("held_since")
