"""Sending a notice with several workers at once: two outbox workers on one notice, and two
sweeps queuing it at the same time — nobody gets it twice (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from bot.outbox import OutboxWorker
from db.models import User
from db.notices import operations as ops
from db.notices import subscriptions as subs
from db.notices.models import Notice
from db.users import get_or_create_user
from tests.concurrency_support import run_in_threads
from tests.notices_support import announcer, run_all, sweeper, write_notice
from tests.support import PostBox, loose_dispatcher

READERS = 120


@pytest.fixture
def dispatcher(session_factory, registry, community, clock):
    return loose_dispatcher(session_factory, registry, community, clock)


def _subscribers(session_factory, clock, count: int) -> None:
    """``count`` residents with a private chat who agreed to community news."""
    with session_factory() as session, session.begin():
        for i in range(count):
            user = get_or_create_user(
                session, transport="telegram", external_id=str(70_000 + i), now=clock()
            )
            user.private_chat_id = user.external_id
            user.language_hint = "zh-hans" if i % 2 else "en"
            subs.set_topics(session, user, ["news"], now=clock())


def test_two_workers_and_two_sweeps_on_one_notice_send_each_copy_once(
    resident, session_factory, registry, community, clock
):
    _subscribers(session_factory, clock, READERS)
    ann = announcer(resident, session_factory, clock)
    write_notice(ann)
    sweeps = [sweeper(session_factory, registry, community, clock) for _ in range(2)]
    run_in_threads([sweep.run for sweep in sweeps], threads=2)
    box = PostBox()
    workers = [
        OutboxWorker(
            session_factory=session_factory,
            registry=registry,
            community=community,
            deliverers={"telegram": box},
            clock=clock,
            batch_size=7,
        )
        for _ in range(2)
    ]
    run_in_threads([lambda w=w: asyncio.run(w.tick()) for w in workers], threads=2)
    run_all(session_factory, registry, community, clock, box)
    copies = Counter(
        d.chat_id
        for d in box.received
        if d.chat_id != ann.user_id and ("Water" in d.reply.text or "停水" in d.reply.text)
    )
    assert len(copies) == READERS
    assert set(copies.values()) == {1}, [c for c, n in copies.items() if n > 1]
    with session_factory() as session:
        notice = session.get(Notice, 1)
        assert notice.status == "sent" and notice.total == READERS
        assert ops.progress(session, 1).delivered == READERS
        assert session.query(User).count() == READERS + 2  # the author, the settings' admin
