"""What the rooms' sweep does on time: check-in, releasing no-shows, pausing people who did not
come three times in 60 days, reminding admins of undecided requests and dropping them before
their start. Each step is idempotent (the sweep may run it twice)."""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db import outbox
from db import rooms as ops
from db.locks import lock_row
from db.models import User
from db.room_messages import BookingPaused, BookingUndecided, NoShowReleased
from db.room_models import Booking, BookingPause, BookingStatus, Room

CHECK_IN_FROM = timedelta(minutes=15)  # before the start
RELEASE_AFTER = timedelta(minutes=15)  # after the start, not checked in
NO_SHOWS = 3
NO_SHOW_WINDOW = timedelta(days=60)
PAUSE_FOR = timedelta(days=30)
REMIND_ADMINS_AFTER = timedelta(hours=24)


class CheckIn(enum.StrEnum):
    CHECKED_IN = "checked_in"
    TOO_EARLY = "too_early"
    ALREADY = "already"
    OVER = "over"  # released, cancelled, or ended
    NOT_YOURS = "not_yours"


def check_in(session: Session, booking_id: int, user: User, *, now: datetime) -> CheckIn:
    booking = lock_row(session, Booking, booking_id)
    if booking is None or booking.user_id != user.id:
        return CheckIn.NOT_YOURS
    if booking.status != BookingStatus.CONFIRMED or booking.ends_at <= now:
        return CheckIn.OVER
    if booking.checked_in_at is not None:
        return CheckIn.ALREADY
    if now < booking.starts_at - CHECK_IN_FROM:
        return CheckIn.TOO_EARLY
    booking.checked_in_at = now
    booking.updated_at = now
    return CheckIn.CHECKED_IN


def by_door_code(session: Session, user: User, code: str, *, now: datetime) -> Booking | None:
    """The person's booking, open for check-in now, in the room whose door shows ``code``."""
    return session.scalars(
        select(Booking)
        .join(Room, Room.id == Booking.room_id)
        .where(
            Room.door_code == code,
            Booking.user_id == user.id,
            Booking.status == BookingStatus.CONFIRMED,
            Booking.starts_at <= now + CHECK_IN_FROM,
            Booking.ends_at > now,
        )
        .order_by(Booking.starts_at)
    ).first()


def no_shows(session: Session, user_id: int, *, now: datetime) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Booking)
            .where(
                Booking.user_id == user_id,
                Booking.status == BookingStatus.RELEASED,
                Booking.starts_at >= now - NO_SHOW_WINDOW,
            )
        )
        or 0
    )


def release_no_shows(session: Session, *, now: datetime) -> list[Booking]:
    """Bookings not checked in ``RELEASE_AFTER`` their start: released, the person told, the
    slot's watchers told; a third no-show in 60 days pauses the person's booking."""
    due = session.scalars(
        select(Booking.id).where(
            Booking.status == BookingStatus.CONFIRMED,
            Booking.checked_in_at.is_(None),
            Booking.starts_at <= now - RELEASE_AFTER,
        )
    ).all()
    released = []
    for booking_id in due:
        booking = lock_row(session, Booking, booking_id)
        if booking is None or booking.status != BookingStatus.CONFIRMED:
            continue
        if booking.checked_in_at is not None:
            continue
        ops.release(session, booking, now=now, status=BookingStatus.RELEASED)
        room = session.get(Room, booking.room_id)
        user = session.get(User, booking.user_id)
        assert room is not None and user is not None
        outbox.enqueue_to_user(
            session,
            user,
            params=NoShowReleased.about(booking, room),
            now=now,
            dedup_key=f"rm:released:{booking.id}",
        )
        session.flush()
        if no_shows(session, user.id, now=now) >= NO_SHOWS:
            _pause(session, user, now=now)
        released.append(booking)
    return released


def _pause(session: Session, user: User, *, now: datetime) -> None:
    pause = session.get(BookingPause, user.id)
    if pause is not None and pause.lifted_at is None and pause.until > now:
        return
    if pause is not None and pause.lifted_at is not None and pause.lifted_at > now - PAUSE_FOR:
        return  # an admin lifted it: the same no-shows do not pause them again
    if pause is None:
        pause = BookingPause(user_id=user.id, until=now + PAUSE_FOR, created_at=now)
        session.add(pause)
    pause.until, pause.lifted_at, pause.created_at = now + PAUSE_FOR, None, now
    outbox.enqueue_to_user(
        session,
        user,
        params=BookingPaused(until=pause.until),
        now=now,
        dedup_key=f"rm:paused:{user.id}:{now.date().isoformat()}",
    )


def lift_pause(session: Session, user: User, *, now: datetime) -> bool:
    """An admin lets the person book again; False if nothing was paused."""
    pause = session.get(BookingPause, user.id)
    if pause is None or pause.lifted_at is not None or pause.until <= now:
        return False
    pause.lifted_at = now
    return True


def sweep_pending(
    session: Session, *, now: datetime, remind_admins: Callable[[Booking], None]
) -> list[Booking]:
    """Undecided requests: the admins reminded once after 24 h (``remind_admins``), and a
    request still undecided at its start dropped with a note to the person."""
    dropped = []
    waiting = session.scalars(
        select(Booking).where(Booking.status == BookingStatus.PENDING).order_by(Booking.id)
    ).all()
    for booking in waiting:
        if booking.starts_at <= now:
            room = session.get(Room, booking.room_id)
            user = session.get(User, booking.user_id)
            assert room is not None and user is not None
            booking.reason = None
            ops.release(session, booking, now=now, status=BookingStatus.DECLINED)
            outbox.enqueue_to_user(
                session,
                user,
                params=BookingUndecided.about(booking, room),
                now=now,
                dedup_key=f"rm:undecided:{booking.id}",
            )
            dropped.append(booking)
        elif booking.created_at <= now - REMIND_ADMINS_AFTER:
            remind_admins(booking)
    return dropped
