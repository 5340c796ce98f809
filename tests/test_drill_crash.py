"""Drill: the bot is killed (SIGKILL) in the middle of an organiser's message to 120 attendees
and started again. Every attendee gets the message; only the messages in flight at the kill
(sent to Telegram, not yet recorded) may arrive twice; all within 30 s of the restart.

A real ``linli run`` process in Telegram mode, on the test database, against the Bot API
stand-in (long polling, 50 ms per call; python-telegram-bot's ``AIORateLimiter`` holds it to
about 30 messages a second, so the fan-out takes seconds and the kill lands in its middle).
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

from db.models import OutboxMessage, OutboxStatus, User
from standin.botapi import BotApiStandin
from tests.drill_support import delivered, fan_out

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

PEOPLE = range(70001, 70121)  # 120 attendees
TEXT = "Bring a lantern"
#: What the restart is given to deliver the rest (the issue's promise).
WITHIN = 30.0


async def _start_bot(api: BotApiStandin, database_url: str, workdir: Path, log: Path):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("LINLI_") or key == "LINLI_TEST_DATABASE_URL"
    }
    env.update(
        LINLI_TELEGRAM_TOKEN=api.token,
        LINLI_TELEGRAM_BASE_URL=api.base_url.removesuffix("/bot"),
        LINLI_DATABASE_URL=database_url,
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


async def test_a_bot_killed_mid_fan_out_sends_the_rest_soon_after_restart(
    session_factory, database_url, tmp_path
):
    now = datetime.now(UTC)
    assert fan_out(session_factory, now, PEOPLE, TEXT) == len(PEOPLE)
    log = tmp_path / "linli.log"
    async with BotApiStandin(token="123456:drill-token-abcdef", latency=0.05) as api:
        first = await _start_bot(api, database_url, tmp_path, log)
        try:
            await api.wait_for(_is_drill_message, count=30, timeout=45)
        finally:
            if first.returncode is None:
                first.send_signal(signal.SIGKILL)
            await first.wait()
        assert first.returncode == -signal.SIGKILL, log.read_text(encoding="utf-8")
        await asyncio.sleep(0.3)  # answers to requests the dead process had made arrive
        before = delivered(api, TEXT)
        with session_factory() as session:
            recorded = {
                int(external_id)
                for (external_id,) in session.execute(
                    select(User.external_id)
                    .join(OutboxMessage, OutboxMessage.user_id == User.id)
                    .where(OutboxMessage.status == OutboxStatus.SENT)
                )
            }
        in_flight = set(before) - recorded  # reached Telegram, not recorded as sent
        assert 30 <= len(before) < len(PEOPLE), "the kill landed in the middle of the fan-out"

        restarted = time.monotonic()
        second = await _start_bot(api, database_url, tmp_path, log)
        try:
            await api.wait_for(
                lambda call: _is_drill_message(call) and int(call.params["chat_id"]) not in before,
                count=len(PEOPLE) - len(before),
                timeout=WITHIN + 15,
            )
            took = time.monotonic() - restarted
            await asyncio.sleep(1.5)  # anything sent twice would come now
        finally:
            if second.returncode is None:
                second.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(second.wait(), 20)
            except TimeoutError:
                second.kill()
                await second.wait()

    counts = delivered(api, TEXT)
    assert set(counts) == set(PEOPLE), "everyone got the message"
    repeated = {chat for chat, times in counts.items() if times > 1}
    assert repeated <= in_flight, "only messages in flight at the kill were sent again"
    assert max(counts.values()) <= 2
    assert took <= WITHIN, f"the rest took {took:.1f} s after the restart"
    with session_factory() as session:
        statuses = set(session.scalars(select(OutboxMessage.status)))
    assert statuses == {OutboxStatus.SENT}
    output = log.read_text(encoding="utf-8", errors="replace")
    assert " ERROR " not in output and "Traceback" not in output, output[-3000:]
    print(
        f"\ncrash drill: {len(before)} sent before the kill, {len(in_flight)} in flight, "
        f"{len(repeated)} repeated, the other {len(PEOPLE) - len(before)} within {took:.1f} s "
        "of the restart"
    )
