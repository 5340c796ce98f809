"""An event whose place is a room: publishing it books the room for the event's time, with the
same guard as every booking (one row per slot, UNIQUE(room, start)); cancelling the event frees
the room. The organiser books as staff: no least notice, weekly hours or how far ahead, but the
opening hours, closures and other bookings hold."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db import room_rules as rules
from db import rooms as ops
from db.event_models import Event
from db.room_models import LIVE, BookedSlot, Booking, BookingStatus, Room


def room_of_place(session: Session, place: str) -> Room | None:
    """The open room an event's place names (its code, or its name in either language)."""
    wanted = place.strip().casefold()
    if not wanted:
        return None
    return session.scalars(
        select(Room).where(
            Room.is_open.is_(True),
            or_(
                func.lower(Room.code) == wanted,
                func.lower(Room.name_zh) == wanted,
                func.lower(Room.name_en) == wanted,
            ),
        )
    ).first()


def book_for_event(
    session: Session, event: Event, *, user_id: int, now: datetime, tz: ZoneInfo
) -> tuple[ops.Outcome, Room | None]:
    """Hold the room the event's place names for the event's time, booked by ``user_id`` (the
    one publishing: BOOKED, or why not); a place that is no room is (BOOKED, None)."""
    room = room_of_place(session, event.place)
    if room is None:
        return ops.Outcome.BOOKED, None
    held = session.scalars(
        select(Booking).where(Booking.event_id == event.id, Booking.status.in_(LIVE))
    ).first()
    if held is not None:
        return ops.Outcome.BOOKED, room
    step = timedelta(minutes=room.slot_minutes)
    grid = rules.day_slots(room, event.starts_at.astimezone(tz).date(), tz)
    wanted = [s for s in grid if s < event.ends_at and s + step > event.starts_at]
    if not wanted or wanted[0] > event.starts_at or wanted[-1] + step < event.ends_at:
        return ops.Outcome.OFF_GRID, room
    if rules.is_closed(
        rules.closures(session, room.id, wanted[0], wanted[-1] + step),
        wanted[0],
        step * len(wanted),
    ):
        return ops.Outcome.CLOSED, room
    if rules.taken_starts(session, room.id, wanted[0], wanted[-1] + step):
        return ops.Outcome.TAKEN, room
    booking = Booking(
        room_id=room.id,
        user_id=user_id,
        starts_at=wanted[0],
        ends_at=wanted[-1] + step,
        purpose=(event.title_zh or event.title_en or "")[:200],
        people=min(room.capacity, event.capacity or room.capacity),
        status=BookingStatus.CONFIRMED,
        event_id=event.id,
        created_at=now,
        updated_at=now,
    )
    try:
        with session.begin_nested():
            session.add(booking)
            session.flush()
            session.add_all(
                BookedSlot(room_id=room.id, starts_at=moment, booking_id=booking.id)
                for moment in wanted
            )
            session.flush()
    except IntegrityError:
        return ops.Outcome.TAKEN, room
    return ops.Outcome.BOOKED, room


def free_for_event(session: Session, event_id: int, *, now: datetime) -> int:
    """The event is cancelled: the room it held is free again (its watchers told)."""
    held = session.scalars(
        select(Booking).where(Booking.event_id == event_id, Booking.status.in_(LIVE))
    ).all()
    for booking in held:
        ops.release(session, booking, now=now)
    return len(held)
