"""Events under load, on SQLite and on PostgreSQL: many neighbours pressing at once through the
real dispatcher from many threads never overbook, never skip anyone in the line, never sign
anyone up twice, and nobody sees an error; a reminder survives a restart and is sent once."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.dispatcher import Dispatcher
from bot.sweeper import Sweeper
from db import event_reads as ev_reads
from db.engine import make_engine, make_session_factory
from db.event_models import Event, EventSignup, SignupStatus
from db.models import OutboxMessage, OutboxStatus, User
from handlers import build_registry
from tests.concurrency_support import TickingClock, no_error, run_in_threads
from tests.events_support import make_event, queued
from tests.support import FakeClock, PostBox, Resident, loose_dispatcher, run_outbox

CROWD = 200
PLACES = 10


@pytest.fixture
def racing(session_factory, community) -> Dispatcher:
    clock = TickingClock()
    return loose_dispatcher(session_factory, build_registry(), community, clock, limit=10_000)


def line(session_factory, event_id: int) -> list[tuple[str, str, int]]:
    with session_factory() as session:
        rows = session.execute(
            select(User.external_id, EventSignup.status, EventSignup.seq)
            .join(User, User.id == EventSignup.user_id)
            .where(EventSignup.event_id == event_id)
            .order_by(EventSignup.seq)
        ).all()
    return [tuple(row) for row in rows]


def held_and_capacity(session_factory, event_id: int) -> tuple[int, int | None]:
    with session_factory() as session:
        return ev_reads.places_held(session, event_id), session.get(Event, event_id).capacity


def test_two_hundred_at_once_for_ten_places(racing, session_factory, apologies):
    """200 neighbours open the card and confirm at the same moment: exactly 10 get places,
    the other 190 are told their place in line 1…190 in the order the database took them,
    and the ones who press Confirm twice are not signed up twice."""
    clock = TickingClock()
    event_id = make_event(session_factory, clock(), capacity=PLACES)
    residents = [
        Resident(racing, f"N{i}", "en" if i % 2 else "zh-hans", user_id=str(60_000 + i))
        for i in range(CROWD)
    ]

    def open_card(person: Resident) -> str:
        no_error(person.send(f"/start ev_{event_id}"), apologies, person.name)
        return no_error(person.press_payload(f"ev:join:{event_id}"), apologies, person.name)

    run_in_threads([lambda p=p: open_card(p) for p in residents], threads=16)
    starters = [p for p in residents if int(p.user_id) % 16 == 0]
    together = threading.Barrier(len(starters))

    def confirm(person: Resident) -> str:
        if person in starters:
            together.wait(timeout=30)  # a few start exactly together
        return no_error(person.press_payload(f"ev:ok:{event_id}:1"), apologies, person.name)

    answers = run_in_threads([lambda p=p: confirm(p) for p in residents], threads=16)

    def person_confirms_again(person: Resident) -> str:
        return no_error(person.press_payload(f"ev:ok:{event_id}:1"), apologies, person.name)

    # Ten of them press Confirm a second time (a double tap).
    again = run_in_threads(
        [lambda p=p: person_confirms_again(p) for p in residents[1:20:2]], threads=8
    )

    rows = line(session_factory, event_id)
    assert len(rows) == CROWD, "one signup per person"
    assert len({external for external, _, _ in rows}) == CROWD
    assert [seq for _, _, seq in rows] == list(range(1, CROWD + 1))
    statuses = [status for _, status, _ in rows]
    assert statuses == [SignupStatus.CONFIRMED] * PLACES + [SignupStatus.WAITING] * (
        CROWD - PLACES
    ), "the first ten in the database's order got the places; the rest wait in order"
    told: dict[str, int] = {}
    for person, text in zip(residents, answers, strict=True):
        match = re.search(r"(?:number |候补名单第 )(\d+)", text)
        if match:
            told[person.user_id] = int(match.group(1))
        else:
            assert "You are signed up" in text or "您已报名" in text, text
    waiting = [external for external, status, _ in rows if status == SignupStatus.WAITING]
    assert [told[external] for external in waiting] == list(range(1, CROWD - PLACES + 1))
    for text in again:
        assert "already signed up" in text or "已经报名" in text
    assert held_and_capacity(session_factory, event_id) == (PLACES, PLACES)
    assert len(queued(session_factory, "ev.reminder")) == 2 * PLACES


def _prefix_invariant(rows: list[tuple[str, str, int]], original_waiting: list[str]) -> None:
    """Everyone who was offered a place came before everyone still waiting (party size 1)."""
    status = {external: s for external, s, _ in rows}
    in_line = [status[external] for external in original_waiting]
    still_waiting = [i for i, s in enumerate(in_line) if s == SignupStatus.WAITING]
    moved = [i for i, s in enumerate(in_line) if s != SignupStatus.WAITING]
    if still_waiting and moved:
        assert max(moved) < min(still_waiting), f"someone was skipped: {in_line}"


def test_cancellations_offers_answers_and_capacity_changes_at_once(
    racing, session_factory, community, apologies
):
    """Ten attendees and twenty waiting. At once: five cancel, the organiser raises the
    places to 13, the sweeper runs; then at once the offered answer (some decline), three more
    cancel, and the places go to 15. Never more held than the places, nobody skipped, and no
    place left idle while someone waits."""
    event_id = make_event(session_factory, TickingClock()(), capacity=10, organiser_id=None)
    people = [Resident(racing, f"P{i}", "en", user_id=str(70_000 + i)) for i in range(30)]
    admin = Resident(racing, "Admin", "en", user_id="9000")
    for person in people:
        no_error(person.press_payload(f"ev:ok:{event_id}:1"), apologies, person.name)
    original_waiting = [p.user_id for p in people[10:]]
    sweeper = Sweeper(
        session_factory=session_factory,
        registry=racing.registry,
        community=community,
        clock=FakeClock(TickingClock()() + timedelta(minutes=5)),
    )

    def set_places(n: int) -> str:
        no_error(admin.press_payload(f"ev:cap:{event_id}"), apologies, "admin")
        no_error(admin.send(str(n)), apologies, "admin")
        return no_error(admin.press("Confirm"), apologies, "admin")

    jobs = [
        lambda p=p: no_error(p.press_payload(f"ev:cx:{event_id}"), apologies, p.name)
        for p in people[:5]
    ]
    jobs += [lambda: set_places(13), sweeper.run, sweeper.run]
    run_in_threads(jobs, threads=8)

    rows = line(session_factory, event_id)
    held, capacity = held_and_capacity(session_factory, event_id)
    assert capacity == 13 and held == 13, "every free place is offered to someone waiting"
    _prefix_invariant(rows, original_waiting)
    offered = [external for external, status, _ in rows if status == SignupStatus.OFFERED]
    assert offered == original_waiting[:8]

    by_id = {p.user_id: p for p in people}
    with session_factory() as session:
        offer_ids = dict(
            session.execute(
                select(User.external_id, EventSignup.id)
                .join(User, User.id == EventSignup.user_id)
                .where(EventSignup.status == SignupStatus.OFFERED)
            ).all()
        )

    def answer(external: str, accept: bool) -> str:
        person = by_id[external]
        action = "acc" if accept else "dec"
        return no_error(
            person.press_payload(f"ev:{action}:{offer_ids[external]}"), apologies, person.name
        )

    jobs = [lambda e=e, i=i: answer(e, i % 3 != 0) for i, e in enumerate(offered)]
    jobs += [
        lambda p=p: no_error(p.press_payload(f"ev:cx:{event_id}"), apologies, p.name)
        for p in people[5:8]
    ]
    jobs += [lambda: set_places(15), sweeper.run]
    run_in_threads(jobs, threads=8)
    # A declined place is held for a minute (it can be undone); the sweep after that minute
    # (the sweeper's clock is five minutes ahead) passes it on.
    sweeper.run()

    rows = line(session_factory, event_id)
    held, capacity = held_and_capacity(session_factory, event_id)
    assert capacity == 15
    assert held == 15, "no place idle while someone waits"
    _prefix_invariant(rows, original_waiting)
    confirmed = [external for external, status, _ in rows if status == SignupStatus.CONFIRMED]
    assert len(set(confirmed)) == len(confirmed)
    declined = [e for i, e in enumerate(offered) if i % 3 == 0]
    for external in declined:
        assert dict((e, s) for e, s, _ in rows)[external] == SignupStatus.CANCELLED


def test_a_reminder_queued_before_a_restart_is_sent_once(
    database_url, session_factory, community, resident, clock
):
    """Sign up, "restart" (the first engine is gone; new workers on new engines), and at the
    reminder's time two workers tick side by side: the reminder arrives exactly once."""
    event_id = make_event(session_factory, clock(), capacity=5, starts_in=timedelta(hours=30))
    wang = resident("Wang", "zh-hans")
    wang.press_payload(f"ev:ok:{event_id}:1")
    assert "您已报名" in wang.text
    session_factory.kw["bind"].dispose()  # the bot stops

    engines = [make_engine(database_url) for _ in range(2)]
    inbox = PostBox()
    registry = build_registry()
    try:
        factories = [make_session_factory(e) for e in engines]
        clock.advance(hours=6, minutes=1)  # 24 h before the start
        for factory in factories:
            run_outbox(factory, registry, community, clock, inbox)
        clock.advance(minutes=10)
        for factory in factories:
            run_outbox(factory, registry, community, clock, inbox)
        with factories[0]() as session:
            rows = session.scalars(
                select(OutboxMessage).where(OutboxMessage.template == "ev.reminder")
            ).all()
    finally:
        for engine in engines:
            engine.dispose()
    assert inbox.texts(wang.user_id) == [
        "⏰ 提醒：“中秋游园会”将于 1 天后开始（2026年11月27日周五 22:00）。"
        "地点：Community centre hall"
    ]
    assert sorted(row.status for row in rows) == [OutboxStatus.PENDING, OutboxStatus.SENT]


