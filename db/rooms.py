"""Rooms: the rules, the slot grid, and the operations that must hold under concurrency.

A booking holds one ``booked_slots`` row per slot, UNIQUE(room_id, starts_at): two people
pressing the same slot at once → exactly one insert wins, on SQLite and PostgreSQL; the loser's
insert fails inside a savepoint and becomes ``Outcome.TAKEN``. A person's weekly hours are
counted under a lock on their user row (``db.locks.lock_row``), so two bookings of theirs at
once cannot both pass the limit. No commits here: the caller owns the transaction.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db import outbox
from db import room_rules as rules
from db.locks import lock_row
from db.models import OutboxMessage, OutboxStatus, User
from db.room_messages import BookingReminder, RoomClosed, WatchedFreed
from db.room_models import (
    LIVE,
    BookedSlot,
    Booking,
    BookingPause,
    BookingStatus,
    Room,
    RoomClosure,
    SlotWatch,
)

#: The reminder before a booking starts.
REMIND_BEFORE = timedelta(hours=1)


class Outcome(enum.StrEnum):
    BOOKED = "booked"
    TAKEN = "taken"  # a slot of the run is someone else's (or was, a moment ago)
    CLOSED = "closed"  # the room, or a closure over the run
    OFF_GRID = "off_grid"  # not a slot of this room at that time
    TOO_SOON = "too_soon"  # within the least notice (or past)
    TOO_FAR = "too_far"  # beyond how far ahead one may book
    OVER_LIMIT = "over_limit"  # the person's weekly hours in this room
    TOO_MANY = "too_many"  # more people than fit
    CANCELLED = "cancelled"
    ALREADY = "already"  # cancelled before
    NOT_YOURS = "not_yours"
    PAUSED = "paused"  # booking paused after no-shows


@dataclass(frozen=True, slots=True)
class Result:
    outcome: Outcome
    booking: Booking | None = None
    hours_left: float = 0.0
    until: datetime | None = None  # PAUSED: until when


def hours_booked(session: Session, room_id: int, user_id: int, start: datetime) -> float:
    """Hours this person holds in this room in the week that begins at ``start``."""
    minutes = session.scalars(
        select(Booking).where(
            Booking.room_id == room_id,
            Booking.user_id == user_id,
            Booking.status.in_(LIVE),
            Booking.starts_at >= start,
            Booking.starts_at < start + timedelta(days=7),
        )
    ).all()
    return sum((b.ends_at - b.starts_at).total_seconds() for b in minutes) / 3600


def book(
    session: Session,
    room: Room,
    user: User,
    *,
    starts_at: datetime,
    slots: int,
    purpose: str,
    people: int,
    now: datetime,
    tz: ZoneInfo,
    series_id: int | None = None,
) -> Result:
    """Book ``slots`` consecutive slots of ``room`` from ``starts_at`` for ``user`` (pending
    an admin's approval where the room needs it; the slots are held meanwhile)."""
    step = timedelta(minutes=room.slot_minutes)
    length = step * slots
    if not room.is_open:
        return Result(Outcome.CLOSED)
    grid = rules.day_slots(room, starts_at.astimezone(tz).date(), tz)
    wanted = [starts_at + step * index for index in range(slots)]
    if slots < 1 or any(moment not in grid for moment in wanted):
        return Result(Outcome.OFF_GRID)
    if people < 1 or people > room.capacity:
        return Result(Outcome.TOO_MANY)
    if starts_at < now + timedelta(minutes=room.notice_minutes):
        return Result(Outcome.TOO_SOON)
    if starts_at > now + timedelta(days=room.ahead_days):
        return Result(Outcome.TOO_FAR)
    if rules.is_closed(
        rules.closures(session, room.id, starts_at, starts_at + length), starts_at, length
    ):
        return Result(Outcome.CLOSED)
    lock_row(session, User, user.id)  # their weekly hours: one booking of theirs at a time
    pause = paused_until(session, user, now=now)
    if pause is not None:
        return Result(Outcome.PAUSED, until=pause)
    held = hours_booked(session, room.id, user.id, rules.week_start(starts_at, tz))
    if held + length.total_seconds() / 3600 > room.week_hours:
        return Result(Outcome.OVER_LIMIT, hours_left=max(0.0, room.week_hours - held))
    if rules.taken_starts(session, room.id, starts_at, starts_at + length):
        return Result(Outcome.TAKEN)
    booking = Booking(
        room_id=room.id,
        user_id=user.id,
        starts_at=starts_at,
        ends_at=starts_at + length,
        purpose=purpose,
        people=people,
        status=BookingStatus.PENDING if room.needs_approval else BookingStatus.CONFIRMED,
        series_id=series_id,
        created_at=now,
        updated_at=now,
    )
    try:
        with session.begin_nested():  # a racing insert of the same slot fails here, not at commit
            session.add(booking)
            session.flush()
            session.add_all(
                BookedSlot(room_id=room.id, starts_at=moment, booking_id=booking.id)
                for moment in wanted
            )
            session.flush()
    except IntegrityError:
        return Result(Outcome.TAKEN)
    if booking.status == BookingStatus.CONFIRMED:
        remind(session, booking, user, now=now)
    return Result(Outcome.BOOKED, booking)


def remind(session: Session, booking: Booking, user: User, *, now: datetime) -> None:
    """Queue the reminder before a confirmed booking (once: its de-duplication key)."""
    due = booking.starts_at - REMIND_BEFORE
    if due > now:
        outbox.enqueue_to_user(
            session,
            user,
            params=BookingReminder.about(
                booking, session.get(Room, booking.room_id) or booking.room
            ),
            now=now,
            due_at=due,
            dedup_key=reminder_key(booking.id),
        )


def paused_until(session: Session, user: User, *, now: datetime) -> datetime | None:
    """Until when this person's booking is paused (three no-shows), or None."""
    pause = session.get(BookingPause, user.id)
    if pause is None or pause.lifted_at is not None or pause.until <= now:
        return None
    return pause.until


def reminder_key(booking_id: int) -> str:
    return f"rm:remind:{booking_id}"


def release(
    session: Session,
    booking: Booking,
    *,
    now: datetime,
    status: BookingStatus = BookingStatus.CANCELLED,
    tell_watchers: bool = True,
) -> None:
    """The booking ends: its slots are free again, its reminder goes, and whoever asked to be
    told about one of its slots still to come is told (once; their watch is used up)."""
    booking.status = status
    booking.updated_at = now
    freed = session.scalars(
        select(BookedSlot.starts_at).where(BookedSlot.booking_id == booking.id)
    ).all()
    session.execute(delete(BookedSlot).where(BookedSlot.booking_id == booking.id))
    if tell_watchers:
        _tell_watchers(session, booking, [moment for moment in freed if moment > now], now=now)
    session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.dedup_key == reminder_key(booking.id),
            OutboxMessage.status == OutboxStatus.PENDING,
        )
    )


