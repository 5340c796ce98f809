"""Drill: PostgreSQL is stopped for about 5 s in the middle of an organiser's message to 120
attendees, then started again — an operator's routine restart (``pg_ctl -m fast``).

A real ``linli run`` process (Telegram, long polling) against the Bot API stand-in, on a
PostgreSQL server of the drill's own (own data folder and port, ``tests.private_postgres``; the
suite's database is not involved, so the drill is the same in the SQLite and the PostgreSQL
run). The bot must ride it out: nothing lost, no message sent twice except those in flight at
the stop, every attendee served within 30 s of the database's return, a ``/start`` sent during
the outage answered once it is back, one WARNING for the outage and no traceback in the log.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from db.engine import make_engine, make_session_factory
from db.migrate import upgrade
from db.models import OutboxMessage, OutboxStatus
from standin.botapi import BotApiStandin
from tests.drill_support import delivered, fan_out
from tests.private_postgres import PrivatePostgres

pytestmark = [
    pytest.mark.timeout(120),
    pytest.mark.xdist_group("db-restart"),  # a server of its own: not beside the other drills
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]

PEOPLE = range(71001, 71121)  # 120 attendees
NEWCOMER = 72001  # writes /start while the database is away
TEXT = "The hall is open"
#: How long the database stays away, and what the bot is given to serve everyone after.
OUTAGE = 5.0
WITHIN = 30.0
#: ``OutboxWorker``'s concurrency: chats served at once, each with one send in flight.
IN_FLIGHT = 32


async def _start_bot(api: BotApiStandin, database_url: str, workdir: Path, log: Path):
    env = {key: value for key, value in os.environ.items() if not key.startswith("LINLI_")}
    env.update(
        LINLI_TELEGRAM_TOKEN=api.token,
        LINLI_TELEGRAM_BASE_URL=api.base_url.removesuffix("/bot"),
        LINLI_DATABASE_URL=database_url,
        LINLI_DATA_DIR=str(workdir / "data"),
        LINLI_OUTBOX_INTERVAL="1",
        LINLI_LOG_LEVEL="INFO",
    )
    linli = Path(sys.executable).with_name("linli")
    with log.open("ab") as sink:
        return await asyncio.create_subprocess_exec(
            str(linli), "run", cwd=workdir, env=env, stdout=sink, stderr=sink
        )


def _is_drill_message(call) -> bool:
    return (
        call.method == "sendMessage"
        and call.response is not None
        and call.response.get("ok")
        and TEXT in str(call.params.get("text", ""))
    )


def _answers_newcomer(call) -> bool:
    return (
        call.method == "sendMessage"
        and call.response is not None
        and call.response.get("ok")
        and str(call.params.get("chat_id")) == str(NEWCOMER)
    )


async def test_a_database_restart_mid_fan_out_is_ridden_out(tmp_path):
    log = tmp_path / "linli.log"
    with PrivatePostgres() as pg:
        engine = make_engine(pg.url)
        upgrade(engine)
        session_factory = make_session_factory(engine)
        assert fan_out(session_factory, datetime.now(UTC), PEOPLE, TEXT) == len(PEOPLE)
        engine.dispose()

        async with BotApiStandin(token="123456:drill-token-dbrestart", latency=0.05) as api:
            bot = await _start_bot(api, pg.url, tmp_path, log)
            try:
                await api.wait_for(_is_drill_message, count=25, timeout=45)
                stopping = time.monotonic()
                await asyncio.to_thread(pg.stop)
                down = time.monotonic()
                api.user_sends_text(user_id=NEWCOMER, text="/start", first_name="Xiao")
                await asyncio.sleep(max(0.0, stopping + OUTAGE - time.monotonic()))
                await asyncio.to_thread(pg.start)
                back = time.monotonic()
                before = delivered(api, TEXT)  # everything sent before the database returned
                in_flight = {  # sent since the stop began: perhaps not recorded
                    int(call.params["chat_id"])
                    for call in api.calls
                    if _is_drill_message(call) and call.at >= stopping
                }
                while_away = [c for c in api.calls if _is_drill_message(c) and c.at >= down]
                assert len(before) < len(PEOPLE), "the stop landed in the middle of the fan-out"
                await api.wait_for(
                    lambda call: (
                        _is_drill_message(call) and int(call.params["chat_id"]) not in before
                    ),
                    count=len(PEOPLE) - len(before),
                    timeout=WITHIN + 15,
                )
                [welcome] = await api.wait_for(_answers_newcomer, timeout=WITHIN + 15)
                served = time.monotonic()
                await asyncio.sleep(1.5)  # anything sent twice would come now
                assert bot.returncode is None, "the bot is still running"
            finally:
                if bot.returncode is None:
                    bot.send_signal(signal.SIGTERM)
                try:
                    await asyncio.wait_for(bot.wait(), 20)
                except TimeoutError:
                    bot.kill()
                    await bot.wait()

        engine = make_engine(pg.url)
        with make_session_factory(engine)() as session:
            statuses = set(session.scalars(select(OutboxMessage.status)))
        engine.dispose()

    output = log.read_text(encoding="utf-8", errors="replace")
    counts = delivered(api, TEXT)
    assert set(counts) == set(PEOPLE), "every attendee got the message"
    repeated = {chat for chat, times in counts.items() if times > 1}
    assert repeated <= in_flight, "only a message in flight at the stop may arrive twice"
    # The outbox paused: what went out while the database was down is what was in flight,
    # at most one per chat being served (the worker's concurrency, 32).
    assert len(while_away) <= IN_FLIGHT, f"{len(while_away)} sent while the database was down"
    assert max(counts.values()) <= 2
    assert statuses == {OutboxStatus.SENT}
    assert "欢迎" in welcome.params["text"] or "Welcome" in welcome.params["text"]
    took = served - back
    assert took <= WITHIN, f"everyone was served {took:.1f} s after the database returned"
    warnings = [line for line in output.splitlines() if " WARNING " in line]
    assert len(warnings) == 1, "one WARNING for the outage:\n" + "\n".join(warnings)
    assert "Traceback" not in output and " ERROR " not in output, output[-4000:]
    assert "the database answers again" in output, output[-2000:]
    print(
        f"\ndb-restart drill: {len(before)} of {len(PEOPLE)} served before the database "
        f"returned ({len(in_flight)} sent since the stop began, {len(while_away)} of them while "
        f"it was down), outage {back - stopping:.1f} s "
        f"(down after {down - stopping:.1f} s), the rest and the /start within {took:.1f} s "
        f"of its return, {len(repeated)} sent twice"
    )