def test_a_reminder_already_due_is_not_queued(resident, session_factory, clock):
    """Signing up 90 minutes before the start: the 24 h and 2 h reminders are in the past."""
    event_id = make_event(session_factory, clock(), starts_in=timedelta(minutes=90))
    alice = resident("Alice", "en")
    alice.press_payload(f"ev:ok:{event_id}:1")
    assert "You are signed up" in alice.text
    assert queued(session_factory, "ev.reminder") == []


def test_a_worker_that_dies_after_claiming_a_reminder_leaves_it_to_the_next(
    database_url, session_factory, community, resident, clock
):
    """A worker claims the due reminder and dies before sending it: nothing goes out while
    its lease runs; then a new worker sends it, once."""
    from db import outbox

    event_id = make_event(session_factory, clock(), capacity=5, starts_in=timedelta(hours=3))
    alice = resident("Alice", "en")
    alice.press_payload(f"ev:ok:{event_id}:1")
    clock.advance(hours=1, minutes=1)  # the 2 h reminder is due
    with session_factory() as session, session.begin():
        (claimed,) = outbox.claim_due(session, now=clock(), limit=10, lease=timedelta(minutes=5))
    assert claimed.template == "ev.reminder"
    session_factory.kw["bind"].dispose()  # the worker is gone

    engine = make_engine(database_url)
    inbox = PostBox()
    try:
        factory = make_session_factory(engine)
        assert run_outbox(factory, build_registry(), community, clock, inbox) == 0
        clock.advance(minutes=6)
        assert run_outbox(factory, build_registry(), community, clock, inbox) == 1
        assert run_outbox(factory, build_registry(), community, clock, inbox) == 0
    finally:
        engine.dispose()
    (text,) = inbox.texts(alice.user_id)
    assert text.startswith("⏰ Reminder: “Mid-Autumn Garden Party” starts in 2 hours")


