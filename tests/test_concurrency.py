"""Concurrency, tested rather than assumed, on SQLite and on PostgreSQL: several outbox workers
on their own engines share the table without sending anything twice or losing anything, and
the dispatcher answers everyone correctly when many messages arrive from many threads at once."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.dispatcher import Dispatcher
from bot.outbox import OutboxWorker, TickReport
from db import outbox
from db.engine import make_engine, make_session_factory
from db.models import Conversation, OutboxMessage, OutboxStatus, User
from handlers.buttons.disputes import ReportDispute
from handlers.buttons.events import ListEvents
from handlers.buttons.language import ChooseLanguage
from handlers.buttons.requests import AskForHelp
from handlers.router import Registry
from handlers.types import ChatRef, Inbound, Kind, Reply, Sender
from tests.concurrency_support import TickingClock, run_in_threads
from tests.support import Note, Resident, loose_dispatcher, registry_with_notes


class Gate:
    """Lets its ``parties`` through together (or after ``timeout`` s, so a party that never
    comes fails the test's assertion instead of hanging it)."""

    def __init__(self, parties: int, timeout: float = 2.0) -> None:
        self.parties, self.timeout = parties, timeout
        self.arrived: set[int] = set()
        self.open = asyncio.Event()

    async def arrive(self, party: object) -> None:
        self.arrived.add(id(party))
        if len(self.arrived) >= self.parties:
            self.open.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.open.wait(), self.timeout)


class SlowDeliverer:
    """A transport that takes a moment per message and records what it delivered. With a
    ``gate`` (shared by several), messages wait (2 s at most) until every deliverer sharing
    it has had one in hand: the workers then provably overlap, however the threads
    happen to be scheduled."""

    def __init__(self, gate: Gate | None = None) -> None:
        self.delivered: list[tuple[str, str]] = []
        self.gate = gate

    async def deliver(self, chat_id: str, reply: Reply, *, edit_ref: str | None = None) -> None:
        if self.gate is not None:
            await self.gate.arrive(self)
        await asyncio.sleep(0.001)
        self.delivered.append((chat_id, reply.text))

    def min_interval(self, chat_id: str) -> float:
        return 0.0


@pytest.fixture
def registry() -> Registry:
    return registry_with_notes()


@pytest.fixture
def racing_dispatcher(session_factory, registry, community) -> Dispatcher:
    """The dispatcher as in production (a clock that moves), with flood control loosened:
    one person's 21 messages in a burst are what test 3 races, not what flood control is for
    (it would answer the 21st with "slow down")."""
    return loose_dispatcher(session_factory, registry, community, TickingClock())


def assert_answered(replies: list[Reply], apologies: set[str], what: str) -> None:
    assert replies, f"{what}: no reply at all"
    for reply in replies:
        assert reply.text not in apologies, f"{what}: got the apology"


def command(user_id: str, name: str, args: str = "", hint: str = "en") -> Inbound:
    sender = Sender("telegram", user_id, f"Resident {user_id}", None, hint)
    text = f"/{name} {args}".strip()
    return Inbound(
        ChatRef("telegram", user_id), sender, Kind.COMMAND, text=text, command=name, args=args
    )


def text_message(user_id: str, text: str, hint: str = "en") -> Inbound:
    sender = Sender("telegram", user_id, f"Resident {user_id}", None, hint)
    return Inbound(ChatRef("telegram", user_id), sender, Kind.TEXT, text=text)


def count(session_factory, model: type, *where: Any) -> int:
    with session_factory() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


async def test_workers_on_separate_engines_deliver_every_message_exactly_once(
    database_url, session_factory, registry, community, clock
):
    """With three outbox workers running side by side (as three processes would), each of 300
    messages to 100 people is delivered once: none twice, none missing."""
    now = clock()
    with session_factory() as session, session.begin():
        for n in range(300):
            outbox.enqueue(
                session,
                transport="telegram",
                chat_id=str(20_000 + n % 100),
                params=Note(n=n),
                now=now,
                dedup_key=f"note:{n}",
            )
    engines = [make_engine(database_url) for _ in range(3)]
    gate = Gate(len(engines))
    deliverers = [SlowDeliverer(gate) for _ in engines]
    workers = [
        OutboxWorker(
            session_factory=make_session_factory(engine),
            registry=registry,
            community=community,
            deliverers={"telegram": deliverer},
            clock=clock,
            batch_size=25,
        )
        for engine, deliverer in zip(engines, deliverers, strict=True)
    ]
    try:
        reports: list[TickReport] = await asyncio.gather(*(w.tick() for w in workers))
    finally:
        for engine in engines:
            engine.dispose()

    delivered = Counter(item for d in deliverers for item in d.delivered)
    expected = Counter((str(20_000 + n % 100), f"note {n}") for n in range(300))
    twice = sorted(item for item, times in delivered.items() if times > 1)
    missing = sorted((expected - delivered).elements())
    assert twice == [], f"delivered more than once: {twice[:10]}"
    assert missing == [], f"never delivered: {missing[:10]}"
    assert delivered == expected
    assert sum(report.sent for report in reports) == 300
    assert all(report.sent > 0 for report in reports), (
        f"the workers did not overlap, so this proved nothing: {reports}"
    )
    assert count(session_factory, OutboxMessage, OutboxMessage.status == OutboxStatus.SENT) == 300
    assert count(session_factory, OutboxMessage) == 300


