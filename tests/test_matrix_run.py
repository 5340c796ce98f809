"""``linli run`` with Matrix configured: Telegram and Matrix served by one process sharing the
database and the outbox; a homeserver that is down is retried while Telegram goes on."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from standin.botapi import BotApiStandin
from standin.synapse import free_port
from tests.matrix_support import PASSWORD, people

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [
    pytest.mark.timeout(180),
    pytest.mark.xdist_group("synapse"),  # one homeserver per run, in one worker
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]


def _start(fast_path: Path, database_url: str, **settings: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LINLI_")}
    env.update(
        LINLI_DATABASE_URL=database_url,
        LINLI_DATA_DIR=str(fast_path / "data"),
        LINLI_OUTBOX_INTERVAL="0.5",
        PYTHONPATH=str(ROOT),
        **settings,
    )
    with open(fast_path / "run.err", "wb") as err:  # the process has its own copy
        return subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "run"],
            cwd=fast_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=err,
        )


async def _stop(process: subprocess.Popen) -> int:
    """SIGTERM, then wait for the exit off the event loop: the Bot API stand-in runs on this
    loop and must answer the process's last calls (python-telegram-bot confirms the updates it
    fetched as it stops; a blocked loop held each stop for the full 5 s read timeout)."""
    process.send_signal(signal.SIGTERM)
    try:
        return await asyncio.to_thread(process.wait, 30)
    finally:
        process.stdout.close()


async def test_telegram_and_matrix_in_one_process_and_the_homeserver_down_at_start(
    synapse, fast_path, engine, database_url
):
    async with BotApiStandin(token="123456:TESTtokenForRun") as api:
        telegram = {
            "LINLI_TELEGRAM_TOKEN": api.token,
            "LINLI_TELEGRAM_BASE_URL": api.base_url.removesuffix("/bot"),
        }
        # The homeserver is down (nothing listens there): Telegram is served all the same.
        (fast_path / "down").mkdir()
        down = _start(
            fast_path / "down",
            database_url,
            LINLI_MATRIX_HOMESERVER=f"http://127.0.0.1:{free_port()}",
            LINLI_MATRIX_USER="@linli:linli.test",
            LINLI_MATRIX_PASSWORD=PASSWORD,
            **telegram,
        )
        try:
            api.user_sends_text(user_id=501, text="/start", first_name="Wang")
            await api.wait_for(lambda c: c.method == "sendMessage", timeout=60)
            await asyncio.sleep(2)
        finally:
            code = await _stop(down)
        log = (fast_path / "down" / "run.err").read_text()
        assert code == 0, log
        assert log.count("Matrix: homeserver unavailable") == 1, log
        assert " ERROR bot." not in log

        # Both up: a Telegram resident and a Matrix resident, one process.
        (fast_path / "up").mkdir()
        up = _start(
            fast_path / "up",
            database_url,
            LINLI_MATRIX_HOMESERVER=synapse.url,
            LINLI_MATRIX_USER=synapse.register("linli", PASSWORD),
            LINLI_MATRIX_PASSWORD=PASSWORD,
            **telegram,
        )
        try:
            async with people(synapse, fast_path, "ana") as [ana]:
                room = await ana.room_with("@linli:linli.test", encrypted=True)
                await ana.exchange(room, "!start", "欢迎使用邻里")
                api.user_sends_text(user_id=502, text="/start", first_name="Tom")
                await api.wait_for(
                    lambda c: c.method == "sendMessage" and c.params.get("chat_id") in (502, "502"),
                    timeout=60,
                )
        finally:
            code = await _stop(up)
        log = (fast_path / "up" / "run.err").read_text()
        assert code == 0 and " ERROR bot." not in log, log
