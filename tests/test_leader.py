"""One process at a time runs the Matrix sync (and Telegram long polling): on PostgreSQL the
holder of an advisory lock; another takes over within seconds when the holder's connection dies.
On SQLite (one process) the work simply runs."""

from __future__ import annotations

import asyncio
import os

from sqlalchemy import text

from bot.leader import lock_key, run_as_leader
from bot.outage import DATABASE


async def _until(check, within: float = 15) -> None:
    for _ in range(int(within * 10)):
        if check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("not within time")


async def _settled(check, hold: float = 1.5, within: float = 20) -> None:
    """Until ``check`` has held for ``hold`` seconds in a row: a takeover passes through a
    moment where it looks done (the lock held again, one worker running) before the other
    worker starts and the first, seeing the lock taken, stops its own."""
    held_since = None
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while loop.time() < deadline:
        if not check():
            held_since = None
        elif held_since is None:
            held_since = loop.time()
        elif loop.time() - held_since >= hold:
            return
        await asyncio.sleep(0.1)
    raise AssertionError("not settled within time")


#: Lock names of these tests' own: the suite's other workers share the PostgreSQL database and
#: take advisory locks of theirs at the same time (sweeps, the leader in other tests, the
#: anonymous reports' ceiling), so counting or killing every advisory lock would count or kill
#: theirs too.
POLLING = f"telegram-polling-test-{os.getpid()}"
SYNC = f"matrix-sync-test-{os.getpid()}"

_OF_KEY = (
    "locktype = 'advisory' AND objsubid = 1 AND classid::bigint = :high AND objid::bigint = :low "
    "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)


def _key_parts(name: str) -> dict[str, int]:
    """The two halves PostgreSQL shows a 64-bit advisory key as (classid, objid)."""
    key = lock_key(name) & 0xFFFF_FFFF_FFFF_FFFF
    return {"high": key >> 32, "low": key & 0xFFFF_FFFF}


def _advisory_locks(engine, name: str) -> int:
    """How many sessions hold the advisory lock ``name`` now."""
    with engine.connect() as connection:
        return connection.execute(
            text(f"SELECT count(*) FROM pg_locks WHERE granted AND {_OF_KEY}"), _key_parts(name)
        ).scalar_one()


def _drop_lock_sessions(engine, name: str) -> None:
    """The lock holder's database session dies (its process killed, or the server restarted)."""
    with engine.connect() as connection:
        connection.execute(
            text(f"SELECT pg_terminate_backend(pid) FROM pg_locks WHERE granted AND {_OF_KEY}"),
            _key_parts(name),
        )
        connection.commit()


async def test_the_holder_keeps_its_work_running_and_takes_the_lock_again(engine, caplog):
    """A lost lock connection (the database restarted) does not stop the work: the holder takes
    the lock again on a new connection, and logs one WARNING for the outage."""
    if engine.dialect.name != "postgresql":
        return  # SQLite has no lock to lose: see the test above
    DATABASE.back()  # no outage left over from an earlier test
    starts: list[str] = []
    stop = asyncio.Event()

    async def job(stop_work: asyncio.Event) -> None:
        starts.append("started")
        await stop_work.wait()

    leader = asyncio.create_task(run_as_leader(engine, POLLING, job, stop, retry=0.2))
    await _until(lambda: starts and _advisory_locks(engine, POLLING) == 1)
    _drop_lock_sessions(engine, POLLING)
    await _until(lambda: "the database is unreachable" in caplog.text)
    await _until(lambda: _advisory_locks(engine, POLLING) == 1)
    await asyncio.sleep(0.5)
    assert starts == ["started"], "the work was never stopped nor started twice"
    stop.set()
    await asyncio.wait_for(leader, 30)
    warnings = [r for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1, warnings
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


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
        run_as_leader(engine, SYNC, work("first"), stops["first"], retry=0.2)
    )
    await _until(lambda: running == ["first"])
    if engine.dialect.name != "postgresql":
        stops["first"].set()
        await first
        assert running == []
        return
    second = asyncio.create_task(
        run_as_leader(engine, SYNC, work("second"), stops["second"], retry=0.2)
    )
    await asyncio.sleep(1)
    assert running == ["first"], "the second worker waits while the first holds the lock"

    # The first worker's database session dies (as when its process is killed).
    _drop_lock_sessions(engine, SYNC)
    # Within seconds the lock is held again and the work runs in exactly one worker: the
    # first, which kept it running and took the lock back, or the second, which took it over
    # (and then the first stopped its own).
    await _settled(lambda: _advisory_locks(engine, SYNC) == 1 and len(running) == 1)
    assert len(running) == 1 and _advisory_locks(engine, SYNC) == 1
    assert starts in (["first"], ["first", "second"])
    for stop in stops.values():
        stop.set()
    await asyncio.wait_for(asyncio.gather(first, second), 30)
    assert running == []
