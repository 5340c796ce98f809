"""Drill: a storm of 429s from Telegram during an organiser's message to 100 attendees.

The real application (python-telegram-bot, its ``AIORateLimiter`` on the outbox's bot, the
APScheduler outbox job every 0.5 s) runs against the stand-in, which answers every attendee's
first two messages with 429 and ``retry_after``. Nothing is lost, nothing is sent twice, a
neighbour who writes in the middle of the storm is answered at once, and the log stays
readable: no ERROR, no traceback, no APScheduler "maximum number of running instances".
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.dispatcher import Dispatcher
from bot.outbox import OutboxWorker
from bot.telegram.app import build_application, serve
from db.models import OutboxMessage, OutboxStatus
from handlers import build_registry
from standin.botapi import BotApiStandin
from tests.drill_support import delivered, fan_out

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

PEOPLE = range(80001, 80101)  # 100 attendees
NEIGHBOUR = 90001  # writes to the bot during the storm
TEXT = "The hall moved to the second floor"
FAULTS_PER_CHAT = 2


def _is_429(call) -> bool:
    return call.response is not None and call.response.get("error_code") == 429


async def test_a_storm_of_429s_loses_nothing_repeats_nothing_and_logs_no_errors(
    session_factory, community, caplog
):
    caplog.set_level(logging.INFO)
    assert fan_out(session_factory, datetime.now(UTC), PEOPLE, TEXT) == len(PEOPLE)
    registry = build_registry()
    dispatcher = Dispatcher(session_factory=session_factory, registry=registry, community=community)
    worker = OutboxWorker(session_factory=session_factory, registry=registry, community=community)
    async with BotApiStandin(latency=0.01) as api:
        for chat in PEOPLE:
            api.fail_next(
                "sendMessage",
                chat_id=chat,
                times=FAULTS_PER_CHAT,
                description="Too Many Requests: retry after 1",
                retry_after=1,
            )
        application = build_application(
            token=api.token,
            base_url=api.base_url.removesuffix("/bot"),
            dispatcher=dispatcher,
            worker=worker,
            outbox_interval=0.5,
        )
        stop = asyncio.Event()
        task = asyncio.create_task(serve(application, stop=stop, poll_timeout=1))
        try:
            await api.wait_for(_is_429, count=len(PEOPLE) // 2, timeout=30)  # the storm is on
            asked = time.monotonic()
            api.user_sends_text(user_id=NEIGHBOUR, text="/start", language_code="en")
            [reply] = await api.wait_for(
                lambda c: c.method == "sendMessage" and c.params.get("chat_id") == NEIGHBOUR,
                timeout=30,
            )
            answered = reply.at - asked
            deliveries = await api.wait_for(
                lambda c: (
                    c.method == "sendMessage"
                    and not _is_429(c)
                    and TEXT in str(c.params.get("text", ""))
                ),
                count=len(PEOPLE),
                timeout=60,
            )
            storm_ended = deliveries[-1].at
            await asyncio.sleep(2.5)  # anything repeated or retried late would come now
        finally:
            stop.set()
            await asyncio.wait_for(task, 20)

    storms = api.calls_to("sendMessage")
    assert sum(_is_429(call) for call in storms) == len(PEOPLE) * FAULTS_PER_CHAT
    counts = delivered(api, TEXT)
    assert set(counts) == set(PEOPLE) and set(counts.values()) == {1}, "none lost, none twice"
    with session_factory() as session:
        assert set(session.scalars(select(OutboxMessage.status))) == {OutboxStatus.SENT}
    assert reply.params["text"].startswith("Welcome to Linli")
    assert reply.at < storm_ended, "the neighbour was answered while the storm still went on"
    assert answered < 3.0, f"the neighbour waited {answered:.2f} s"

    records = caplog.records
    assert [r for r in records if r.levelno >= logging.ERROR] == []
    assert [r for r in records if r.exc_info] == [], "no tracebacks for handled conditions"
    assert not [r for r in records if "maximum number of running instances" in r.getMessage()]
    slowed = [r for r in records if "Telegram asked to slow down" in r.getMessage()]
    assert slowed and all(r.levelno == logging.INFO for r in slowed)
    assert len(slowed) < len(PEOPLE), "one line per outbox run, not one per 429"
    print(
        f"\nstorm drill: {len(PEOPLE) * FAULTS_PER_CHAT} × 429, the neighbour answered in "
        f"{answered * 1000:.0f} ms, the storm lasted {storm_ended - asked:.1f} s after that, "
        f"{len(slowed)} INFO line(s) about it in the log"
    )
