"""What only one process may do at a time — the Matrix sync, Telegram long polling — is done
by the process that holds a PostgreSQL advisory lock for it; the others wait and try again every
``retry`` seconds, so one of them takes over within seconds when the holder dies (PostgreSQL
drops a session's advisory locks when its connection goes). A database restart drops the lock
too: the holder keeps its work running and takes the lock again as soon as the database is
back. SQLite is one machine, one process: the work simply runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy import Engine, text

from bot.outage import FIRST_WAIT, DatabaseUnavailable, guarded

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
    """Run ``work(stop_work)`` while this process holds the lock ``name``; until ``stop``.

    When the lock's connection is lost (the database restarted), the work goes on and the
    lock is taken again, with back-off, once the database is back; only if another worker
    holds it by then is the work stopped here (that worker runs it now)."""
    if engine.dialect.name != "postgresql":
        await work(stop)
        return
    key = lock_key(name)
    task: asyncio.Task[None] | None = None
    stop_work = asyncio.Event()
    wait = FIRST_WAIT
    try:
        while not stop.is_set():
            if task is not None and task.done():
                with contextlib.suppress(Exception):
                    task.result()
                task = None  # the work ended by itself: start it again with the lock
            try:
                connection = await asyncio.to_thread(guarded, name, _connect, engine)
            except DatabaseUnavailable:
                connection = None
            if connection is not None:
                try:
                    if await asyncio.to_thread(guarded, name, _try_lock, connection, key):
                        wait = FIRST_WAIT
                        if task is None:
                            log.info("this worker now runs %s", name)
                            stop_work = asyncio.Event()
                            task = asyncio.create_task(work(stop_work))
                        await _hold(name, connection, task, stop, retry)
                    elif task is not None:  # another worker took it while the database was away
                        log.info("another worker runs %s now", name)
                        await _end(task, stop_work)
                        task = None
                except DatabaseUnavailable:
                    pass  # logged once for the process; the work goes on meanwhile
                except Exception as exc:
                    log.warning(
                        "%s: lost the database connection (%s)", name, exc.__class__.__name__
                    )
                finally:
                    with contextlib.suppress(Exception):
                        await asyncio.to_thread(connection.close)
            # Holding the work: take the lock again soon. Waiting for it: every ``retry`` s.
            pause = min(wait, retry) if task is not None else retry
            wait = min(wait * 2, retry)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), pause)
    finally:
        if task is not None:
            await _end(task, stop_work)


def _connect(engine: Engine):
    """A connection of its own, outside any transaction: the lock lives as long as it."""
    return engine.connect().execution_options(isolation_level="AUTOCOMMIT")


def _try_lock(connection, key: int) -> bool:
    return bool(
        connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}).scalar()
    )


def _alive(connection) -> None:
    connection.execute(text("SELECT 1"))


async def _hold(
    name: str, connection, task: asyncio.Task, stop: asyncio.Event, retry: float
) -> None:
    """While the work runs: check every ``retry`` s that the lock's connection lives (raises
    :class:`DatabaseUnavailable` when it does not)."""
    stopping = asyncio.ensure_future(stop.wait())
    try:
        while not task.done() and not stop.is_set():
            await asyncio.wait({task, stopping}, timeout=retry, return_when="FIRST_COMPLETED")
            if not task.done() and not stop.is_set():
                await asyncio.to_thread(guarded, name, _alive, connection)
    finally:
        stopping.cancel()


async def _end(task: asyncio.Task, stop_work: asyncio.Event) -> None:
    stop_work.set()
    with contextlib.suppress(Exception):
        await asyncio.wait_for(task, 30)
