"""A booking's further tools: repeat it for a club (every week or every other week), check in
at the room, and ask to be told when a taken time frees."""

from __future__ import annotations

from db import room_clock as clock
from db import room_series as series
from db import rooms as ops
from db.room_models import BookingStatus
from handlers.buttons.rooms import (
    CheckInBooking,
    MyBookings,
    RepeatBooking,
    RepeatEvery,
    ShowBooking,
    ShowDay,
    WatchSlot,
    WatchSlots,
)
from handlers.i18n import N_
from handlers.rooms.book import NOT_YOURS, show_booking, show_mine
from handlers.rooms.browse import free_starts, room_and_day, show_day
from handlers.rooms.common import (
    at,
    minute_of,
    own_booking,
    room_name,
    router,
    short_day,
)
from handlers.types import Button, Ctx, keyboard, pressed, rows_of

#: How many more dates a series may add at once.
SERIES_CHOICES = ((1, 4), (1, 8), (2, 4), (2, 8))
#: Why a date of a series could not be booked.
WHY_NOT = {
    ops.Outcome.TAKEN: N_("taken"),
    ops.Outcome.CLOSED: N_("the room is closed"),
    ops.Outcome.TOO_FAR: N_("too far ahead"),
    ops.Outcome.OVER_LIMIT: N_("over your weekly hours"),
    ops.Outcome.OFF_GRID: N_("the room is not open then"),
    ops.Outcome.PAUSED: N_("your booking is paused"),
}


@router.button(RepeatBooking, private_only=True)
def _repeat(ctx: Ctx, payload: RepeatBooking) -> None:
    booking = own_booking(ctx, payload.booking)
    if booking is None or booking.status not in (BookingStatus.CONFIRMED, BookingStatus.PENDING):
        show_mine(ctx, note=ctx._(NOT_YOURS))
        return
    labels = {
        (1, 4): ctx._("Every week, 4 more times"),
        (1, 8): ctx._("Every week, 8 more times"),
        (2, 4): ctx._("Every other week, 4 more times"),
        (2, 8): ctx._("Every other week, 8 more times"),
    }
    ctx.reply(
        ctx._("🔁 Repeat {ref} ({name}, {day} {time}) for your group?").format(
            ref=booking.ref,
            name=room_name(ctx.lang, booking.room),
            day=short_day(ctx.lang, ctx.lang.local(booking.starts_at).date()),
            time=ctx.lang.time(booking.starts_at),
        ),
        keyboard(
            *[
                Button(labels[choice], RepeatEvery(booking.id, *choice).pack())
                for choice in SERIES_CHOICES
            ],
            Button(ctx._("« Back"), ShowBooking(booking.id).pack()),
        ),
        edit=pressed(ctx),
    )


@router.button(RepeatEvery, private_only=True)
def _every(ctx: Ctx, payload: RepeatEvery) -> None:
    """Book the dates that can be had; list the others by date, with why."""
    booking = own_booking(ctx, payload.booking)
    if (
        booking is None
        or booking.status not in (BookingStatus.CONFIRMED, BookingStatus.PENDING)
        or (payload.every, payload.weeks) not in SERIES_CHOICES
    ):
        show_mine(ctx, note=ctx._(NOT_YOURS))
        return
    dated = series.repeat(
        ctx.session,
        booking,
        every=payload.every,
        weeks=payload.weeks,
        now=ctx.now,
        tz=ctx.community.timezone,
    )
    booked = [d for d in dated if d.outcome == ops.Outcome.BOOKED]
    skipped = [d for d in dated if d.outcome != ops.Outcome.BOOKED]
    lines = [
        ctx._("🔁 More dates booked: {count}.").format(count=len(booked))
        if booked
        else ctx._("🔁 None of those dates could be booked.")
    ]
    lines += [f"• {d.booking.ref} {ctx.lang.datetime(d.starts_at)}" for d in booked if d.booking]
    if skipped:
        lines.append(ctx._("These dates could not be booked (the others are booked):"))
        for d in skipped:
            why = ctx._(WHY_NOT.get(d.outcome, WHY_NOT[ops.Outcome.TAKEN]))
            lines.append(f"• {ctx.lang.datetime(d.starts_at)}: {why}")
    lines.append(ctx._("Each date is a booking of its own: you can cancel one and keep the rest."))
    back = keyboard(Button(ctx._("« My bookings"), MyBookings().pack()))
    ctx.reply("\n".join(lines), back, edit=pressed(ctx))


