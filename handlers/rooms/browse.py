"""Residents: /rooms → a room → its week at a glance (one message, edited in place while paging
weeks) → a day's slots → a slot → how long → the booking form. Every press re-reads the room and
its slots: payloads are not trusted. Residents see "taken", never who booked."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from db import room_rules as rules
from db.room_models import Room
from handlers.buttons.rooms import (
    ListRooms,
    PickRun,
    PickSlot,
    RoomsAdmin,
    RoomsToday,
    ShowDay,
    ShowWeek,
    WatchSlots,
)
from handlers.common import pick_text
from handlers.i18n import N_
from handlers.rooms.common import (
    GONE,
    at,
    bookable_room,
    day_number,
    day_of,
    may_book,
    minute_of,
    room_name,
    router,
    short_day,
)
from handlers.types import Button, Ctx, keyboard, pressed, rows_of

#: The longest run offered after a slot is pressed.
LONGEST_RUN = 4


def room_and_day(ctx: Ctx, room_id: int, day_number: int) -> tuple[Room, date] | None:
    """The room and day a button names, if the room is bookable by this person and the day is
    a date; otherwise the list of rooms with a note, and None."""
    room = bookable_room(ctx, room_id)
    day = day_of(day_number)
    if room is None or day is None:
        show_rooms(ctx, note=ctx._(GONE))
        return None
    return room, day


def show_rooms(ctx: Ctx, *, note: str | None = None) -> None:
    """The rooms this person may book, one button each."""
    lines = [note] if note else []
    open_rooms = [room for room in rules.rooms(ctx.session) if may_book(ctx, room)]
    rows: list[tuple[Button, ...]] = []
    if open_rooms:
        lines.append(ctx._("🏠 Which room would you like to book?"))
        for room in open_rooms:
            lines.append(
                ctx.lang.ngettext(
                    "{name} — up to {count} person", "{name} — up to {count} people", room.capacity
                ).format(name=room_name(ctx.lang, room), count=room.capacity)
            )
            rows.append((Button(room_name(ctx.lang, room)[:60], ShowWeek(room.id).pack()),))
    else:
        lines.append(ctx._("No rooms can be booked right now."))
    if ctx.acts_as("organiser") and not ctx.inbound.chat.is_group:
        rows.append((Button(ctx._("📋 Today's bookings"), RoomsToday().pack()),))
    if ctx.acts_as("admin") and not ctx.inbound.chat.is_group:
        rows.append((Button(ctx._("🛠 Manage rooms"), RoomsAdmin().pack()),))
    ctx.reply("\n".join(lines), tuple(rows), edit=pressed(ctx))


@router.command("rooms", description=N_("Book a room in the community centre"))
def rooms_command(ctx: Ctx, args: str) -> None:
    show_rooms(ctx)


@router.button(ListRooms)
def _list(ctx: Ctx, payload: ListRooms) -> None:
    show_rooms(ctx)


def free_starts(ctx: Ctx, room: Room, day: date) -> tuple[list[datetime], list[datetime]]:
    """The day's slots that may be booked now, and the rest (taken, closed, too soon, too
    far) — for the reader, all "not free"; who holds them is never shown."""
    tz = ctx.community.timezone
    grid = rules.day_slots(room, day, tz)
    if not grid:
        return [], []
    step = timedelta(minutes=room.slot_minutes)
    taken = rules.taken_starts(ctx.session, room.id, grid[0], grid[-1] + step)
    spans = rules.closures(ctx.session, room.id, grid[0], grid[-1] + step)
    soonest = ctx.now + timedelta(minutes=room.notice_minutes)
    latest = ctx.now + timedelta(days=room.ahead_days)
    free, other = [], []
    for moment in grid:
        ok = (
            moment not in taken
            and soonest <= moment <= latest
            and not rules.is_closed(spans, moment, step)
        )
        (free if ok else other).append(moment)
    return free, other


def weeks_ahead(room: Room) -> int:
    return max(0, -(-room.ahead_days // 7))


def show_week(ctx: Ctx, room: Room, week: int, *, note: str | None = None) -> None:
    """The room's week: free slots per day, a button per day with any; « » page in place."""
    tz = ctx.community.timezone
    week = min(max(week, 0), weeks_ahead(room))
    monday = rules.week_start(ctx.now, tz).date() + timedelta(days=7 * week)
    lines = [note] if note else []
    lines.append(
        ctx.lang.ngettext(
            "🏠 {name} — up to {count} person", "🏠 {name} — up to {count} people", room.capacity
        ).format(name=room_name(ctx.lang, room), count=room.capacity)
    )
    about = pick_text(ctx.lang.code, room.description_zh, room.description_en)
    if about:
        lines.append(about)
    lines.append(
        ctx._("Week of {first} to {last}:").format(
            first=short_day(ctx.lang, monday), last=short_day(ctx.lang, monday + timedelta(6))
        )
    )
    days: list[Button] = []
    for offset in range(7):
        day = monday + timedelta(days=offset)
        free, other = free_starts(ctx, room, day)
        total = len(free) + len(other)
        if total == 0:
            state = ctx._("not open")
        elif free:
            state = ctx._("free: {free}/{total}").format(free=len(free), total=total)
            days.append(
                Button(
                    f"{short_day(ctx.lang, day)} ({len(free)})",
                    ShowDay(room.id, day_number(day)).pack(),
                )
            )
        elif all(moment < ctx.now for moment in other):
            state = ctx._("past")
        else:
            state = ctx._("nothing free")
        lines.append(ctx._("{day}: {state}").format(day=short_day(ctx.lang, day), state=state))
    lines.append(ctx._("Choose a day.") if days else ctx._("Nothing is free this week."))
    rows: list[tuple[Button, ...]] = rows_of(days, 2)
    paging = []
    if week > 0:
        paging.append(Button(ctx._("« Previous week"), ShowWeek(room.id, week - 1).pack()))
    if week < weeks_ahead(room):
        paging.append(Button(ctx._("Next week »"), ShowWeek(room.id, week + 1).pack()))
    if paging:
        rows.append(tuple(paging))
    rows.append((Button(ctx._("« Rooms"), ListRooms().pack()),))
    ctx.reply("\n".join(lines), tuple(rows), edit=pressed(ctx))