def cancel(session: Session, booking_id: int, user: User, *, now: datetime) -> Result:
    """The person cancels their booking; its slots are free at once."""
    booking = lock_row(session, Booking, booking_id)
    if booking is None or booking.user_id != user.id:
        return Result(Outcome.NOT_YOURS)
    if booking.status not in LIVE:
        return Result(Outcome.ALREADY, booking)
    release(session, booking, now=now)
    return Result(Outcome.CANCELLED, booking)


def close(
    session: Session,
    room: Room,
    *,
    now: datetime,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    reason: str | None = None,
) -> list[Booking]:
    """Close the room (for good, or from ``starts_at`` to ``ends_at``): the bookings it
    covers are cancelled and their people told (outbox, this transaction)."""
    lock_row(session, Room, room.id)
    query = select(Booking).where(
        Booking.room_id == room.id,
        Booking.status.in_(LIVE),
        Booking.ends_at > (starts_at or now),
    )
    if starts_at is not None and ends_at is not None:
        session.add(
            RoomClosure(
                room_id=room.id, starts_at=starts_at, ends_at=ends_at, reason=reason, created_at=now
            )
        )
        query = query.where(Booking.starts_at < ends_at)
    else:
        room.is_open = False
    hit = list(session.scalars(query.order_by(Booking.starts_at)))
    for booking in hit:
        release(session, booking, now=now)
        outbox.enqueue_to_user(
            session,
            booking.user,
            params=RoomClosed.about(booking, room, reason=reason or ""),
            now=now,
            dedup_key=f"rm:closed:{booking.id}",
        )
    session.flush()
    return hit


def reopen(session: Session, room: Room, *, now: datetime) -> int:
    """Open the room again and lift its closures still to come; how many were lifted."""
    room.is_open = True
    lifted = session.execute(
        delete(RoomClosure).where(RoomClosure.room_id == room.id, RoomClosure.ends_at > now)
    ).rowcount
    session.flush()
    return lifted or 0


def upcoming_of(session: Session, user: User, *, now: datetime) -> list[Booking]:
    return list(
        session.scalars(
            select(Booking)
            .where(
                Booking.user_id == user.id,
                Booking.status.in_(LIVE),
                Booking.ends_at > now,
            )
            .order_by(Booking.starts_at)
        )
    )


def on_day(session: Session, start: datetime) -> list[Booking]:
    """Every live booking that starts in the 24 hours from ``start``, by room and time."""
    return list(
        session.scalars(
            select(Booking)
            .where(
                Booking.status.in_(LIVE),
                Booking.starts_at >= start,
                Booking.starts_at < start + timedelta(days=1),
            )
            .order_by(Booking.room_id, Booking.starts_at)
        )
    )


def _tell_watchers(
    session: Session, booking: Booking, freed: list[datetime], *, now: datetime
) -> None:
    if not freed:
        return
    watches = session.scalars(
        select(SlotWatch).where(
            SlotWatch.room_id == booking.room_id,
            SlotWatch.starts_at.in_(freed),
            SlotWatch.user_id != booking.user_id,
        )
    ).all()
    room = session.get(Room, booking.room_id)
    for watch in watches:
        watcher = session.get(User, watch.user_id)
        if watcher is not None and room is not None:
            outbox.enqueue_to_user(
                session,
                watcher,
                params=WatchedFreed(
                    room=room.id,
                    name_zh=room.name_zh or "",
                    name_en=room.name_en or "",
                    starts=watch.starts_at,
                ),
                now=now,
                dedup_key=f"rm:freed:{watch.id}",
            )
        session.delete(watch)


def watch(session: Session, room: Room, starts_at: datetime, user: User, *, now: datetime) -> bool:
    """Ask to be told when this slot frees; False when they already asked."""
    if session.scalars(
        select(SlotWatch).where(
            SlotWatch.room_id == room.id,
            SlotWatch.starts_at == starts_at,
            SlotWatch.user_id == user.id,
        )
    ).first():
        return False
    session.add(SlotWatch(room_id=room.id, starts_at=starts_at, user_id=user.id, created_at=now))
    session.flush()
    return True


def between(session: Session, start: datetime, end: datetime) -> list[Booking]:
    """Every booking (whatever became of it) that starts between ``start`` and ``end``."""
    return list(
        session.scalars(
            select(Booking)
            .where(Booking.starts_at >= start, Booking.starts_at < end)
            .order_by(Booking.starts_at, Booking.id)
        )
    )
