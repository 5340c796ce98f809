"""Approval of bookings in rooms that need it (the admins' card: Approve, or Decline with a
reason), and the rooms' sweep: no-shows released, undecided requests reminded and dropped."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from db import room_clock as clock
from db import room_privacy
from db import room_series as series
from db.models import User
from db.room_messages import BookingRequest
from db.room_models import Booking, Room
from db.teams import FRONT_DESK, notify_admins, notify_team
from handlers.buttons.rooms import ApproveBooking, DeclineBooking
from handlers.common import first_name
from handlers.rooms.common import room_name, router, span
from handlers.types import Community, Ctx


def ask_admins(
    session: Session, community: Community, booking: Booking, *, now: datetime, again: bool
) -> None:
    """The card to every admin (once, and once more after 24 h undecided)."""
    room = session.get(Room, booking.room_id)
    user = session.get(User, booking.user_id)
    assert room is not None
    params = BookingRequest.about(
        booking,
        room,
        who=first_name(user),
        purpose=booking.purpose,
        people=booking.people,
        again=again,
    )
    key = f"rm:request:{booking.id}:{'again' if again else 'first'}"
    if notify_team(
        session,
        FRONT_DESK,
        community.team_chats,
        now=now,
        params=params,
        dedup_key=key,
    ):
        return  # the front desk's room, where admins decide
    notify_admins(
        session,
        now=now,
        params=params,
        dedup_key=key,
    )


def _decided(ctx: Ctx, booking_id: int, *, approve: bool, reason: str | None) -> None:
    decision, booking = series.decide(
        ctx.session, booking_id, approve=approve, reason=reason, now=ctx.now
    )
    if booking is None:
        ctx.reply(ctx._("That booking no longer exists."))
        return
    what = ctx._("{ref} {name}, {span}").format(
        ref=booking.ref, name=room_name(ctx.lang, booking.room), span=span(ctx.lang, booking)
    )
    match decision:
        case series.Decision.APPROVED:
            text = ctx._("✅ Approved: {booking}. The resident is told.").format(booking=what)
        case series.Decision.DECLINED:
            text = ctx._("Declined: {booking}. The resident is told.").format(booking=what)
        case _:
            text = ctx._("This booking was already decided or cancelled: {booking}.").format(
                booking=what
            )
    ctx.reply(text, edit=True)


@router.button(ApproveBooking, role="admin")
def _approve(ctx: Ctx, payload: ApproveBooking) -> None:
    _decided(ctx, payload.booking, approve=True, reason=None)


@router.button(DeclineBooking, role="admin")
def _decline(ctx: Ctx, payload: DeclineBooking) -> None:
    _decided(ctx, payload.booking, approve=False, reason=payload.why)


@router.sweep("rooms.clock")
def sweep(session: Session, community: Community, now: datetime) -> None:
    """No-shows released (and paused after three); undecided requests reminded, then dropped;
    the purposes of bookings long past blanked."""
    clock.release_no_shows(session, now=now)
    room_privacy.scrub_old(session, now=now)
    clock.sweep_pending(
        session,
        now=now,
        remind_admins=lambda booking: ask_admins(session, community, booking, now=now, again=True),
    )
