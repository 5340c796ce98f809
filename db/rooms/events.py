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

from db.events.models import Event
from db.rooms import operations as ops
from db.rooms import rules
from db.rooms.models import LIVE, BookedSlot, Booking, BookingStatus, Room


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
    session: Session,
    event: Event,
    *,
    user_id: int,
    now: datetime,
    tz: ZoneInfo,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
) -> ops.Result:
    """Hold the room the event's place names for the event's time (or ``starts_at`` to
    ``ends_at``), booked by ``user_id`` (the one publishing): BOOKED, or why not, with the
    ``room`` — a place that is no room is BOOKED with no room. A room it already holds is moved
    to the new time, or left where it was when the new time cannot be had."""
    room = room_of_place(session, event.place)
    if room is None:
        return ops.Result(ops.Outcome.BOOKED)
    starts_at, ends_at = starts_at or event.starts_at, ends_at or event.ends_at
    held = session.scalars(
        select(Booking).where(Booking.event_id == event.id, Booking.status.in_(LIVE))
    ).first()
    if held is not None and (held.starts_at, held.ends_at) == _span(room, starts_at, ends_at, tz):
        return ops.Result(ops.Outcome.BOOKED, room=room)
    try:
        with session.begin_nested():  # all or nothing: the old hold goes only if the new fits
            if held is not None:
                ops.release(session, held, now=now, tell_watchers=False)
            outcome = _hold(session, room, event, user_id, starts_at, ends_at, now=now, tz=tz)
            if outcome != ops.Outcome.BOOKED:
                raise _NotHeld(outcome)
    except _NotHeld as refused:
        return ops.Result(refused.outcome, room=room)
    except IntegrityError:
        return ops.Result(ops.Outcome.TAKEN, room=room)
    return ops.Result(ops.Outcome.BOOKED, room=room)


class _NotHeld(Exception):
    def __init__(self, outcome: ops.Outcome) -> None:
        super().__init__(outcome)
        self.outcome = outcome


def _slots(room: Room, starts_at: datetime, ends_at: datetime, tz: ZoneInfo) -> list[datetime]:
    """The room's slots covering [starts_at, ends_at), or [] when the room is not open then."""
    step = timedelta(minutes=room.slot_minutes)
    grid = rules.day_slots(room, starts_at.astimezone(tz).date(), tz)
    wanted = [s for s in grid if s < ends_at and s + step > starts_at]
    if not wanted or wanted[0] > starts_at or wanted[-1] + step < ends_at:
        return []
    return wanted


def _span(room: Room, starts_at: datetime, ends_at: datetime, tz: ZoneInfo) -> tuple:
    wanted = _slots(room, starts_at, ends_at, tz)
    step = timedelta(minutes=room.slot_minutes)
    return (wanted[0], wanted[-1] + step) if wanted else (None, None)


def _hold(
    session: Session,
    room: Room,
    event: Event,
    user_id: int,
    starts_at: datetime,
    ends_at: datetime,
    *,
    now: datetime,
    tz: ZoneInfo,
) -> ops.Outcome:
    step = timedelta(minutes=room.slot_minutes)
    wanted = _slots(room, starts_at, ends_at, tz)
    if not wanted:
        return ops.Outcome.OFF_GRID
    first, end = wanted[0], wanted[-1] + step
    if rules.is_closed(rules.closures(session, room.id, first, end), first, end - first):
        return ops.Outcome.CLOSED
    if rules.taken_starts(session, room.id, first, end):
        return ops.Outcome.TAKEN
    booking = Booking(
        room_id=room.id,
        user_id=user_id,
        starts_at=first,
        ends_at=end,
        purpose=(event.title_zh or event.title_en or "")[:200],
        people=min(room.capacity, event.capacity or room.capacity),
        status=BookingStatus.CONFIRMED,
        event_id=event.id,
        created_at=now,
        updated_at=now,
    )
    session.add(booking)
    session.flush()
    session.add_all(
        BookedSlot(room_id=room.id, starts_at=moment, booking_id=booking.id) for moment in wanted
    )
    session.flush()
    return ops.Outcome.BOOKED


def free_for_event(session: Session, event_id: int, *, now: datetime) -> int:
    """The event is cancelled: the room it held is free again (its watchers told)."""
    held = session.scalars(
        select(Booking).where(Booking.event_id == event_id, Booking.status.in_(LIVE))
    ).all()
    for booking in held:
        ops.release(session, booking, now=now)
    return len(held)
