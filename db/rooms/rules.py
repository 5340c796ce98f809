"""The rooms and their rules: adding a room, its opening hours, the slot grid, closures, and
which slots are held — the reads the screens and the operations (``db/rooms/operations.py``)
share."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.rooms.models import (
    LIVE,
    WEEKDAYS,
    BookedSlot,
    Booking,
    BookingStatus,
    Room,
    RoomClosure,
)

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HOURS = re.compile(r"^\s*(\w{3})(?:\s*-\s*(\w{3}))?\s+(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})\s*$")


@dataclass(frozen=True, slots=True)
class NewRoom:
    """A room as the command line adds it."""

    code: str
    name_zh: str | None
    name_en: str | None
    capacity: int
    hours: dict[str, list[str]]
    slot_minutes: int = 60
    description_zh: str | None = None
    description_en: str | None = None
    rules_zh: str | None = None
    rules_en: str | None = None
    book_role: str | None = None
    needs_approval: bool = False
    ahead_days: int = 28
    notice_minutes: int = 60
    week_hours: int = 6
    door_code: str | None = None


def parse_hours(text: str) -> dict[str, list[str]]:
    """``mon-fri 09:00-21:00; sat 10:00-18:00`` → {"0": ["09:00", "21:00"], …}; ValueError
    for anything else."""
    hours: dict[str, list[str]] = {}
    for part in re.split(r"[;,]", text):
        if not part.strip():
            continue
        match = _HOURS.match(part.lower())
        if not match or match[1] not in DAY_NAMES or (match[2] and match[2] not in DAY_NAMES):
            raise ValueError(f"not opening hours: {part.strip()!r} (e.g. 'mon-fri 09:00-21:00')")
        first = DAY_NAMES.index(match[1])
        last = DAY_NAMES.index(match[2]) if match[2] else first
        opens, closes = (time.fromisoformat(value.zfill(5)) for value in (match[3], match[4]))
        if closes <= opens or last < first:
            raise ValueError(f"closing comes before opening: {part.strip()!r}")
        for day in range(first, last + 1):
            hours[WEEKDAYS[day]] = [opens.strftime("%H:%M"), closes.strftime("%H:%M")]
    if not hours:
        raise ValueError("no opening hours given")
    return hours


def add_room(session: Session, new: NewRoom, *, now: datetime) -> Room:
    room = Room(
        code=new.code,
        name_zh=new.name_zh,
        name_en=new.name_en,
        description_zh=new.description_zh,
        description_en=new.description_en,
        rules_zh=new.rules_zh,
        rules_en=new.rules_en,
        capacity=new.capacity,
        hours=new.hours,
        slot_minutes=new.slot_minutes,
        book_role=new.book_role,
        needs_approval=new.needs_approval,
        ahead_days=new.ahead_days,
        notice_minutes=new.notice_minutes,
        week_hours=new.week_hours,
        is_open=True,
        door_code=new.door_code,
        created_at=now,
    )
    session.add(room)
    session.flush()
    return room


def rooms(session: Session, *, include_closed: bool = False) -> list[Room]:
    query = select(Room).order_by(Room.id)
    if not include_closed:
        query = query.where(Room.is_open.is_(True))
    return list(session.scalars(query))


def find_room(session: Session, code: str) -> Room | None:
    return session.scalars(select(Room).where(Room.code == code)).first()


def day_slots(room: Room, day: date, tz: ZoneInfo) -> list[datetime]:
    """The starts of the room's slots on ``day`` (community time), as aware datetimes."""
    span = room.hours.get(WEEKDAYS[day.weekday()])
    if not span:
        return []
    opens = datetime.combine(day, time.fromisoformat(span[0]), tz)
    closes = datetime.combine(day, time.fromisoformat(span[1]), tz)
    step = timedelta(minutes=room.slot_minutes)
    starts, moment = [], opens
    while moment + step <= closes:
        starts.append(moment)
        moment += step
    return starts


def taken_starts(session: Session, room_id: int, start: datetime, end: datetime) -> set[datetime]:
    rows = session.scalars(
        select(BookedSlot.starts_at).where(
            BookedSlot.room_id == room_id,
            BookedSlot.starts_at >= start,
            BookedSlot.starts_at < end,
        )
    )
    return set(rows)


def closures(session: Session, room_id: int, start: datetime, end: datetime) -> list[RoomClosure]:
    return list(
        session.scalars(
            select(RoomClosure).where(
                RoomClosure.room_id == room_id,
                RoomClosure.starts_at < end,
                RoomClosure.ends_at > start,
            )
        )
    )


def is_closed(spans: list[RoomClosure], moment: datetime, length: timedelta) -> bool:
    return any(span.starts_at < moment + length and span.ends_at > moment for span in spans)


def week_start(moment: datetime, tz: ZoneInfo) -> datetime:
    """Monday 00:00 (community time) of the week holding ``moment``."""
    local = moment.astimezone(tz)
    return datetime.combine(local.date() - timedelta(days=local.weekday()), time(0), tz)


def count_live(session: Session, room_id: int) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Booking)
            .where(Booking.room_id == room_id, Booking.status.in_(LIVE))
        )
        or 0
    )


def hours_used(session: Session, start: datetime, end: datetime) -> list[list]:
    """Per room, bookings starting in [start, end): [name_zh, name_en, hours booked, hours
    used] — booked counts what held the room (confirmed, checked in or not, and no-shows),
    used what was checked in. Counts only, never who."""
    held = (BookingStatus.CONFIRMED, BookingStatus.RELEASED)
    totals: dict[int, list] = {}
    rows = session.execute(
        select(Booking.room_id, Booking.starts_at, Booking.ends_at, Booking.checked_in_at).where(
            Booking.starts_at >= start, Booking.starts_at < end, Booking.status.in_(held)
        )
    ).all()
    for room_id, starts_at, ends_at, checked_in_at in rows:
        hours = (ends_at - starts_at).total_seconds() / 3600
        entry = totals.setdefault(room_id, [0.0, 0.0])
        entry[0] += hours
        if checked_in_at is not None:
            entry[1] += hours
    out = []
    for room in session.scalars(select(Room).order_by(Room.id)):
        booked, used = totals.get(room.id, [0.0, 0.0])
        out.append([room.name_zh, room.name_en, round(booked, 1), round(used, 1)])
    return out
