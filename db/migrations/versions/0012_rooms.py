"""The 格格屋 rooms: rooms and their rules, closures, bookings, and one row per
booked slot with UNIQUE(room_id, starts_at), the guard against double bookings.

Revision ID: 0012_rooms
Revises: 0011_kept_days
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

UTC_DATETIME = sa.DateTime(timezone=True)

revision: str = "0012_rooms"
down_revision: str | None = "0011_kept_days"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rooms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name_zh", sa.String(length=100), nullable=True),
        sa.Column("name_en", sa.String(length=100), nullable=True),
        sa.Column("description_zh", sa.Text(), nullable=True),
        sa.Column("description_en", sa.Text(), nullable=True),
        sa.Column("rules_zh", sa.Text(), nullable=True),
        sa.Column("rules_en", sa.Text(), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("hours", sa.JSON(), nullable=False),
        sa.Column("slot_minutes", sa.Integer(), nullable=False),
        sa.Column("book_role", sa.String(length=32), nullable=True),
        sa.Column("needs_approval", sa.Boolean(), nullable=False),
        sa.Column("ahead_days", sa.Integer(), nullable=False),
        sa.Column("notice_minutes", sa.Integer(), nullable=False),
        sa.Column("week_hours", sa.Integer(), nullable=False),
        sa.Column("is_open", sa.Boolean(), nullable=False),
        sa.Column("door_code", sa.String(length=16), nullable=True),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rooms")),
        sa.UniqueConstraint("code", name=op.f("uq_rooms_code")),
    )
    op.create_table(
        "room_closures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", UTC_DATETIME, nullable=False),
        sa.Column("ends_at", UTC_DATETIME, nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["room_id"],
            ["rooms.id"],
            name=op.f("fk_room_closures_room_id_rooms"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_room_closures")),
    )
    op.create_index("ix_room_closures_room_id_starts_at", "room_closures", ["room_id", "starts_at"])
    op.create_table(
        "room_bookings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", UTC_DATETIME, nullable=False),
        sa.Column("ends_at", UTC_DATETIME, nullable=False),
        sa.Column("purpose", sa.String(length=200), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=True),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("checked_in_at", UTC_DATETIME, nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_room_bookings_event_id_events"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["room_id"],
            ["rooms.id"],
            name=op.f("fk_room_bookings_room_id_rooms"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_room_bookings_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_room_bookings")),
    )
    op.create_index("ix_room_bookings_room_id_starts_at", "room_bookings", ["room_id", "starts_at"])
    op.create_index(op.f("ix_room_bookings_user_id"), "room_bookings", ["user_id"])
    op.create_index(op.f("ix_room_bookings_series_id"), "room_bookings", ["series_id"])
    op.create_index(op.f("ix_room_bookings_event_id"), "room_bookings", ["event_id"])
    op.create_table(
        "room_booking_pauses",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("until", UTC_DATETIME, nullable=False),
        sa.Column("lifted_at", UTC_DATETIME, nullable=True),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_room_booking_pauses_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_room_booking_pauses")),
    )
    op.create_table(
        "room_slot_watches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", UTC_DATETIME, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["room_id"],
            ["rooms.id"],
            name=op.f("fk_room_slot_watches_room_id_rooms"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_room_slot_watches_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_room_slot_watches")),
        sa.UniqueConstraint(
            "room_id",
            "starts_at",
            "user_id",
            name=op.f("uq_room_slot_watches_room_id_starts_at_user_id"),
        ),
    )
    op.create_index(op.f("ix_room_slot_watches_user_id"), "room_slot_watches", ["user_id"])
    op.create_table(
        "booked_slots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", UTC_DATETIME, nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["room_bookings.id"],
            name=op.f("fk_booked_slots_booking_id_room_bookings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["room_id"],
            ["rooms.id"],
            name=op.f("fk_booked_slots_room_id_rooms"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booked_slots")),
        sa.UniqueConstraint("room_id", "starts_at", name=op.f("uq_booked_slots_room_id_starts_at")),
    )
    op.create_index(op.f("ix_booked_slots_booking_id"), "booked_slots", ["booking_id"])


def downgrade() -> None:
    op.drop_table("room_slot_watches")
    op.drop_table("room_booking_pauses")
    op.drop_table("booked_slots")
    op.drop_table("room_bookings")
    op.drop_table("room_closures")
    op.drop_table("rooms")