def test_fewer_people_while_others_sign_up_never_overbooks(racing, session_factory, apologies):
    """Five groups of three hold the fifteen places; each comes with one fewer, twice over
    (a double tap), while thirty neighbours sign up at once: never more places held than the
    event has, each group keeps its place, and the freed ones are offered in line order."""
    clock = TickingClock()
    event_id = make_event(session_factory, clock(), capacity=15, max_party=3)
    groups = [Resident(racing, f"G{i}", "en", user_id=str(70_000 + i)) for i in range(5)]
    for group in groups:
        no_error(group.press_payload(f"ev:ok:{event_id}:3"), apologies, group.name)
    crowd = [
        Resident(racing, f"C{i}", "zh-hans" if i % 2 else "en", user_id=str(71_000 + i))
        for i in range(30)
    ]
    jobs = [
        lambda g=g: no_error(g.press_payload(f"ev:set_fewer:{event_id}:2"), apologies, g.name)
        for g in groups * 2
    ] + [
        lambda p=p: no_error(p.press_payload(f"ev:ok:{event_id}:1"), apologies, p.name)
        for p in crowd
    ]
    run_in_threads(jobs, threads=16)
    held, capacity = held_and_capacity(session_factory, event_id)
    assert held <= capacity
    with session_factory() as session:
        sizes = {
            s.user_id: (s.status, s.party_size)
            for s in session.scalars(select(EventSignup).where(EventSignup.event_id == event_id))
        }
    assert sum(1 for status, size in sizes.values() if (status, size) == ("confirmed", 2)) == 5
    freed = [s for s in sizes.values() if s[0] in ("offered", "confirmed") and s[1] == 1]
    assert len(freed) == 5  # the five places let go went to the first in line
