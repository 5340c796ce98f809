"""APScheduler: the outbox runs on an interval, and sooner when the dispatcher wrote to it."""

from __future__ import annotations

from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.dispatcher import Dispatcher
from bot.outbox import OutboxWorker

OUTBOX_JOB = "outbox"


def start_scheduler(
    worker: OutboxWorker, dispatcher: Dispatcher, *, interval: float
) -> AsyncIOScheduler:
    """Start the outbox job in the running event loop; wake it early after outbox writes."""
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
    scheduler.start()

    def wake() -> None:  # called from the dispatcher's worker threads; APScheduler is safe here
        scheduler.modify_job(OUTBOX_JOB, next_run_time=datetime.now(UTC))

    dispatcher.on_outbox = wake
    return scheduler
