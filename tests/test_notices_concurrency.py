"""Notices with several at once: two outbox workers on one notice, and two sweeps queuing it at
the same time — nobody gets it twice; one topic turned on twice at once is held once (SQLite and
PostgreSQL)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.outbox import OutboxWorker
from db.models import User
from db.notices import operations as ops
from db.notices import subscriptions as subs
from db.notices.models import Notice
from db.users import get_or_create_user
from handlers.buttons.notices import ToggleTopic
from handlers.types import Sender
from tests.concurrency_support import TickingClock, press_inbound, race, run_in_threads
from tests.notices_support import announcer, neighbour, run_all, sweeper, write_notice
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


#: The panel a press answers with: the topic turned on, in English and in Chinese.
ON = {
    "en": ("📰 Community news is already on.", "You receive: 📰 Community news"),
    "zh-hans": ("“📰 社区新闻”已经是开启的。", "您接收：📰 社区新闻"),
}


@pytest.mark.parametrize("hint", ["en", "zh-hans"])
def test_two_presses_of_a_topic_at_once_subscribe_once(
    resident, session_factory, registry, community, apologies, hint
):
    """The same "turn on" pressed twice at once (a double tap, or the panel open on two
    devices): both presses are answered with the panel, one of them saying the topic is
    already on, and the topic is held once with one consent time."""
    ana = neighbour(resident, "Ana", hint, topics="no", user_id="5100")
    ana.send("/notices")
    racing = loose_dispatcher(session_factory, registry, community, TickingClock())
    payload = ToggleTopic("news", "on").pack()
    press = replace(
        press_inbound("5100", payload), sender=Sender("telegram", "5100", "Ana", None, hint)
    )
    answers = race(racing, [press, press])
    already, receive = ON[hint]
    assert all(receive in answer for answer in answers), answers
    assert sum(answer.startswith(already + "\n") for answer in answers) == 1, answers
    assert not any(apology in answer for answer in answers for apology in apologies)
    with session_factory() as session:
        user = session.scalars(select(User).where(User.external_id == "5100")).one()
        topics = subs.export(session, user)["topics"]
    assert [t["topic"] for t in topics] == ["news"]


def test_two_writers_choosing_the_same_topic_at_once_both_succeed(session_factory, clock):
    """Two transactions that both turn the same topic on for one person, the second while the
    first is not yet committed and without the person's lock the dispatcher takes: the second
    waits for the first and finds the topic there — no unique-constraint error, one consent
    (the first one's time)."""
    with session_factory() as session, session.begin():
        user_id = get_or_create_user(
            session, transport="telegram", external_id="5200", now=clock()
        ).id
    first_wrote = threading.Event()
    first_time, second_time = clock(), clock() + timedelta(seconds=5)

    def choose(now, *, first: bool) -> None:
        if not first:
            first_wrote.wait(timeout=10)
        with session_factory() as session, session.begin():
            user = session.get(User, user_id)
            subs.set_topics(session, user, ["news"], now=now)
            if first:
                first_wrote.set()
                time.sleep(0.3)  # the second writer is now waiting on this one

    run_in_threads(
        [lambda: choose(first_time, first=True), lambda: choose(second_time, first=False)],
        threads=2,
    )
    with session_factory() as session:
        sub = subs.subscription(session, session.get(User, user_id))
    assert sub.asked and sub.consents == (("news", first_time),)
