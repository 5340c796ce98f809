"""Helpers for the rooms tests: a room made directly in the database, and who holds what."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from db import room_rules as rules
from db.room_models import BookedSlot, Booking


def make_room(
    session_factory,
    now: datetime,
    *,
    code: str = "chess",
    name_zh: str | None = "棋牌活动室",
    name_en: str | None = "Chess and card room",
    capacity: int = 8,
    hours: str = "mon-sun 09:00-21:00",
    slot_minutes: int = 60,
    week_hours: int = 6,
    notice_minutes: int = 60,
    ahead_days: int = 28,
    book_role: str | None = None,
    rules_zh: str | None = "请保持安静，离开前把桌椅归位。",
    rules_en: str | None = "Keep it quiet; put the tables back before you leave.",
) -> int:
    with session_factory() as session, session.begin():
        room = rules.add_room(
            session,
            rules.NewRoom(
                code=code,
                name_zh=name_zh,
                name_en=name_en,
                capacity=capacity,
                hours=rules.parse_hours(hours),
                slot_minutes=slot_minutes,
                description_zh="棋牌、围棋、象棋。",
                description_en="Board games, go and Chinese chess.",
                rules_zh=rules_zh,
                rules_en=rules_en,
                week_hours=week_hours,
                notice_minutes=notice_minutes,
                ahead_days=ahead_days,
                book_role=book_role,
            ),
            now=now,
        )
        return room.id


def bookings(session_factory) -> list[tuple[str, str, str, int]]:
    """(ref, status, purpose, slots held) by id."""
    with session_factory() as session:
        rows = session.scalars(select(Booking).order_by(Booking.id)).all()
        return [
            (
                b.ref,
                b.status,
                b.purpose,
                len(session.scalars(select(BookedSlot).where(BookedSlot.booking_id == b.id)).all()),
            )
            for b in rows
        ]


def book_friday_evening(person, *, purpose: str = "Weekly chess club", people: str = "6") -> None:
    """/rooms → the room → Fri → 19:00 → until 21:00 → purpose → people (the summary)."""
    person.send("/rooms")
    person.press("Chess and card room")
    person.press("Fri, Nov 27")
    person.press("19:00")
    person.press("until 21:00")
    person.send(purpose)
    person.send(people)