def test_fifty_residents_at_once_all_get_their_menu_and_answers(
    racing_dispatcher, session_factory, apologies
):
    """Fifty neighbours opening the bot and pressing a menu button at the same moment are all
    answered properly, and each is one user with one conversation."""
    residents = [
        Resident(
            racing_dispatcher,
            f"Neighbour {i}",
            "en" if i % 2 else "zh-hans",
            user_id=str(30_000 + i),
        )
        for i in range(50)
    ]

    def visit(resident: Resident) -> tuple[list[Reply], list[Reply]]:
        welcome = resident.send("/start")
        pressed = resident.press_payload(resident.buttons()[0].payload or "")
        return welcome, pressed

    results = run_in_threads([lambda r=r: visit(r) for r in residents])

    for resident, (welcome, pressed) in zip(residents, results, strict=True):
        assert_answered(welcome, apologies, f"{resident.name} /start")
        assert_answered(pressed, apologies, f"{resident.name} menu button")
        menu = [row[0].payload for row in welcome[0].buttons]
        expected = [ListEvents(), AskForHelp(), ReportDispute(), ChooseLanguage()]
        assert [p.pack() for p in expected if p.pack() in menu] == [p.pack() for p in expected], (
            f"{resident.name}: no menu"
        )
        assert menu[:3] == [p.pack() for p in expected[:3]], f"{resident.name}: menu order"
    assert count(session_factory, User) == 50 + 1  # and the settings' admin, loaded at start
    with session_factory() as session:
        per_user = session.execute(
            select(Conversation.user_id, func.count()).group_by(Conversation.user_id)
        ).all()
        external_ids = set(session.scalars(select(User.external_id)))
    assert external_ids == {r.user_id for r in residents} | {"9000"}  # the admin
    assert len(per_user) == 50
    assert {n for _, n in per_user} == {1}


def test_one_residents_burst_of_messages_is_all_answered_and_none_lost(
    racing_dispatcher, session_factory, apologies
):
    """Someone who sends 20 messages and a language switch in a burst gets an answer to every
    one, and the switch holds (no update lost to a race)."""
    user_id = "40001"
    assert_answered(racing_dispatcher.handle(command(user_id, "start")), apologies, "/start")
    inbounds = [text_message(user_id, "hello") for _ in range(20)]
    inbounds.insert(10, command(user_id, "lang", "en"))

    results = run_in_threads([lambda i=i: racing_dispatcher.handle(i) for i in inbounds])

    for index, replies in enumerate(results):
        assert_answered(replies, apologies, f"message {index}")
    with session_factory() as session:
        (user,) = session.scalars(select(User).where(User.external_id == user_id)).all()
    assert user.locale == "en"


def test_first_contact_from_many_threads_makes_one_user(
    racing_dispatcher, session_factory, apologies
):
    """A newcomer whose /start arrives ten times at once (double taps, retries) becomes one
    user with one conversation, and every copy is answered with the welcome."""
    user_id = "50001"
    start_together = threading.Barrier(10)

    def first_contact() -> list[Reply]:
        start_together.wait(timeout=30)
        return racing_dispatcher.handle(command(user_id, "start"))

    results = run_in_threads([first_contact] * 10, threads=10)

    for index, replies in enumerate(results):
        assert_answered(replies, apologies, f"/start copy {index}")
        payloads = [row[0].payload for row in replies[0].buttons]
        assert ChooseLanguage().pack() in payloads, f"/start copy {index}: no menu"
    assert count(session_factory, User, User.external_id == user_id) == 1
    assert count(session_factory, Conversation) == 1