def week_of(ctx: Ctx, day: date) -> int:
    monday = rules.week_start(ctx.now, ctx.community.timezone).date()
    return max(0, (day - monday).days // 7)


@router.button(ShowWeek)
def _week(ctx: Ctx, payload: ShowWeek) -> None:
    room = bookable_room(ctx, payload.room)
    if room is None:
        show_rooms(ctx, note=ctx._(GONE))
        return
    show_week(ctx, room, payload.week)


def show_day(ctx: Ctx, room: Room, day: date, *, note: str | None = None) -> None:
    """One day: each slot free or not; a button per free slot."""
    free, other = free_starts(ctx, room, day)
    lines = [note] if note else []
    lines.append(
        ctx._("🏠 {name}, {day}:").format(
            name=room_name(ctx.lang, room), day=short_day(ctx.lang, day)
        )
    )
    for moment in sorted(free + other):
        state = ctx._("free") if moment in free else ctx._("not free")
        lines.append(f"{ctx.lang.time(moment)} {state}")
    lines.append(ctx._("Choose when to start.") if free else ctx._("Nothing is free that day."))
    buttons = [
        Button(
            ctx.lang.time(moment), PickSlot(room.id, day_number(day), minute_of(ctx, moment)).pack()
        )
        for moment in free
    ]
    rows: list[tuple[Button, ...]] = rows_of(buttons, 4)
    back = Button(ctx._("« Week"), ShowWeek(room.id, week_of(ctx, day)).pack())
    if any(moment > ctx.now for moment in other):
        watch = Button(
            ctx._("🔔 Tell me when a time is free"), WatchSlots(room.id, day_number(day)).pack()
        )
        rows.append((watch, back))
    else:
        rows.append((back,))
    ctx.reply("\n".join(lines), tuple(rows), edit=pressed(ctx))


@router.button(ShowDay)
def _day(ctx: Ctx, payload: ShowDay) -> None:
    found = room_and_day(ctx, payload.room, payload.day)
    if found is None:
        return
    room, day = found
    show_day(ctx, room, day)


def longest_run(ctx: Ctx, room: Room, day: date, start: datetime) -> int:
    """How many slots from ``start`` are free one after another (at most ``LONGEST_RUN``)."""
    free = set(free_starts(ctx, room, day)[0])
    step = timedelta(minutes=room.slot_minutes)
    count = 0
    while count < LONGEST_RUN and start + step * count in free:
        count += 1
    return count


@router.button(PickSlot, private_only=True)
def _slot(ctx: Ctx, payload: PickSlot) -> None:
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
        from handlers.rooms.book import start_booking

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
