"""What the rooms screens share: the router, a room's name in the reader's language, days and
slots as the buttons carry them, and who may book a room."""

from __future__ import annotations

from datetime import date, datetime, time

from babel.dates import format_skeleton

from db.room_models import Booking, Room
from handlers.common import pick_text
from handlers.i18n import N_, Language
from handlers.router import Router
from handlers.types import Ctx

router = Router("rooms")

GONE = N_("Sorry, that room is not open for booking now. Here are the rooms you can book:")


def room_name(lang: Language, room: Room) -> str:
    return pick_text(lang.code, room.name_zh, room.name_en) or room.code


def day_number(day: date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


def day_of(number: int) -> date | None:
    """The day a button names, or None for a forged one."""
    try:
        return date(number // 10000, number // 100 % 100, number % 100)
    except ValueError:
        return None


def at(ctx: Ctx, day: date, minute: int) -> datetime | None:
    """The moment ``minute`` minutes after midnight of ``day`` in the community's zone."""
    if not 0 <= minute < 24 * 60:
        return None
    return datetime.combine(day, time(minute // 60, minute % 60), ctx.community.timezone)


def minute_of(ctx: Ctx, moment: datetime) -> int:
    local = moment.astimezone(ctx.community.timezone)
    return local.hour * 60 + local.minute


def short_day(lang: Language, day: date) -> str:
    """ "Thu, Dec 10" / "12月10日周四"."""
    return format_skeleton("MMMEd", day, locale=lang.babel)


def span(lang: Language, booking: Booking) -> str:
    """ "Thu, Dec 10, 2026, 19:00–21:00"."""
    return f"{lang.datetime(booking.starts_at)}–{lang.time(booking.ends_at)}"


def may_book(ctx: Ctx, room: Room) -> bool:
    return room.book_role is None or ctx.acts_as(room.book_role)


def bookable_room(ctx: Ctx, room_id: int) -> Room | None:
    """The room a button names, if it is open and this person may book it."""
    room = ctx.session.get(Room, room_id)
    if room is None or not room.is_open or not may_book(ctx, room):
        return None
    return room


def own_booking(ctx: Ctx, booking_id: int) -> Booking | None:
    """The booking a button names, if it is this person's."""
    booking = ctx.session.get(Booking, booking_id)
    if booking is None or booking.user_id != ctx.user.id:
        return None
    return booking
