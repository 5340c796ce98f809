"""Staff: the admins' rooms view (close or open a room), /roomsday for the front desk (today's
bookings per room with the booker's first name), and /roomscsv (a month's bookings as CSV)."""

from __future__ import annotations

from datetime import datetime, time

from db import room_rules as rules
from db import rooms as ops
from db.room_models import Room
from handlers.buttons.rooms import CloseRoom, ListRooms, OpenRoom, RoomsAdmin, RoomsToday
from handlers.common import first_name
from handlers.csvfile import csv_attachment
from handlers.i18n import for_reader
from handlers.rooms.common import room_name, router
from handlers.types import Button, Ctx, pressed


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


@router.command("roomsday", role="organiser", private_only=True)  # also 📋 under /rooms
def roomsday(ctx: Ctx, args: str) -> None:
    """Today's bookings per room, for the front desk: time, the booker's first name, purpose."""
    tz = ctx.community.timezone
    start = datetime.combine(ctx.now.astimezone(tz).date(), time(0), tz)
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
                purpose=for_reader(ctx.lang.code, booking.purpose),
                count=booking.people,
            )
        )
    lines.append(ctx._("A month's bookings as a CSV file: /roomscsv 2026-11"))
    ctx.reply("\n".join(lines))


@router.button(RoomsToday, role="organiser", private_only=True)
def _today(ctx: Ctx, payload: RoomsToday) -> None:
    roomsday(ctx, "")


def month_of(ctx: Ctx, args: str) -> tuple[datetime, datetime] | None:
    """The month named ``YYYY-MM`` (default: this month), as its start and end."""
    tz = ctx.community.timezone
    text = args.strip()
    local = ctx.now.astimezone(tz)
    year, month = local.year, local.month
    if text:
        parts = text.split("-")
        if len(parts) != 2 or not all(part.isdecimal() and part.isascii() for part in parts):
            return None
        year, month = int(parts[0]), int(parts[1])
        if not (2000 <= year <= 2100 and 1 <= month <= 12):
            return None
    start = datetime(year, month, 1, tzinfo=tz)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=tz)
    return start, end


@router.command("roomscsv", role="organiser", private_only=True)  # named by /roomsday
def rooms_csv(ctx: Ctx, args: str) -> None:
    """Every booking that starts in the month: for the front desk's records."""
    span = month_of(ctx, args)
    if span is None:
        ctx.reply(ctx._("Please name the month like this: /roomscsv 2026-11"))
        return
    start, end = span
    rows = ops.between(ctx.session, start, end)
    header = [
        ctx._("Reference"),
        ctx._("Room"),
        ctx._("Date"),
        ctx._("Start"),
        ctx._("End"),
        ctx._("First name"),
        ctx._("Purpose"),
        ctx._("People"),
        ctx._("Status"),
        ctx._("Checked in"),
    ]
    body = [
        (
            b.ref,
            room_name(ctx.lang, b.room),
            ctx.lang.local(b.starts_at).date().isoformat(),
            ctx.lang.time(b.starts_at),
            ctx.lang.time(b.ends_at),
            first_name(b.user, missing="—"),  # a file: no mark to replace
            b.purpose,
            b.people,
            b.status,
            ctx.lang.time(b.checked_in_at) if b.checked_in_at else "",
        )
        for b in rows
    ]
    label = f"{start.year}-{start.month:02d}"
    ctx.reply(
        ctx._("Room bookings in {month}: {count}.").format(month=label, count=len(body)),
        attachment=csv_attachment(f"room-bookings-{label}.csv", header, body),
    )
