"""APScheduler: the outbox runs on an interval, and sooner when the dispatcher wrote to it; the
sweeper (offers that expired, requests that waited too long) runs every ``SWEEP_INTERVAL``.

A job that is due while its previous run still works (a long fan-out, a slow sweep) returns at
once instead of being skipped by APScheduler: a running outbox tick is told to look again, a
running sweep is simply left to finish. So the log never fills with APScheduler's "maximum
number of running instances reached" for something that is normal and handled.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.dispatcher import Dispatcher
from bot.outbox import OutboxWorker
from bot.sweeper import Sweeper

OUTBOX_JOB = "outbox"
SWEEP_JOB = "sweeps"
#: Seconds between sweeps: the finest grain of an offer's expiry or an escalation's clock.
SWEEP_INTERVAL = 10.0
#: Runs of one job APScheduler lets overlap: the jobs guard themselves (one real run at a time)
#: and an overlapping run returns at once, so this is only never reached.
JOB_INSTANCES = 4

log = logging.getLogger(__name__)


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
        worker.run_scheduled,
        "interval",
        seconds=interval,
        id=OUTBOX_JOB,
        max_instances=JOB_INSTANCES,
        coalesce=True,
        next_run_time=datetime.now(UTC),
        misfire_grace_time=None,
    )

    def wake() -> None:  # called from the dispatcher's worker threads; APScheduler is safe here
        worker.wake()  # a tick already running sends it too
        scheduler.modify_job(OUTBOX_JOB, next_run_time=datetime.now(UTC))

    if sweeper is not None:
        sweeping = asyncio.Lock()

        async def sweep() -> None:
            if sweeping.locked():
                return  # the previous sweep is still at work; it covers this one
            async with sweeping:
                try:
                    await asyncio.to_thread(sweeper.run)
                except asyncio.CancelledError:  # stopping: the next start sweeps again
                    log.info("a sweep was stopped by the shutdown")

        sweeper.on_outbox = wake
        scheduler.add_job(
            sweep,
            "interval",
            seconds=SWEEP_INTERVAL,
            id=SWEEP_JOB,
            max_instances=JOB_INSTANCES,
            coalesce=True,
            next_run_time=datetime.now(UTC),
            misfire_grace_time=None,
        )
    scheduler.start()
    dispatcher.on_outbox = wake
    return scheduler
