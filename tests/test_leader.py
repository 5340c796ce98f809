"""One process at a time runs the Matrix sync (and Telegram long polling): on PostgreSQL the
holder of an advisory lock; another takes over within seconds when the holder's connection dies.
On SQLite (one process) the work simply runs."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from bot.leader import run_as_leader


async def _until(check, within: float = 15) -> None:
    for _ in range(int(within * 10)):
        if check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("not within time")


async def test_exactly_one_worker_holds_the_sync_and_another_takes_over(engine):
    running: list[str] = []
    starts: list[str] = []
    stops = {name: asyncio.Event() for name in ("first", "second")}

    def work(name: str):
        async def job(stop_work: asyncio.Event) -> None:
            running.append(name)
            starts.append(name)
            try:
                await stop_work.wait()
            finally:
                running.remove(name)

        return job

    first = asyncio.create_task(
        run_as_leader(engine, "matrix-sync", work("first"), stops["first"], retry=0.2)
    )
    await _until(lambda: running == ["first"])
    if engine.dialect.name != "postgresql":
        stops["first"].set()
        await first
        assert running == []
        return
    second = asyncio.create_task(
        run_as_leader(engine, "matrix-sync", work("second"), stops["second"], retry=0.2)
    )
    await asyncio.sleep(1)
    assert running == ["first"], "the second worker waits while the first holds the lock"

    # The first worker's database session dies (as when its process is killed).
    with engine.connect() as connection:
        connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' "
                "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            )
        )
        connection.commit()
    # Within seconds the work runs again, in exactly one worker (whichever locked first).
    await _until(lambda: len(starts) == 2 and len(running) == 1)
    await asyncio.sleep(1)
    assert len(running) == 1 and len(starts) == 2
    for stop in stops.values():
        stop.set()
    await asyncio.wait_for(asyncio.gather(first, second), 30)
    assert running == []
