"""What only one process may do at a time — the Matrix sync, Telegram long polling — is done
by the process that holds a PostgreSQL advisory lock for it; the others wait and try again every
``retry`` seconds, so one of them takes over within seconds when the holder dies (PostgreSQL
drops a session's advisory locks when its connection goes). SQLite is one machine, one process:
the work simply runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy import Engine, text

log = logging.getLogger(__name__)


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for ``name``."""
    return int.from_bytes(hashlib.sha256(f"linli:{name}".encode()).digest()[:8], "big", signed=True)


async def run_as_leader(
    engine: Engine,
    name: str,
    work: Callable[[asyncio.Event], Awaitable[None]],
    stop: asyncio.Event,
    *,
    retry: float = 2.0,
) -> None:
    """Run ``work(stop_work)`` while this process holds the lock ``name``; until ``stop``."""
    if engine.dialect.name != "postgresql":
        await work(stop)
        return
    key = lock_key(name)
    while not stop.is_set():
        connection = await asyncio.to_thread(_connect, engine)
        try:
            held = await asyncio.to_thread(_try_lock, connection, key)
            if held:
                log.info("this worker now runs %s", name)
                await _hold(connection, work, stop, retry)
        except Exception as exc:  # the database went away: try again
            log.warning("%s: lost the database connection (%s)", name, exc.__class__.__name__)
        finally:
            with contextlib.suppress(Exception):
                await asyncio.to_thread(connection.close)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), retry)


def _connect(engine: Engine):
    """A connection of its own, outside any transaction: the lock lives as long as it."""
    return engine.connect().execution_options(isolation_level="AUTOCOMMIT")


def _try_lock(connection, key: int) -> bool:
    return bool(
        connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}).scalar()
    )


async def _hold(connection, work, stop: asyncio.Event, retry: float) -> None:
    """Run the work; check every ``retry`` s that the lock's connection lives, and stop the
    work if it does not (another worker may hold the lock by then)."""
    stop_work = asyncio.Event()
    task = asyncio.create_task(work(stop_work))
    stopping = asyncio.ensure_future(stop.wait())
    try:
        while not task.done() and not stop.is_set():
            await asyncio.wait({task, stopping}, timeout=retry, return_when="FIRST_COMPLETED")
            if not task.done() and not stop.is_set():
                await asyncio.to_thread(lambda: connection.execute(text("SELECT 1")))
    finally:
        stopping.cancel()
        stop_work.set()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, 30)
