"""The outbox as residents and admins notice it: messages to other people arrive once, in order,
in the recipient's language, on time; one unreachable person never holds up the others; what
could not be delivered stays visible with its error; a crashed worker loses nothing."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.outbox import DeliveryError, OutboxWorker
from db import outbox
from db.models import OutboxMessage, OutboxStatus
from db.outbox_params import Params
from db.users import get_or_create_user
from handlers.roles import RoleGranted
from handlers.router import Registry
from handlers.types import Reply
from tests.support import FakeClock, Note, registry_with_notes

ON_POSTGRESQL = bool(os.environ.get("LINLI_TEST_DATABASE_URL"))


class RemovedTemplate(Params, template="events.removed_template"):
    """A template no release registers any more."""


class RecordingDeliverer:
    """A transport that records what it delivered and fails on request."""

    def __init__(self, interval: float = 0.0) -> None:
        self.interval = interval
        self.delivered: list[tuple[str, str]] = []  # (chat_id, text), in delivery order
        self.delivered_at: list[tuple[str, float]] = []  # (chat_id, time.monotonic())
        self.tries: list[str] = []  # every chat_id a delivery was attempted to
        self._failures: dict[str, list[DeliveryError]] = {}

    def fail(self, chat_id: str, error: DeliveryError, times: int = 1) -> None:
        """The next ``times`` deliveries to ``chat_id`` raise ``error``."""
        self._failures.setdefault(chat_id, []).extend([error] * times)

    async def deliver(self, chat_id: str, reply: Reply, *, edit_ref: str | None = None) -> None:
        self.tries.append(chat_id)
        pending = self._failures.get(chat_id)
        if pending:
            raise pending.pop(0)
        self.delivered.append((chat_id, reply.text))
        self.delivered_at.append((chat_id, time.monotonic()))

    def min_interval(self, chat_id: str) -> float:
        return self.interval

    def texts(self, chat_id: str) -> list[str]:
        return [text for chat, text in self.delivered if chat == chat_id]


@pytest.fixture
def registry() -> Registry:
    return registry_with_notes()


@pytest.fixture
def deliverer() -> RecordingDeliverer:
    return RecordingDeliverer()


@pytest.fixture
def worker(session_factory, registry, community, deliverer, clock) -> OutboxWorker:
    return OutboxWorker(
        session_factory=session_factory,
        registry=registry,
        community=community,
        deliverers={"telegram": deliverer},
        clock=clock,
    )


def make_user(session_factory, clock: FakeClock, external_id: str, locale: str | None) -> int:
    """A user who chose ``locale`` (None: not chosen); returns their id."""
    with session_factory() as session, session.begin():
        user = get_or_create_user(
            session, transport="telegram", external_id=external_id, now=clock()
        )
        user.locale = locale
        user.private_chat_id = external_id
        session.flush()
        return user.id


def enqueue(
    session_factory,
    clock: FakeClock,
    chat_id: str,
    *,
    params: Params | None = None,
    **kwargs: Any,
) -> bool:
    """Enqueue one message in its own transaction (as a handler's commit would)."""
    with session_factory() as session, session.begin():
        return outbox.enqueue(
            session,
            transport=kwargs.pop("transport", "telegram"),
            chat_id=chat_id,
            params=params or Note(),
            now=clock(),
            **kwargs,
        )


def note(session_factory, clock: FakeClock, chat_id: str, n: int, **kwargs: Any) -> bool:
    return enqueue(session_factory, clock, chat_id, params=Note(n=n), **kwargs)


def rows(session_factory) -> list[OutboxMessage]:
    with session_factory() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def row_for(session_factory, chat_id: str) -> OutboxMessage:
    (row,) = [r for r in rows(session_factory) if r.chat_id == chat_id]
    return row


async def test_each_recipient_reads_the_message_in_their_own_language(
    session_factory, clock, worker, deliverer
):
    """A Chinese-speaking volunteer is told in Chinese, an English-speaking one in English:
    the language each chose wins over the one the message was written with."""
    zh = make_user(session_factory, clock, "2001", "zh_Hans")
    en = make_user(session_factory, clock, "2002", "en")
    for user_id, chat, written_in in ((zh, "2001", "en"), (en, "2002", "zh_Hans")):
        enqueue(
            session_factory,
            clock,
            chat,
            params=RoleGranted(role="volunteer"),
            user_id=user_id,
            locale=written_in,
        )

    report = await worker.tick()

    assert report.sent == 2
    (chinese,) = deliverer.texts("2001")
    (english,) = deliverer.texts("2002")
    assert "志愿者" in chinese, chinese
    assert "volunteer" not in chinese, chinese
    assert "volunteer" in english, english
    assert "志愿者" not in english, english


async def test_recipient_without_account_gets_the_rows_own_locale(
    session_factory, clock, worker, deliverer
):
    """A message to a chat with no known user is written in the language stored on the row."""
    enqueue(
        session_factory,
        clock,
        "2003",
        params=RoleGranted(role="volunteer"),
        locale="en",
    )

    await worker.tick()

    assert deliverer.texts("2003") == [
        "You are now a volunteer in Linli. Send /help to see what you can do."
    ]


async def test_same_dedup_key_enqueued_twice_is_sent_once(
    session_factory, clock, worker, deliverer
):
    """A notification triggered twice (e.g. a retried update) reaches the person only once."""
    note(session_factory, clock, "3001", 1, dedup_key="granted:3001:volunteer")
    note(session_factory, clock, "3001", 2, dedup_key="granted:3001:volunteer")

    assert len(rows(session_factory)) == 1
    await worker.tick()
    await worker.tick()
    assert deliverer.delivered == [("3001", "note 1")]


def test_enqueue_tells_whether_the_message_was_added(session_factory, clock):
    """Enqueue answers True for a new message and False for a duplicate it skipped."""
    first = note(session_factory, clock, "3101", 1, dedup_key="granted:3101:volunteer")
    second = note(session_factory, clock, "3101", 2, dedup_key="granted:3101:volunteer")

    assert (first, second) == (True, False)


async def test_message_due_later_is_sent_once_when_its_time_comes(
    session_factory, clock, worker, deliverer
):
    """A reminder for 10 minutes from now is not sent early, then arrives exactly once."""
    note(session_factory, clock, "4001", 1, due_at=clock() + timedelta(minutes=10))

    assert (await worker.tick()).sent == 0
    clock.advance(minutes=9, seconds=59)
    assert (await worker.tick()).sent == 0
    assert deliverer.tries == []

    clock.advance(seconds=1)
    assert (await worker.tick()).sent == 1
    assert (await worker.tick()).sent == 0
    assert deliverer.delivered == [("4001", "note 1")]
    assert row_for(session_factory, "4001").status == OutboxStatus.SENT


async def test_rate_limit_delays_the_chat_exactly_and_loses_nothing(
    session_factory, clock, worker, deliverer
):
    """When Telegram says "retry after 30 s", that chat's messages wait 30 s, keep their order,
    count no failed attempt, and are then delivered once; other chats are not delayed."""
    for n in (1, 2, 3):
        note(session_factory, clock, "5001", n)
    note(session_factory, clock, "5002", 9)
    deliverer.fail("5001", DeliveryError("Too Many Requests", retry_after=30))
    start = clock()

    report = await worker.tick()

    assert (report.sent, report.retried, report.failed) == (1, 3, 0)
    assert deliverer.delivered == [("5002", "note 9")]
    waiting = [r for r in rows(session_factory) if r.chat_id == "5001"]
    assert [r.status for r in waiting] == [OutboxStatus.PENDING] * 3
    # Exactly retry_after later, a microsecond apart so that their order is kept.
    assert [r.due_at for r in waiting] == [
        start + timedelta(seconds=30, microseconds=i) for i in range(3)
    ]
    assert [r.attempts for r in waiting] == [0, 0, 0]
    assert [r.claimed_until for r in waiting] == [None] * 3

    clock.advance(seconds=29)
    assert (await worker.tick()).sent == 0
    assert deliverer.texts("5001") == []

    clock.advance(seconds=1, milliseconds=1)  # the rows wait a microsecond apart
    assert (await worker.tick()).sent == 3
    assert (await worker.tick()).sent == 0
    assert deliverer.texts("5001") == ["note 1", "note 2", "note 3"]
    assert deliverer.tries.count("5001") == 4  # the refused try, then each message once


async def test_rate_limit_keeps_due_order_of_messages_enqueued_out_of_order(
    session_factory, clock, worker, deliverer
):
    """A chat's messages keep their due order after a rate limit, even when the one due first
    was written last."""
    note(session_factory, clock, "5101", 2, due_at=clock() + timedelta(minutes=2))
    note(session_factory, clock, "5101", 1, due_at=clock() + timedelta(minutes=1))
    clock.advance(minutes=3)
    deliverer.fail("5101", DeliveryError("Too Many Requests", retry_after=30))

    await worker.tick()
    clock.advance(seconds=30, milliseconds=1)
    await worker.tick()

    assert deliverer.texts("5101") == ["note 1", "note 2"]


async def test_rate_limit_holds_back_the_chats_messages_in_the_next_batch(
    session_factory, registry, community, clock, deliverer
):
    """After "retry after 30 s", no message to that chat goes out before the 30 s are over,
    even one that did not fit in the same batch."""
    worker = OutboxWorker(
        session_factory=session_factory,
        registry=registry,
        community=community,
        deliverers={"telegram": deliverer},
        clock=clock,
        batch_size=2,
    )
    for n in (1, 2, 3):
        note(session_factory, clock, "5201", n)
    deliverer.fail("5201", DeliveryError("Too Many Requests", retry_after=30))

    await worker.tick()
    sent_during_the_wait = list(deliverer.texts("5201"))
    clock.advance(seconds=30, milliseconds=1)
    await worker.tick()

    assert sent_during_the_wait == []
    assert deliverer.texts("5201") == ["note 1", "note 2", "note 3"]


async def test_failing_recipient_does_not_hold_up_others_and_ends_visible_as_failed(
    session_factory, registry, community, clock, deliverer
):
    """One person's unreachable chat is retried with growing pauses, then shown to admins as
    failed with its error; everyone else gets their message at once."""
    worker = OutboxWorker(
        session_factory=session_factory,
        registry=registry,
        community=community,
        deliverers={"telegram": deliverer},
        clock=clock,
        max_attempts=3,
    )
    for chat, n in (("6001", 1), ("6002", 2), ("6003", 3)):
        note(session_factory, clock, chat, n)
    deliverer.fail("6001", DeliveryError("Bad Gateway"), times=10)

    first = await worker.tick()

    assert (first.sent, first.retried, first.failed) == (2, 1, 0)
    assert sorted(deliverer.delivered) == [("6002", "note 2"), ("6003", "note 3")]
    row = row_for(session_factory, "6001")
    assert (row.status, row.attempts, row.last_error) == (OutboxStatus.PENDING, 1, "Bad Gateway")
    assert row.due_at == clock() + timedelta(seconds=30)

    clock.advance(seconds=29)
    await worker.tick()
    assert deliverer.tries.count("6001") == 1, "retried before its back-off was over"

    clock.advance(seconds=1)
    await worker.tick()
    row = row_for(session_factory, "6001")
    assert (row.status, row.attempts, row.last_error) == (OutboxStatus.PENDING, 2, "Bad Gateway")
    assert row.due_at == clock() + timedelta(seconds=60), "the back-off doubles"

    clock.advance(seconds=60)
    last = await worker.tick()
    assert (last.sent, last.retried, last.failed) == (0, 0, 1)
    row = row_for(session_factory, "6001")
    assert (row.status, row.attempts) == (OutboxStatus.FAILED, 3)

    clock.advance(hours=2)
    await worker.tick()
    assert deliverer.tries.count("6001") == 3, "tried again after giving up"
    with session_factory() as session:
        failed = outbox.failed_messages(session)
    assert [(m.chat_id, m.last_error) for m in failed] == [("6001", "Bad Gateway")]


async def test_blocked_user_fails_at_once_without_affecting_others(
    session_factory, clock, worker, deliverer
):
    """A user who blocked the bot is not retried; the failure is recorded after one try."""
    note(session_factory, clock, "7001", 1)
    note(session_factory, clock, "7002", 2)
    blocked = "Forbidden: bot was blocked by the user"
    deliverer.fail("7001", DeliveryError(blocked, permanent=True), times=10)

    report = await worker.tick()
    clock.advance(hours=2)
    await worker.tick()

    assert (report.sent, report.retried, report.failed) == (1, 0, 1)
    assert deliverer.delivered == [("7002", "note 2")]
    assert deliverer.tries.count("7001") == 1
    row = row_for(session_factory, "7001")
    assert (row.status, row.attempts, row.last_error) == (OutboxStatus.FAILED, 1, blocked)


async def test_missing_template_or_transport_fails_that_message_only(
    session_factory, clock, worker, deliverer
):
    """A message whose template was removed, or for a transport this process lacks, is marked
    failed with a readable reason; the other messages are still sent."""
    enqueue(session_factory, clock, "8001", params=RemovedTemplate())
    note(session_factory, clock, "8002", 2, transport="matrix")
    note(session_factory, clock, "8003", 3)

    report = await worker.tick()

    assert (report.sent, report.failed) == (1, 2)
    assert deliverer.delivered == [("8003", "note 3")]
    assert deliverer.tries == ["8003"]
    with session_factory() as session:
        errors = {m.chat_id: m.last_error or "" for m in outbox.failed_messages(session)}
    assert errors.keys() == {"8001", "8002"}
    assert "events.removed_template" in errors["8001"], errors["8001"]
    assert "matrix" in errors["8002"], errors["8002"]


async def test_rows_of_a_crashed_worker_are_sent_once_after_the_lease(
    session_factory, clock, worker, deliverer
):
    """If a worker dies after claiming messages, they are neither sent twice while its lease
    runs nor lost: another worker sends them once the lease is over."""
    note(session_factory, clock, "9001", 1)
    note(session_factory, clock, "9002", 2)
    with session_factory() as session, session.begin():
        claimed = outbox.claim_due(session, now=clock(), limit=10, lease=timedelta(minutes=5))
    assert len(claimed) == 2  # ...and that worker never reports back

    clock.advance(minutes=4, seconds=59)
    assert (await worker.tick()).sent == 0
    assert deliverer.tries == []

    clock.advance(seconds=2)
    assert (await worker.tick()).sent == 2
    assert (await worker.tick()).sent == 0
    assert sorted(deliverer.delivered) == [("9001", "note 1"), ("9002", "note 2")]
    assert [(r.status, r.attempts) for r in rows(session_factory)] == [
        (OutboxStatus.SENT, 0),
        (OutboxStatus.SENT, 0),
    ]


async def test_messages_to_one_chat_arrive_in_due_order(session_factory, clock, worker, deliverer):
    """Several messages to one person arrive in the order they were due, not written."""
    start = clock()
    for minutes in (3, 1, 5, 2, 4):
        note(session_factory, clock, "10001", minutes, due_at=start + timedelta(minutes=minutes))
        note(session_factory, clock, "10002", minutes, due_at=start + timedelta(minutes=minutes))
    clock.advance(minutes=10)

    await worker.tick()

    expected = ["note 1", "note 2", "note 3", "note 4", "note 5"]
    assert deliverer.texts("10001") == expected
    assert deliverer.texts("10002") == expected


async def test_cancel_pending_removes_only_the_matching_reminders(
    session_factory, clock, worker, deliverer
):
    """Cancelling one event's reminders leaves other events' reminders (and what was already
    sent) alone; LIKE wildcards in the key are taken literally."""
    later = clock() + timedelta(days=1)
    note(session_factory, clock, "11001", 0, dedup_key="reminder:ev1:sent")
    await worker.tick()
    note(session_factory, clock, "11001", 1, dedup_key="reminder:ev1:24h", due_at=later)
    note(session_factory, clock, "11001", 2, dedup_key="reminder:ev1:1h", due_at=later)
    note(session_factory, clock, "11001", 3, dedup_key="reminder:ev2:24h", due_at=later)
    note(session_factory, clock, "11001", 4, dedup_key="reminder:ev10:24h", due_at=later)
    note(session_factory, clock, "11001", 5, dedup_key="reminder:evX1:24h", due_at=later)

    with session_factory() as session, session.begin():
        removed = outbox.cancel_pending(session, dedup_prefix="reminder:ev1:")
        removed_by_wildcard = outbox.cancel_pending(session, dedup_prefix="reminder:ev_1:")

    assert (removed, removed_by_wildcard) == (2, 0)
    assert [r.dedup_key for r in rows(session_factory)] == [
        "reminder:ev1:sent",
        "reminder:ev2:24h",
        "reminder:ev10:24h",
        "reminder:evX1:24h",
    ]
    clock.advance(days=1)
    await worker.tick()
    assert deliverer.texts("11001") == ["note 0", "note 3", "note 4", "note 5"]


async def test_messages_to_one_chat_are_paced_while_other_chats_are_not(
    session_factory, registry, community, clock
):
    """Two messages to the same person are about a second apart; another person's message
    is not made to wait for that."""
    paced = RecordingDeliverer(interval=1.0)
    worker = OutboxWorker(
        session_factory=session_factory,
        registry=registry,
        community=community,
        deliverers={"telegram": paced},
        clock=clock,
    )
    note(session_factory, clock, "12001", 1)
    note(session_factory, clock, "12001", 2)
    note(session_factory, clock, "12002", 3)

    began = time.monotonic()
    await worker.tick()

    times: dict[str, list[float]] = {}
    for chat, at in paced.delivered_at:
        times.setdefault(chat, []).append(at - began)
    assert paced.texts("12001") == ["note 1", "note 2"]
    assert len(times["12001"]) == 2
    assert times["12001"][1] - times["12001"][0] >= 0.9, times
    assert times["12002"][0] < times["12001"][1], "the other chat did not wait for the pacing"


async def test_a_message_queued_while_a_tick_runs_is_sent_by_that_tick(
    session_factory, registry, community, clock
):
    """The scheduler starts no second run while one is sending; a wake in the meantime makes
    the running one look again, so the new message does not wait for the next interval."""
    worker: OutboxWorker | None = None

    class QueuesMoreWhileSending(RecordingDeliverer):
        async def deliver(self, chat_id, reply, *, edit_ref=None):
            await super().deliver(chat_id, reply, edit_ref=edit_ref)
            if reply.text == "note 1":  # someone writes while the worker is busy sending
                note(session_factory, clock, "72", 2)
                worker.wake()

    deliverer = QueuesMoreWhileSending()
    worker = OutboxWorker(
        session_factory=session_factory,
        registry=registry,
        community=community,
        deliverers={"telegram": deliverer},
        clock=clock,
    )
    note(session_factory, clock, "71", 1)
    report = await worker.tick()
    assert report.sent == 2
    assert deliverer.delivered == [("71", "note 1"), ("72", "note 2")]


async def test_a_run_stopped_by_the_shutdown_ends_quietly(worker, caplog):
    """At shutdown the scheduler's last outbox run can be cancelled just after it began: the
    job ends without raising, so APScheduler logs no ERROR and no traceback for it."""
    started = asyncio.Event()

    async def slow_tick():
        started.set()
        await asyncio.sleep(30)

    worker.tick = slow_tick  # a run that is still claiming when the process stops
    with caplog.at_level(logging.INFO):
        run = asyncio.create_task(worker.run_scheduled())
        await started.wait()
        run.cancel()
        await asyncio.wait([run])
    assert not run.cancelled() and run.exception() is None
    assert "an outbox run was stopped by the shutdown" in caplog.text
