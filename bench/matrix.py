"""How fast a crowd is answered on Matrix: N residents write at once through a real Synapse.

Synapse (from ``.venv-synapse``, installed on first use as for the tests) runs on 127.0.0.1 with
SQLite; the bot runs its Matrix transport in this process over a SQLite file (or
``--database-url``). Each resident has their own matrix-nio client and direct chat with the bot
(unencrypted, to measure the bot rather than the residents' own crypto); when all are ready they
send ``!start`` at the same moment, and each resident's own sync notes when the answer arrives.

    python -m bench.matrix                 # 100 residents
    python -m bench.matrix --users 20

Prints how many were answered, the latency from sending to seeing the answer (p50/p99/max),
and the wall time. Synapse shares the machine's CPU with the bot and the 100 clients.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import platform
import statistics
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

from nio import AsyncClient, RoomCreateResponse, SyncResponse

from bot.dispatcher import Dispatcher
from bot.flood import FloodGuard
from bot.matrix.client import MatrixConfig, MatrixTransport
from db.engine import make_engine, make_session_factory
from db.migrate import upgrade
from handlers import build_registry
from handlers.types import Community
from standin import synapse as homeserver

PASSWORD = "bench-pass"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


class Resident:
    def __init__(self, server: homeserver.Synapse, mxid: str, bot: str) -> None:
        self.client = AsyncClient(server.url, mxid)
        self.bot = bot
        self.room = ""
        self.sent_at = 0.0
        self.answered_at: float | None = None
        self.task: asyncio.Task | None = None

    async def prepare(self) -> None:
        await self.client.login(PASSWORD)
        await self.client.sync(timeout=0)
        created = await self.client.room_create(is_direct=True, invite=[self.bot])
        assert isinstance(created, RoomCreateResponse), created
        self.room = created.room_id

    def joined(self) -> bool:
        room = self.client.rooms.get(self.room)
        return room is not None and self.bot in room.users and self.bot not in room.invited_users

    async def sync_loop(self) -> None:
        while self.answered_at is None:
            response = await self.client.sync(timeout=5000)
            if not isinstance(response, SyncResponse):
                continue
            joined = response.rooms.join.get(self.room)
            if joined is None or not self.sent_at:
                continue
            for event in joined.timeline.events:
                if event.source.get("sender") == self.bot and event.source.get("type") == (
                    "m.room.message"
                ):
                    self.answered_at = time.perf_counter()

    async def say(self) -> None:
        self.sent_at = time.perf_counter()
        await self.client.room_send(
            self.room, "m.room.message", {"msgtype": "m.text", "body": "!start"}
        )


async def run(users: int, database_url: str | None, wait: float) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        base = Path(scratch)
        (base / "synapse").mkdir()
        server = homeserver.start(base / "synapse")
        try:
            engine = make_engine(database_url or f"sqlite:///{base / 'bench.db'}")
            upgrade(engine)
            sessions = make_session_factory(engine)
            registry = build_registry()
            community = Community(timezone=ZoneInfo("Asia/Shanghai"), default_locale="zh_Hans")
            dispatcher = Dispatcher(
                session_factory=sessions,
                registry=registry,
                community=community,
                flood=FloodGuard(limit=1000),
            )
            bot_id = server.register("linli", PASSWORD)
            transport = MatrixTransport(
                MatrixConfig(server.url, bot_id, PASSWORD, None, base / "store", poll_ms=5000),
                dispatcher,
            )
            stop = asyncio.Event()
            bot_task = asyncio.create_task(transport.run(stop))
            await asyncio.wait_for(transport.ready.wait(), 60)

            mxids = await asyncio.gather(
                *(asyncio.to_thread(server.register, f"r{i}", PASSWORD) for i in range(users))
            )
            residents = [Resident(server, mxid, bot_id) for mxid in mxids]
            await asyncio.gather(*(r.prepare() for r in residents))
            for resident in residents:
                resident.task = asyncio.create_task(resident.sync_loop())
            deadline = time.monotonic() + 120
            while not all(r.joined() for r in residents):
                if time.monotonic() > deadline:
                    raise SystemExit("the bot did not join every room within 120 s")
                await asyncio.sleep(0.2)

            started = time.perf_counter()
            await asyncio.gather(*(r.say() for r in residents))
            await asyncio.wait([r.task for r in residents if r.task is not None], timeout=wait)
            wall = time.perf_counter() - started
            latencies = [r.answered_at - r.sent_at for r in residents if r.answered_at]
            for resident in residents:
                if resident.task is not None:
                    resident.task.cancel()
                await resident.client.close()
            stop.set()
            await asyncio.wait_for(bot_task, 30)
        finally:
            server.stop()

    print(f"{platform.python_implementation()} {platform.python_version()}, {platform.machine()}")
    print(f"residents: {users}, answered: {len(latencies)}, wall: {wall:.1f} s")
    if latencies:
        print(
            f"latency p50 {statistics.median(latencies) * 1000:.0f} ms, "
            f"p99 {percentile(latencies, 0.99) * 1000:.0f} ms, "
            f"max {max(latencies) * 1000:.0f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--database-url")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for answers")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("nio").setLevel(logging.ERROR)
    asyncio.run(run(args.users, args.database_url, args.timeout))


if __name__ == "__main__":
    main()
