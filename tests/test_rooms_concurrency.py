"""Rooms under load, on SQLite and PostgreSQL: many neighbours confirming the same slot at once
through the real dispatcher get exactly one booking and every other one a clear "just taken";
the unique slot rows hold even where the read before the insert missed a booking."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.dispatcher import Dispatcher
from db import room_rules as rules
from db import rooms as ops
from db.models import User
from db.room_models import BookedSlot, Booking, Room
from db.users import get_or_create_user
from handlers import build_registry
from handlers.types import ChatRef
from tests.concurrency_support import TickingClock, no_error, run_in_threads
from tests.rooms_support import make_room
from tests.support import Resident, loose_dispatcher

CROWD = 40
SHANGHAI = ZoneInfo("Asia/Shanghai")
#: Fri 27 Nov 2026, 19:00 in Shanghai.
FRIDAY_EVENING = datetime(2026, 11, 27, 11, 0, tzinfo=UTC)


@dataclass
class OtherDevice(Resident):
    """The same person in another chat (a second device, another transport's room)."""

    chat_id: str = ""

    @property
    def chat(self) -> ChatRef:
        return ChatRef(self.transport, self.chat_id)


@pytest.fixture
def racing(session_factory, community) -> Dispatcher:
    return loose_dispatcher(session_factory, build_registry(), community, TickingClock(), 10_000)


def test_forty_confirm_the_same_slot_at_once_and_one_gets_it(
    racing,
    session_factory,
    apologies,
):
    make_room(session_factory, datetime(2026, 11, 26, 8, 0, tzinfo=UTC))
    people = [
        Resident(racing, f"N{i}", "en" if i % 2 else "zh-hans", user_id=str(70_000 + i))
        for i in range(CROWD)
    ]

    def open_form(person: Resident) -> str:
        person.press_payload("rm:slot:1:20261127:1140")  # Fri 19:00
        if [b for b in person.buttons() if b.payload and b.payload.startswith("rm:run:")]:
            person.press_payload("rm:run:1:20261127:1140:1")
        person.send("Go club" if person.language_code == "en" else "围棋")
        person.send("4")
        [confirm] = [b.payload for b in person.buttons() if b.payload.startswith("fm:confirm")]
        return confirm

    confirms = run_in_threads([lambda p=p: open_form(p) for p in people], threads=8)
    together = threading.Barrier(8)

    def press(person: Resident, payload: str) -> str:
        if int(person.user_id) % 5 == 0:
            together.wait(timeout=30)
        return no_error(person.press_payload(payload), apologies, person.name)

    answers = run_in_threads(
        [lambda p=p, c=c: press(p, c) for p, c in zip(people, confirms, strict=True)], threads=8
    )
    booked = [text for text in answers if "✅ Booked." in text or "✅ 已预约。" in text]
    taken = [text for text in answers if "just taken" in text or "刚刚被别人预约" in text]
    assert len(booked) == 1, booked
    assert len(taken) == CROWD - 1
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Booking)) == 1
        assert session.scalars(select(BookedSlot.starts_at)).all() == [FRIDAY_EVENING]


def test_the_unique_slot_rows_hold_where_the_read_missed_a_booking(session_factory, monkeypatch):
    """Two bookings of the same slot whose reads both saw it free (as two transactions racing
    on PostgreSQL do): the second insert fails inside its savepoint and is told TAKEN."""
    now = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
    make_room(session_factory, now)
    monkeypatch.setattr(rules, "taken_starts", lambda *args: set())
    outcomes = []
    for who in ("a", "b"):
        with session_factory() as session, session.begin():
            user = get_or_create_user(session, transport="telegram", external_id=who, now=now)
            room = session.get(Room, 1)
            result = ops.book(
                session,
                room,
                user,
                starts_at=FRIDAY_EVENING,
                slots=2,
                purpose="x",
                people=2,
                now=now,
                tz=SHANGHAI,
            )
            outcomes.append(result.outcome)
    assert outcomes == [ops.Outcome.BOOKED, ops.Outcome.TAKEN]
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Booking)) == 1
        assert session.scalar(select(func.count()).select_from(BookedSlot)) == 2


def test_many_threads_booking_directly_make_one_booking(session_factory):
    """Straight at ``db.rooms.book``, each thread in its own transaction, started together."""
    now = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
    make_room(session_factory, now)
    with session_factory() as session, session.begin():
        ids = [
            get_or_create_user(session, transport="telegram", external_id=f"t{i}", now=now).id
            for i in range(12)
        ]
    together = threading.Barrier(len(ids))

    def attempt(user_id: int) -> str:
        together.wait(timeout=30)
        for _ in range(5):
            try:
                with session_factory() as session, session.begin():
                    result = ops.book(
                        session,
                        session.get(Room, 1),
                        session.get(User, user_id),
                        starts_at=FRIDAY_EVENING,
                        slots=1,
                        purpose="x",
                        people=1,
                        now=now,
                        tz=SHANGHAI,
                    )
                    return result.outcome
            except Exception as exc:  # SQLite "database is locked": the dispatcher retries too
                if "locked" not in str(exc):
                    raise
        raise AssertionError("never got the lock")

    outcomes = run_in_threads([lambda u=u: attempt(u) for u in ids], threads=len(ids))
    assert sorted(outcomes) == sorted([ops.Outcome.BOOKED] + [ops.Outcome.TAKEN] * (len(ids) - 1))


def test_one_person_booking_from_two_devices_at_once_keeps_the_weekly_hours(
    racing,
    session_factory,
    apologies,
):
    """The same person confirms two different times from two chats at the same moment, with an
    hour a week left: their user row is locked first, so one is booked and one is refused."""
    make_room(session_factory, datetime(2026, 11, 26, 8, 0, tzinfo=UTC), week_hours=1)
    phone = Resident(racing, "Li", "en", user_id="80000")
    tablet = OtherDevice(racing, "Li", "en", user_id="80000", chat_id="80000-tablet")

    def open_form(person: Resident, minute: int) -> str:
        person.press_payload(f"rm:slot:1:20261127:{minute}")
        person.press_payload(f"rm:run:1:20261127:{minute}:1")
        person.send("Practice")
        person.send("2")
        return next(b.payload for b in person.buttons() if b.payload.startswith("fm:confirm"))

    first = open_form(phone, 600)
    second = open_form(tablet, 720)
    together = threading.Barrier(2)

    def press(person: Resident, payload: str) -> str:
        together.wait(timeout=30)
        return no_error(person.press_payload(payload), apologies, person.name)

    answers = run_in_threads([lambda: press(phone, first), lambda: press(tablet, second)], 2)
    assert sum("✅ Booked." in a for a in answers) == 1, answers
    assert sum("at most 1 h a week" in a for a in answers) == 1, answers
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Booking)) == 1
