"""APScheduler: the outbox runs on an interval, and sooner when the dispatcher wrote to it; the
sweeper (offers that expired, requests that waited too long) runs every ``SWEEP_INTERVAL``."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.dispatcher import Dispatcher
from bot.outbox import OutboxWorker
from bot.sweeper import Sweeper

OUTBOX_JOB = "outbox"
SWEEP_JOB = "sweeps"
#: Seconds between sweeps: the finest grain of an offer's expiry or an escalation's clock.
SWEEP_INTERVAL = 10.0


def start_scheduler(
    worker: OutboxWorker,
    dispatcher: Dispatcher,
    *,
    interval: float,
    sweeper: Sweeper | None = None,
) -> AsyncIOScheduler:
    """Start the outbox job (and the sweeps) in the running event loop; wake the outbox early
    after outbox writes."""
    scheduler = AsyncIOScheduler(timezone=UTC)
    scheduler.add_job(
        worker.tick,
        "interval",
        seconds=interval,
        id=OUTBOX_JOB,
        max_instances=1,
        coalesce=True,
        next_run_time=datetime.now(UTC),
        misfire_grace_time=None,
    )

    def wake() -> None:  # called from the dispatcher's worker threads; APScheduler is safe here
        worker.wake()  # a tick already running sends it too
        scheduler.modify_job(OUTBOX_JOB, next_run_time=datetime.now(UTC))

    if sweeper is not None:

        async def sweep() -> None:
            await asyncio.to_thread(sweeper.run)

        sweeper.on_outbox = wake
        scheduler.add_job(
            sweep,
            "interval",
            seconds=SWEEP_INTERVAL,
            id=SWEEP_JOB,
            max_instances=1,
            coalesce=True,
            next_run_time=datetime.now(UTC),
            misfire_grace_time=None,
        )
    scheduler.start()
    dispatcher.on_outbox = wake
    return scheduler
