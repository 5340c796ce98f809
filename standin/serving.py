"""The application on the Bot API stand-in, started by ``serve`` as ``linli run`` starts it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

from bot.dispatcher import Dispatcher
from bot.outbox import OutboxWorker
from bot.scheduler import OUTBOX_JOB
from bot.telegram.app import Webhook, build_application, serve
from standin.botapi import BotApiStandin


async def _first_outbox_run_done(application, worker: OutboxWorker) -> None:
    """Wait out the outbox job's first run, which starts with the application: on a loaded
    machine it could otherwise begin after the test queued its rows and take them from under
    the test's own ``worker.tick()``."""
    scheduler = application.bot_data["scheduler"]
    for _ in range(2000):
        job = scheduler.get_job(OUTBOX_JOB)
        if job is not None and job.next_run_time > datetime.now(UTC) + timedelta(seconds=60):
            break
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.05)  # the job's task starts its tick
    for _ in range(3000):
        if not worker.running:
            return
        await asyncio.sleep(0.01)


@asynccontextmanager
async def serving(
    api: BotApiStandin,
    dispatcher: Dispatcher,
    worker: OutboxWorker,
    *,
    webhook: Webhook | None = None,
    max_concurrent_updates: int = 256,
    private_chat_interval: float = 0.0,
) -> AsyncIterator[None]:
    """The application on the stand-in, started by ``serve`` as ``linli run`` starts it (the
    outbox job is left to the test, which ticks the worker itself), stopped on exit.

    The outbox's pause between two messages to one private chat (a second in production) is
    off unless asked for: a walk through a whole case would spend most of its time waiting.
    Pacing itself is tested in ``test_outbox.py``."""
    application = build_application(
        token=api.token,
        base_url=api.base_url.removesuffix("/bot"),
        dispatcher=dispatcher,
        worker=worker,
        outbox_interval=3600,
        max_concurrent_updates=max_concurrent_updates,
        private_chat_interval=private_chat_interval,
    )
    stop = asyncio.Event()
    task = asyncio.create_task(serve(application, stop=stop, webhook=webhook, poll_timeout=1))
    await api.wait_for(lambda c: c.method in ("getUpdates", "setWebhook"), timeout=30)
    await _first_outbox_run_done(application, worker)
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(task, 20)
