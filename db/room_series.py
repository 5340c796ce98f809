"""Recurring bookings for clubs, and admins' approval of bookings in rooms that need it.

A series books the same slots every week (or every other week) for N weeks: each date goes
through ``db.rooms.book`` on its own (the same guards: slot rows, closures, weekly hours), the
dates that cannot be had are listed with why, and the rest are booked. Each date is a booking
of its own, so cancelling one leaves the others."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from db import outbox
from db import rooms as ops
from db.locks import lock_row
from db.models import User
from db.room_messages import BookingApproved, BookingDeclined
from db.room_models import Booking, BookingStatus, Room


@dataclass(frozen=True, slots=True)
class Dated:
    """One date of a series: booked, or why not."""

    starts_at: datetime
    outcome: ops.Outcome
    booking: Booking | None = None


def repeat(
    session: Session,
    first: Booking,
    *,
    every: int,
    weeks: int,
    now: datetime,
    tz: ZoneInfo,
) -> list[Dated]:
    """Book ``first``'s slots every ``every`` weeks, ``weeks`` more times."""
    room = session.get(Room, first.room_id)
    user = session.get(User, first.user_id)
    assert room is not None and user is not None
    if first.series_id is None:
        first.series_id = first.id
    slots = int((first.ends_at - first.starts_at) / timedelta(minutes=room.slot_minutes))
    dated = []
    for number in range(1, weeks + 1):
        local = first.starts_at.astimezone(tz)
        # The same wall-clock time each week, whatever the offset does meanwhile.
        moment = (local.replace(tzinfo=None) + timedelta(weeks=every * number)).replace(tzinfo=tz)
        result = ops.book(
            session,
            room,
            user,
            starts_at=moment,
            slots=slots,
            purpose=first.purpose,
            people=first.people,
            now=now,
            tz=tz,
            series_id=first.series_id,
        )
        dated.append(Dated(moment, result.outcome, result.booking))
    return dated


class Decision(enum.StrEnum):
    APPROVED = "approved"
    DECLINED = "declined"
    ALREADY = "already"  # decided (or cancelled) before


def decide(
    session: Session, booking_id: int, *, approve: bool, reason: str | None, now: datetime
) -> tuple[Decision, Booking | None]:
    """An admin approves or declines a pending booking; the person hears the outcome."""
    booking = lock_row(session, Booking, booking_id)
    if booking is None or booking.status != BookingStatus.PENDING:
        return Decision.ALREADY, booking
    user = session.get(User, booking.user_id)
    room = session.get(Room, booking.room_id)
    assert user is not None and room is not None
    if approve:
        booking.status = BookingStatus.CONFIRMED
        booking.updated_at = now
        ops.remind(session, booking, user, now=now)
        told, decision = BookingApproved, Decision.APPROVED
    else:
        booking.reason = reason
        ops.release(session, booking, now=now, status=BookingStatus.DECLINED)
        told, decision = BookingDeclined, Decision.DECLINED
    outbox.enqueue_to_user(
        session,
        user,
        params=told.about(booking, room, reason=reason or ""),
        now=now,
        dedup_key=f"rm:decided:{booking.id}",
    )
    return decision, booking


def pending(session: Session) -> list[Booking]:
    return list(
        session.scalars(
            select(Booking)
            .where(Booking.status == BookingStatus.PENDING)
            .order_by(Booking.starts_at)
        )
    )
