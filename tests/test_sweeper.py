"""The sweeper runs every flow's periodic jobs, each in its own transaction: a failing one is
rolled back and does not stop the others, and what they queue wakes the outbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.sweeper import Sweeper
from db import outbox
from db.models import OutboxMessage
from handlers.router import Router
from handlers.types import Community
from tests.support import Note, registry_with_notes


def test_sweeps_run_in_their_own_transactions(session_factory, community, clock):
    router = Router("test-sweeps")
    seen: list[datetime] = []

    @router.sweep("test.broken")
    def broken(session: Session, community: Community, now: datetime) -> None:
        outbox.enqueue(session, transport="telegram", chat_id="1", params=Note(), now=now)
        raise RuntimeError("a bug in one sweep")

    @router.sweep("test.reminder")
    def reminder(session: Session, community: Community, now: datetime) -> None:
        seen.append(now)
        outbox.enqueue(
            session,
            transport="telegram",
            chat_id="2",
            params=Note(n=1),
            now=now,
            dedup_key="test:once",
        )

    registry = registry_with_notes()
    registry = type(registry)([*registry.routers, router])
    woken = []
    sweeper = Sweeper(
        session_factory=session_factory,
        registry=registry,
        community=community,
        clock=clock,
        on_outbox=lambda: woken.append(True),
    )
    assert sweeper.run() == ["test.broken"]
    clock.advance(minutes=1)
    assert sweeper.run() == ["test.broken"]
    assert len(seen) == 2 and seen[1] == clock()
    with session_factory() as session:
        chats = session.scalars(select(OutboxMessage.chat_id)).all()
    assert chats == ["2"], "the failed sweep's message was rolled back; the other queued once"
    assert woken == [True, True]
