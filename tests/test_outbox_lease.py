"""Claims on outbox rows: a dead worker's rows go out soon after a restart (the lease is short),
while a live worker that takes longer than the lease keeps its rows (it renews the lease while
it sends), so a second worker never sends them too."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.dispatcher import utc_now
from bot.outbox import OutboxWorker
from db import outbox
from db.models import OutboxMessage, OutboxStatus
from handlers.router import Registry
from handlers.types import Reply
from tests.support import Note, registry_with_notes


class SlowDeliverer:
    """Takes ``delay`` seconds per message and records what it delivered."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.delivered: list[tuple[str, str]] = []

    async def deliver(self, chat_id: str, reply: Reply, *, edit_ref: str | None = None) -> None:
        await asyncio.sleep(self.delay)
        self.delivered.append((chat_id, reply.text))

    def min_interval(self, chat_id: str) -> float:
        return 0.0


@pytest.fixture
def registry() -> Registry:
    return registry_with_notes()


def _queue(session_factory, count: int, chat: str = "5000") -> None:
    now = utc_now()
    with session_factory() as session, session.begin():
        for n in range(count):
            outbox.enqueue(session, transport="telegram", chat_id=chat, params=Note(n=n), now=now)


async def test_a_live_worker_keeps_its_claims_beyond_the_lease(
    session_factory, registry, community
):
    """One chat's 6 messages take 1.8 s at 0.3 s each; the lease is 0.6 s. A second worker
    ticking all along finds nothing to claim, and every message is sent once."""
    _queue(session_factory, 6)
    slow, other = SlowDeliverer(0.3), SlowDeliverer(0.0)
    lease = timedelta(seconds=0.6)
    first = OutboxWorker(
        session_factory=session_factory,
        registry=registry,
        community=community,
        deliverers={"telegram": slow},
        lease=lease,
    )
    second = OutboxWorker(
        session_factory=session_factory,
        registry=registry,
        community=community,
        deliverers={"telegram": other},
        lease=lease,
    )
    sending = asyncio.create_task(first.tick())
    await asyncio.sleep(0.15)
    assert first.running  # and holds all six
    while not sending.done():
        await second.tick()
        await asyncio.sleep(0.1)
    assert (await sending).sent == 6
    assert other.delivered == [], "the live worker's rows were taken from it"
    assert [text for _, text in slow.delivered] == [f"note {n}" for n in range(6)]
    with session_factory() as session:
        statuses = session.scalars(select(OutboxMessage.status)).all()
    assert statuses == [OutboxStatus.SENT] * 6


async def test_a_dead_workers_rows_go_out_once_its_short_lease_ran_out(
    session_factory, registry, community
):
    """A worker claims and dies (never renews): after the lease, another sends each row once."""
    _queue(session_factory, 3)
    lease = timedelta(seconds=0.5)
    with session_factory() as session, session.begin():
        assert len(outbox.claim_due(session, now=utc_now(), limit=10, lease=lease)) == 3
    deliverer = SlowDeliverer(0.0)
    worker = OutboxWorker(
        session_factory=session_factory,
        registry=registry,
        community=community,
        deliverers={"telegram": deliverer},
        lease=lease,
    )
    assert (await worker.tick()).sent == 0, "the lease still runs"
    await asyncio.sleep(0.6)
    assert (await worker.tick()).sent == 3
    assert (await worker.tick()).sent == 0
    assert [text for _, text in deliverer.delivered] == ["note 0", "note 1", "note 2"]


async def test_a_scheduled_run_while_a_tick_runs_returns_at_once_and_is_not_lost(
    session_factory, registry, community
):
    """The scheduler's job finds a tick at work: it returns at once (APScheduler never has to
    skip it) and the running tick sends what was queued meanwhile."""
    _queue(session_factory, 2, chat="5001")
    slow = SlowDeliverer(0.2)
    worker = OutboxWorker(
        session_factory=session_factory,
        registry=registry,
        community=community,
        deliverers={"telegram": slow},
    )
    sending = asyncio.create_task(worker.tick())
    await asyncio.sleep(0.05)
    assert worker.running
    _queue(session_factory, 1, chat="5002")
    await asyncio.wait_for(worker.run_scheduled(), 0.05)
    await sending
    assert sorted(slow.delivered) == [("5001", "note 0"), ("5001", "note 1"), ("5002", "note 0")]
