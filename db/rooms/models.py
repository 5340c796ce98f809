"""The tables of the 格格屋 rooms: a room and its rules, closures, bookings, and
one row per booked slot — the guard against double bookings."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.base import Base, UTCDateTime
from db.models import User


class BookingStatus(enum.StrEnum):
    PENDING = "pending"  # waits for an admin's approval; its slots are held meanwhile
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"  # by the person, or by a closure
    DECLINED = "declined"  # by an admin, or undecided before its start
    RELEASED = "released"  # not checked in 15 minutes after its start (a no-show)


#: The statuses that hold slots.
LIVE = (BookingStatus.PENDING, BookingStatus.CONFIRMED)


#: Weekdays as stored in ``Room.hours`` (Monday is "0", as ``date.weekday()``).
WEEKDAYS = ("0", "1", "2", "3", "4", "5", "6")


class Room(Base):
    """A shared space and the rules the centre sets for booking it. ``hours`` maps a weekday
    ("0" Monday … "6" Sunday) to ["HH:MM", "HH:MM"] in the community's zone; a missing day is
    closed. ``book_role`` None: everyone may book; else only those who act as that role."""

    __tablename__ = "rooms"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_zh: Mapped[str | None] = mapped_column(String(100))
    name_en: Mapped[str | None] = mapped_column(String(100))
    description_zh: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    rules_zh: Mapped[str | None] = mapped_column(Text)
    rules_en: Mapped[str | None] = mapped_column(Text)
    capacity: Mapped[int] = mapped_column(Integer, default=10)
    hours: Mapped[dict] = mapped_column(JSON, default=dict)
    slot_minutes: Mapped[int] = mapped_column(Integer, default=60)
    book_role: Mapped[str | None] = mapped_column(String(32))
    needs_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    ahead_days: Mapped[int] = mapped_column(Integer, default=28)
    notice_minutes: Mapped[int] = mapped_column(Integer, default=60)
    week_hours: Mapped[int] = mapped_column(Integer, default=6)
    is_open: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Posted at the door: ``/checkin <code>`` checks in one's booking there (None: no code).
    door_code: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RoomClosure(Base):
    """A room closed for a while (a holiday, a repair): its slots cannot be booked."""

    __tablename__ = "room_closures"
    __table_args__ = (Index("ix_room_closures_room_id_starts_at", "room_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Booking(Base):
    """One person's booking of a run of slots in one room (``#B-0042``)."""

    __tablename__ = "room_bookings"
    __table_args__ = (Index("ix_room_bookings_room_id_starts_at", "room_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    purpose: Mapped[str] = mapped_column(String(200))
    people: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(16), default=BookingStatus.CONFIRMED)
    #: A recurring booking's dates share the first date's id; None for a one-off.
    series_id: Mapped[int | None] = mapped_column(Integer, index=True)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The community event this booking holds the room for (its place is the room).
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("events.id", ondelete="SET NULL"), index=True
    )
    #: Why an admin declined it (what they chose), shown to the person.
    reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    room: Mapped[Room] = relationship()
    user: Mapped[User] = relationship()

    @property
    def ref(self) -> str:
        return f"#B-{self.id:04d}"


class BookedSlot(Base):
    """One slot of a live booking. UNIQUE(room, start): of two people pressing the same slot at
    once exactly one insert wins, on SQLite and PostgreSQL alike. Cancelling deletes the rows."""

    __tablename__ = "booked_slots"
    __table_args__ = (UniqueConstraint("room_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    booking_id: Mapped[int] = mapped_column(
        ForeignKey("room_bookings.id", ondelete="CASCADE"), index=True
    )


class BookingPause(Base):
    """Booking paused for a person after three no-shows in 60 days, until ``until`` (an admin
    may lift it: ``lifted_at``)."""

    __tablename__ = "room_booking_pauses"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    until: Mapped[datetime] = mapped_column(UTCDateTime())
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SlotWatch(Base):
    """Someone who asked to be told when a taken slot frees (the waiting list of a slot)."""

    __tablename__ = "room_slot_watches"
    __table_args__ = (UniqueConstraint("room_id", "starts_at", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
