"""Rooms and people's data: what ``/mydata`` exports of their bookings, what ``/deleteme``
does to them, and how long a booking's purpose is kept (``docs/privacy.md``)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from db.models import User
from db.rooms import operations as ops
from db.rooms.models import LIVE, Booking, BookingPause, Room, SlotWatch

#: A booking's purpose is blanked this long after it ended (the rest stays for the counts).
KEEP_PURPOSE = timedelta(days=90)
ERASED = ""


def export(session: Session, user: User) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Booking, Room)
        .join(Room, Room.id == Booking.room_id)
        .where(Booking.user_id == user.id)
        .order_by(Booking.id)
    ).all()
    return [
        {
            "reference": booking.ref,
            "room": room.name_zh or room.name_en,
            "room_en": room.name_en,
            "starts_at": booking.starts_at.isoformat(),
            "ends_at": booking.ends_at.isoformat(),
            "purpose": booking.purpose,
            "people": booking.people,
            "status": booking.status,
            "checked_in_at": booking.checked_in_at.isoformat() if booking.checked_in_at else None,
            "booked_at": booking.created_at.isoformat(),
        }
        for booking, room in rows
    ]


def count(session: Session, user: User) -> int:
    return len(session.scalars(select(Booking.id).where(Booking.user_id == user.id)).all())


def erase(session: Session, user: User, *, now: datetime) -> int:
    """Their bookings to come are cancelled (the slots freed, watchers told); every booking's
    purpose is blanked; their watches and pause go. Returns how many were cancelled."""
    live = session.scalars(
        select(Booking).where(
            Booking.user_id == user.id, Booking.status.in_(LIVE), Booking.ends_at > now
        )
    ).all()
    for booking in live:
        ops.release(session, booking, now=now)
    session.execute(update(Booking).where(Booking.user_id == user.id).values(purpose=ERASED))
    session.execute(delete(SlotWatch).where(SlotWatch.user_id == user.id))
    session.execute(delete(BookingPause).where(BookingPause.user_id == user.id))
    return len(live)


def scrub_old(session: Session, *, now: datetime) -> int:
    """Blank the purpose of bookings that ended more than ``KEEP_PURPOSE`` ago."""
    result = session.execute(
        update(Booking)
        .where(Booking.ends_at < now - KEEP_PURPOSE, Booking.purpose != ERASED)
        .values(purpose=ERASED)
    )
    return result.rowcount or 0
