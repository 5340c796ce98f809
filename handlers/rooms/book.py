"""The booking form (purpose, how many people, the house rules, confirm), the booked screen
(reference, .ics, Cancel), /mybookings and cancelling."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from db.rooms import operations as ops
from db.rooms.clock import CHECK_IN_FROM
from db.rooms.models import LIVE, Booking, BookingStatus, Room
from handlers import common
from handlers.buttons.rooms import (
    AskToCancelBooking,
    BookingCalendar,
    CancelBooking,
    CheckInBooking,
    ListRooms,
    MyBookings,
    PickRun,
    PickSlot,
    RepeatBooking,
    ShowBooking,
    ShowDay,
)
from handlers.forms import engine
from handlers.forms.engine import Form
from handlers.forms.fields import Invalid, NumberField, TextField
from handlers.i18n import N_, Np_, for_reader
from handlers.rooms.approval import ask_admins
from handlers.rooms.browse import (
    longest_run,
    room_and_day,
    show_day,
    show_rooms,
    show_week,
    week_of,
)
from handlers.rooms.common import (
    at,
    bookable_room,
    own_booking,
    room_name,
    router,
    short_day,
    span,
)
from handlers.types import Attachment, Button, Ctx, keyboard, pressed, rows_of

FORM = "rooms.book"
NOT_YOURS = N_("Sorry, that booking is not one of yours any more. Here are your bookings:")


def start_booking(ctx: Ctx, room: Room, start: datetime, slots: int) -> None:
    """Open the form in place of the pressed screen: its first question replaces the week
    view, so a finished booking leaves one message (the booked screen)."""
    engine.start(
        ctx,
        BOOK,
        initial={"room": room.id, "start": start.isoformat(), "slots": slots},
        in_place="",
    )


@router.button(PickSlot, private_only=True)
def pick_slot(ctx: Ctx, payload: PickSlot) -> None:
    """A start pressed: how long, when more than one slot in a row is free; else the form."""
    found = room_and_day(ctx, payload.room, payload.day)
    if found is None:
        return
    room, day = found
    start = at(ctx, day, payload.minute)
    run = longest_run(ctx, room, day, start) if start else 0
    if start is None or run == 0:
        show_day(ctx, room, day, note=ctx._("Sorry, that time is not free any more."))
        return
    if run == 1:
        start_booking(ctx, room, start, 1)
        return
    step = timedelta(minutes=room.slot_minutes)
    buttons = [
        Button(
            ctx._("until {time}").format(time=ctx.lang.time(start + step * count)),
            PickRun(room.id, payload.day, payload.minute, count).pack(),
        )
        for count in range(1, run + 1)
    ]
    ctx.reply(
        ctx._("🏠 {name}, {day}, from {time}. Until when?").format(
            name=room_name(ctx.lang, room), day=short_day(ctx.lang, day), time=ctx.lang.time(start)
        ),
        keyboard(
            *rows_of(buttons, 2),
            Button(ctx._("« Day"), ShowDay(room.id, payload.day).pack()),
        ),
        edit=pressed(ctx),
    )


@router.button(PickRun, private_only=True)
def pick_run(ctx: Ctx, payload: PickRun) -> None:
    found = room_and_day(ctx, payload.room, payload.day)
    if found is None:
        return
    room, day = found
    start = at(ctx, day, payload.minute)
    if start is None or not 1 <= payload.slots <= longest_run(ctx, room, day, start):
        show_day(ctx, room, day, note=ctx._("Sorry, that time is not free any more."))
        return
    start_booking(ctx, room, start, payload.slots)


def _what(ctx: Ctx, data: dict[str, Any]) -> str | None:
    """Under the summary: the room and time, then the house rules, read before Confirm."""
    room = ctx.session.get(Room, data["room"])
    if room is None:
        return None
    start = datetime.fromisoformat(data["start"])
    end = start + timedelta(minutes=room.slot_minutes * data["slots"])
    lines = [
        ctx._("🏠 {name}, {start}–{end}").format(
            name=room_name(ctx.lang, room), start=ctx.lang.datetime(start), end=ctx.lang.time(end)
        )
    ]
    rules = common.pick_text(ctx.lang.code, room.rules_zh, room.rules_en)
    if rules:
        lines.append(ctx._("House rules: {rules}").format(rules=rules))
    return "\n".join(lines)


def _submit(ctx: Ctx, data: dict[str, Any]) -> None:
    room = bookable_room(ctx, data["room"])
    if room is None:
        show_rooms(ctx, note=ctx._("Sorry, that room cannot be booked any more."))
        return
    if data["people"] > room.capacity:
        raise Invalid(
            Np_(
                "At most {count} person fits in this room. Please send a smaller number.",
                "At most {count} people fit in this room. Please send a smaller number.",
            ),
            field="people",
            count=room.capacity,
        )
    start = datetime.fromisoformat(data["start"])
    result = ops.book(
        ctx.session,
        room,
        ctx.user,
        starts_at=start,
        slots=data["slots"],
        purpose=data["purpose"],
        people=data["people"],
        now=ctx.now,
        tz=ctx.community.timezone,
    )
    week = week_of(ctx, start.astimezone(ctx.community.timezone).date())
    if result.outcome == ops.Outcome.BOOKED:
        ctx.completed()
    match result.outcome:
        case ops.Outcome.BOOKED if result.booking.status == BookingStatus.PENDING:
            ask_admins(ctx.session, ctx.community, result.booking, now=ctx.now, again=False)
            note = ctx._(
                "⏳ Requested. An admin must approve bookings of this room; I will tell you "
                "the answer."
            )
            show_booking(ctx, result.booking, note=note, edit=pressed(ctx))
        case ops.Outcome.BOOKED:
            show_booking(ctx, result.booking, note=ctx._("✅ Booked."), edit=pressed(ctx))
        case ops.Outcome.PAUSED:
            show_rooms(
                ctx,
                note=ctx._(
                    "Sorry, you did not come to three bookings in 60 days, so you cannot book "
                    "rooms until {date}. If something went wrong, please talk to the front desk."
                ).format(date=ctx.lang.date(result.until or ctx.now)),
            )
        case ops.Outcome.TAKEN:
            show_week(
                ctx,
                room,
                week,
                note=ctx._("Sorry, someone has just taken that time. Please choose another."),
            )
        case ops.Outcome.OVER_LIMIT:
            show_week(
                ctx,
                room,
                week,
                note=ctx._(
                    "Sorry, one person may book this room for at most {limit} h a week. "
                    "You can still book {remaining} h that week."
                ).format(
                    limit=room.week_hours,
                    remaining=ctx.lang.number(round(result.hours_left, 1)),
                ),
            )
        case ops.Outcome.TOO_SOON:
            show_week(
                ctx,
                room,
                week,
                note=ctx._("Sorry, this room must be booked at least {notice} min ahead.").format(
                    notice=room.notice_minutes
                ),
            )
        case _:
            show_week(ctx, room, week, note=ctx._("Sorry, that time cannot be booked any more."))


BOOK = router.form(
    Form(
        name=FORM,
        title=N_("Book a room"),
        fields=(
            TextField(
                name="purpose",
                prompt=N_("What is it for? A few words, please."),
                label=N_("Purpose"),
                max_length=200,
            ),
            NumberField(
                name="people",
                prompt=N_("How many people will come?"),
                label=N_("People"),
                minimum=1,
                maximum=500,
            ),
        ),
        on_submit=_submit,
        preview=_what,
    )
)


def show_booking(
    ctx: Ctx, booking: Booking, *, note: str | None = None, edit: bool = False
) -> None:
    """The booking: reference, room, time, purpose; .ics and Cancel while it is to come."""
    lines = [note] if note else []
    lines.append(
        ctx._("{ref} {name}, {span}").format(
            ref=booking.ref, name=room_name(ctx.lang, booking.room), span=span(ctx.lang, booking)
        )
    )
    lines.append(
        ctx._("Purpose: {purpose}. People: {count}.").format(
            purpose=for_reader(ctx.lang.code, booking.purpose), count=booking.people
        )
    )
    rows: list[tuple[Button, ...]] = []
    live = booking.status in LIVE and booking.ends_at > ctx.now
    if live and booking.status == BookingStatus.PENDING:
        lines.append(ctx._("Waiting for an admin's approval."))
    elif live and booking.checked_in_at is not None:
        lines.append(ctx._("Checked in."))
    elif live:
        lines.append(
            ctx._(
                "I will remind you an hour before. Please check in from 15 minutes before the "
                "start; if nobody has checked in 15 minutes after the start, the room goes to "
                "others."
            )
        )
        if ctx.now >= booking.starts_at - CHECK_IN_FROM and booking.checked_in_at is None:
            rows.append((Button(ctx._("✅ Check in"), CheckInBooking(booking.id).pack()),))
    elif booking.status == BookingStatus.RELEASED:
        lines.append(ctx._("You did not check in in time, so the room was freed."))
    elif booking.status == BookingStatus.DECLINED:
        lines.append(ctx._("This booking was declined."))
    elif booking.status == BookingStatus.CANCELLED:
        lines.append(ctx._("This booking was cancelled."))
    if live:
        rows.append(
            (
                Button(ctx._("📅 Add to calendar"), BookingCalendar(booking.id).pack()),
                Button(ctx._("Cancel booking"), AskToCancelBooking(booking.id).pack()),
            )
        )
        if booking.series_id is None:
            rows.append((Button(ctx._("🔁 Repeat for a club"), RepeatBooking(booking.id).pack()),))
    rows.append((Button(ctx._("« My bookings"), MyBookings().pack()),))
    ctx.reply("\n".join(lines), tuple(rows), edit=edit)


def show_mine(ctx: Ctx, *, note: str | None = None) -> None:
    bookings = ops.upcoming_of(ctx.session, ctx.user, now=ctx.now)
    lines = [note] if note else []
    rows: list[tuple[Button, ...]] = []
    if bookings:
        lines.append(ctx._("🏠 Your bookings:"))
        for booking in bookings:
            line = ctx._("{ref} {name}, {span}").format(
                ref=booking.ref,
                name=room_name(ctx.lang, booking.room),
                span=span(ctx.lang, booking),
            )
            lines.append(line)
            rows.append((Button(line[:60], ShowBooking(booking.id).pack()),))
    else:
        lines.append(ctx._("You have no upcoming room bookings."))
    rows.append((Button(ctx._("🏠 Book a room"), ListRooms().pack()),))
    ctx.reply("\n".join(lines), tuple(rows), edit=pressed(ctx))


@router.command("mybookings", description=N_("My room bookings"), private_only=True)
def mybookings(ctx: Ctx, args: str) -> None:
    show_mine(ctx)


@router.button(MyBookings, private_only=True)
def _mine(ctx: Ctx, payload: MyBookings) -> None:
    show_mine(ctx)


@router.button(ShowBooking, private_only=True)
def _show(ctx: Ctx, payload: ShowBooking) -> None:
    booking = own_booking(ctx, payload.booking)
    if booking is None:
        show_mine(ctx, note=ctx._(NOT_YOURS))
        return
    show_booking(ctx, booking, edit=pressed(ctx))


@router.button(AskToCancelBooking, private_only=True)
def _ask_cancel(ctx: Ctx, payload: AskToCancelBooking) -> None:
    booking = own_booking(ctx, payload.booking)
    if booking is None or booking.status not in LIVE:
        show_mine(ctx, note=ctx._(NOT_YOURS))
        return
    common.ask_to_cancel(
        ctx,
        ctx._("Cancel {ref} ({name}, {span})? The time is then free for others.").format(
            ref=booking.ref, name=room_name(ctx.lang, booking.room), span=span(ctx.lang, booking)
        ),
        cancel=CancelBooking(booking.id),
        keep=ShowBooking(booking.id),
    )


@router.button(CancelBooking, private_only=True)
def _cancel(ctx: Ctx, payload: CancelBooking) -> None:
    result = ops.cancel(ctx.session, payload.booking, ctx.user, now=ctx.now)
    match result.outcome:
        case ops.Outcome.CANCELLED:
            show_mine(
                ctx, note=ctx._("Your booking {ref} is cancelled.").format(ref=result.booking.ref)
            )
        case ops.Outcome.ALREADY:
            show_mine(ctx, note=ctx._("That booking was already cancelled."))
        case _:
            show_mine(ctx, note=ctx._(NOT_YOURS))


def ics_bytes(ctx: Ctx, booking: Booking) -> bytes:
    room = room_name(ctx.lang, booking.room)
    return common.ics_bytes(
        uid=f"room-booking-{booking.id}@linli",
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
        summary=f"{room} {booking.ref}",
        location=room,
        description=booking.purpose,
        now_stamp=ctx.now,
        alarm_before=ops.REMIND_BEFORE,
        product="Room bookings",
    )


@router.button(BookingCalendar, private_only=True)
def _ics(ctx: Ctx, payload: BookingCalendar) -> None:
    booking = own_booking(ctx, payload.booking)
    if booking is None:
        show_mine(ctx, note=ctx._(NOT_YOURS))
        return
    ctx.reply(
        ctx._("📅 Open this file to add {ref} to your calendar.").format(ref=booking.ref),
        attachment=Attachment(
            filename=f"booking-{booking.id}.ics",
            content=ics_bytes(ctx, booking),
            mime_type="text/calendar",
        ),
    )