@router.button(CheckInBooking, private_only=True)
def _check_in(ctx: Ctx, payload: CheckInBooking) -> None:
    outcome = clock.check_in(ctx.session, payload.booking, ctx.user, now=ctx.now)
    booking = own_booking(ctx, payload.booking)
    if booking is None:
        show_mine(ctx, note=ctx._(NOT_YOURS))
        return
    notes = {
        clock.CheckIn.CHECKED_IN: ctx._("✅ Checked in. Enjoy your time!"),
        clock.CheckIn.ALREADY: ctx._("You are already checked in."),
        clock.CheckIn.TOO_EARLY: ctx._(
            "Check-in opens 15 minutes before the start, at {time}."
        ).format(time=ctx.lang.time(booking.starts_at - clock.CHECK_IN_FROM)),
        clock.CheckIn.OVER: ctx._("This booking is over, so there is nothing to check in."),
    }
    show_booking(ctx, booking, note=notes.get(outcome), edit=pressed(ctx))


@router.command("checkin", private_only=True)  # the code is posted at the room's door
def checkin_by_code(ctx: Ctx, args: str) -> None:
    """``/checkin 4821``: check in the booking of this person in the room showing that code."""
    code = args.strip()
    booking = clock.by_door_code(ctx.session, ctx.user, code, now=ctx.now) if code else None
    if booking is None:
        ctx.reply(
            ctx._(
                "No booking of yours can be checked in with that code now. Send the code on "
                "the room's door, from 15 minutes before your booking: /checkin 4821"
            )
        )
        return
    clock.check_in(ctx.session, booking.id, ctx.user, now=ctx.now)
    show_booking(ctx, booking, note=ctx._("✅ Checked in. Enjoy your time!"))


@router.button(WatchSlots, private_only=True)
def _watches(ctx: Ctx, payload: WatchSlots) -> None:
    """The day's taken times still to come, a button each."""
    found = room_and_day(ctx, payload.room, payload.day)
    if found is None:
        return
    room, day = found
    _free, other = free_starts(ctx, room, day)
    taken = [moment for moment in other if moment > ctx.now]
    buttons = [
        Button(f"🔔 {ctx.lang.time(m)}", WatchSlot(room.id, payload.day, minute_of(ctx, m)).pack())
        for m in taken
    ]
    rows = rows_of(buttons, 4)
    rows.append((Button(ctx._("« Day"), ShowDay(room.id, payload.day).pack()),))
    ctx.reply(
        ctx._("Which time should I watch for you? I will tell you when it is free.")
        if taken
        else ctx._("No time is taken that day, so there is nothing to watch."),
        tuple(rows),
        edit=pressed(ctx),
    )


@router.button(WatchSlot, private_only=True)
def _watch(ctx: Ctx, payload: WatchSlot) -> None:
    found = room_and_day(ctx, payload.room, payload.day)
    if found is None:
        return
    room, day = found
    moment = at(ctx, day, payload.minute)
    if moment is None or moment <= ctx.now:
        show_day(ctx, room, day)
        return
    ops.watch(ctx.session, room, moment, ctx.user, now=ctx.now)
    show_day(
        ctx,
        room,
        day,
        note=ctx._("🔔 I will tell you when {time} is free.").format(time=ctx.lang.time(moment)),
    )
