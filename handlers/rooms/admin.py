"""Staff: the admins' rooms view (close or open a room), /roomsday for the front desk (today's
bookings per room with the booker's first name), and the outbox templates of the rooms."""

from __future__ import annotations

from db import room_rules as rules
from db import rooms as ops
from db.room_models import Room
from handlers.buttons.rooms import CloseRoom, ListRooms, OpenRoom, RoomsAdmin
from handlers.common import first_name
from handlers.i18n import N_
from handlers.rooms.browse import pressed
from handlers.rooms.common import room_name, router
from handlers.types import Button, Ctx


def show_admin(ctx: Ctx, *, note: str | None = None) -> None:
    """Every room, open or closed, with the button that changes it."""
    lines = [note] if note else []
    lines.append(ctx._("🛠 Rooms (add one with “linli rooms add” on the server):"))
    rows: list[tuple[Button, ...]] = []
    for room in rules.rooms(ctx.session, include_closed=True):
        state = ctx._("open for booking") if room.is_open else ctx._("closed for booking")
        lines.append(
            ctx._("{name}: {state}. Bookings to come: {count}.").format(
                name=room_name(ctx.lang, room),
                state=state,
                count=rules.count_live(ctx.session, room.id),
            )
        )
        if room.is_open:
            label = ctx._("Close {name}").format(name=room_name(ctx.lang, room))
            rows.append((Button(label[:60], CloseRoom(room.id).pack()),))
        else:
            label = ctx._("Open {name}").format(name=room_name(ctx.lang, room))
            rows.append((Button(label[:60], OpenRoom(room.id).pack()),))
    rows.append((Button(ctx._("« Rooms"), ListRooms().pack()),))
    ctx.reply("\n".join(lines), tuple(rows), edit=pressed(ctx))


@router.button(RoomsAdmin, role="admin", private_only=True)
def _admin(ctx: Ctx, payload: RoomsAdmin) -> None:
    show_admin(ctx)


@router.button(CloseRoom, role="admin", private_only=True)
def _close(ctx: Ctx, payload: CloseRoom) -> None:
    room = ctx.session.get(Room, payload.room)
    if room is None or not room.is_open:
        show_admin(ctx)
        return
    hit = ops.close(ctx.session, room, now=ctx.now)
    show_admin(
        ctx,
        note=ctx._("{name} is closed. Bookings cancelled (their people are told): {count}.").format(
            name=room_name(ctx.lang, room), count=len(hit)
        ),
    )


@router.button(OpenRoom, role="admin", private_only=True)
def _open(ctx: Ctx, payload: OpenRoom) -> None:
    room = ctx.session.get(Room, payload.room)
    if room is not None and not room.is_open:
        ops.reopen(ctx.session, room, now=ctx.now)
    show_admin(ctx)


@router.command(
    "roomsday", description=N_("Today's room bookings"), role="organiser", private_only=True
)
def roomsday(ctx: Ctx, args: str) -> None:
    """Today's bookings per room, for the front desk: time, the booker's first name, purpose."""
    start = rules.week_start(ctx.now, ctx.community.timezone)
    local = ctx.now.astimezone(ctx.community.timezone)
    start = start.replace(day=local.day, month=local.month, year=local.year)
    bookings = ops.on_day(ctx.session, start)
    lines = [ctx._("🏠 Room bookings today, {day}:").format(day=ctx.lang.date(ctx.now))]
    if not bookings:
        lines.append(ctx._("No bookings today."))
    room_id = None
    for booking in bookings:
        if booking.room_id != room_id:
            room_id = booking.room_id
            lines.append(f"— {room_name(ctx.lang, booking.room)}")
        lines.append(
            ctx._("{start}–{end} {ref} {name}: {purpose}. People: {count}.").format(
                start=ctx.lang.time(booking.starts_at),
                end=ctx.lang.time(booking.ends_at),
                ref=booking.ref,
                name=first_name(booking.user),
                purpose=booking.purpose,
                count=booking.people,
            )
        )
    ctx.reply("\n".join(lines))
