"""How fast a crowd is answered: N residents at once over the full Telegram path.

Each simulated resident sends /start and then presses the language button, through the real
python-telegram-bot ``Application`` (long polling), the dispatcher, the handlers and a SQLite
file database (or ``--database-url``), against the Bot API stand-in on 127.0.0.1 that answers
every call after ``--latency`` seconds (a real Bot API round trip is tens of milliseconds).

    python -m bench.crowd                     # 100 residents, 50 ms per call, concurrent
    python -m bench.crowd --serial            # one update at a time, for comparison
    python -m bench.crowd --users 1000 --latency 0.02
    python -m bench.crowd --shared-flood      # the flood guard counting in the database
    python -m bench.crowd --profile           # CPU by stage and function (bench/profile.py)
    python -m bench.crowd --statements        # the SQL statements the crowd ran, by kind

Prints updates per second, the latency per update (from the moment the resident's update is
available to the bot until the bot's answer reaches the API) at p50/p99/max, the CPU time this
process spent per update (``time.process_time``, the stand-in's included) and peak memory.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import logging
import os
import platform
import resource
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, event

from bench.profile import ThreadProfiles, report
from bot.dispatcher import Dispatcher
from bot.flood import FloodGuard, SharedFloodGuard
from bot.outbox import OutboxWorker
from db.engine import make_engine, make_session_factory
from db.migrate import upgrade
from handlers import build_registry
from handlers.types import Community
from standin.botapi import BotApiStandin
from standin.serving import serving


def count_statements(engine: Engine, statements: Counter[str]) -> None:
    """Count each statement ``engine`` runs under its first words ("INSERT INTO outbox")."""

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        words = statement.split()
        kind = " ".join(words[:3] if words[0] in ("INSERT", "DELETE") else words[:2])
        if words[0] == "SELECT":
            kind = "SELECT … FROM " + _outer_table(words)
        statements[kind] += 1

    event.listen(engine, "before_cursor_execute", record)


def _outer_table(words: list[str]) -> str:
    """The first table a SELECT reads outside its subqueries (a column may be one)."""
    depth = 0
    for word, following in itertools.pairwise(words):
        if word == "FROM" and depth == 0:
            return following
        depth += word.count("(") - word.count(")")
    return "?"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


@asynccontextmanager
async def linli_serving(
    api: BotApiStandin,
    database_url: str,
    *,
    serial: bool = False,
    shared_flood: bool = True,
    statements: Counter[str] | None = None,
) -> AsyncIterator[None]:
    """Linli on the stand-in ``api``, as ``linli run`` wires it, until the block ends; every
    SQL statement run from then on is counted in ``statements`` (by its first words), if given."""
    engine = make_engine(database_url)
    upgrade(engine)
    if statements is not None:
        count_statements(engine, statements)
    session_factory = make_session_factory(engine)
    registry = build_registry()
    community = Community(timezone=ZoneInfo("Asia/Shanghai"), default_locale="zh_Hans")
    dispatcher = Dispatcher(
        session_factory=session_factory,
        registry=registry,
        community=community,
        flood=(
            SharedFloodGuard(session_factory, limit=10_000)
            if shared_flood
            else FloodGuard(limit=10_000)
        ),
    )
    worker = OutboxWorker(session_factory=session_factory, registry=registry, community=community)
    try:
        async with serving(
            api,
            dispatcher,
            worker,
            max_concurrent_updates=1 if serial else 256,
            private_chat_interval=1.0,  # as in production
        ):
            yield
    finally:
        engine.dispose()


async def drive(
    api: BotApiStandin, users: int, first_id: int = 10_000
) -> tuple[float, list[float]]:
    """``users`` new residents each send /start at once; once all are answered, each presses
    the language button. Returns the time until the last answer and each answered update's
    latency (from the moment the updates were available to the bot until its answer reached
    the API); updates never answered have no latency (their number is printed)."""
    latencies: list[float] = []
    ids = range(first_id, first_id + users)
    before = len(api.calls_to("sendMessage"))

    async def answered(count: int) -> list:
        """The first ``count`` answers, or those that came before 30 s passed without one (a
        bot that lost an update: the peer drops requests its connection pool cannot take)."""
        last, quiet_since = -1, time.monotonic()
        while True:
            sent = api.calls_to("sendMessage")
            if len(sent) >= count:
                return sent[:count]
            if len(sent) != last:
                last, quiet_since = len(sent), time.monotonic()
            elif time.monotonic() - quiet_since > 30:
                print(f"lost: {count - len(sent)} updates never answered", flush=True)
                return sent
            await asyncio.sleep(0.1)  # latency is taken from each call's arrival time

    started = time.monotonic()
    for user_id in ids:
        api.user_sends_text(user_id=user_id, text="/start", language_code="zh-hans")
    pushed = time.monotonic()
    replies = (await answered(before + users))[before:]
    latencies += [call.at - pushed for call in replies]
    pushed = time.monotonic()
    for user_id in ids:
        with contextlib.suppress(LookupError):  # their /start was never answered
            api.user_presses(user_id=user_id, data="lang:menu", language_code="zh-hans")
    replies = (await answered(before + 2 * users))[before + users :]
    latencies += [call.at - pushed for call in replies]
    last = max((call.at for call in replies), default=time.monotonic())
    return last - started, latencies


def describe(database_url: str, latency: float) -> str:
    return (
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, "
        f"{platform.python_implementation()} {platform.python_version()}, "
        f"{platform.system()}; load average {os.getloadavg()[0]:.1f}; database: "
        f"{database_url.split(':')[0]}; Bot API latency {latency * 1000:.0f} ms"
    )


async def crowd(
    users: int,
    latency: float,
    serial: bool,
    database_url: str,
    shared_flood: bool = False,
    profile: bool = False,
    statements: bool = False,
) -> None:
    profiles = ThreadProfiles() if profile else None
    if profiles is not None:
        profiles.install()
    counted: Counter[str] | None = Counter() if statements else None
    async with (
        BotApiStandin(latency=latency) as api,
        linli_serving(
            api, database_url, serial=serial, shared_flood=shared_flood, statements=counted
        ),
    ):
        if counted is not None:
            counted.clear()  # the crowd's, not the start's
        cpu = time.process_time()
        elapsed, latencies = await drive(api, users)
        cpu = time.process_time() - cpu

    updates = len(latencies)  # answered
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{describe(database_url, latency)}; {'serial' if serial else 'concurrent across chats'}")
    print(f"residents: {users}, updates: {updates}, wall time: {elapsed:.2f} s")
    print(f"throughput: {updates / elapsed:.1f} updates/s")
    print(
        f"latency per update: p50 {statistics.median(latencies) * 1000:.0f} ms, "
        f"p99 {percentile(latencies, 0.99) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms"
    )
    print(f"CPU per update (this process, the stand-in's included): {cpu / updates * 1000:.1f} ms")
    print(f"peak memory (RSS): {peak_mib:.0f} MiB")
    if profiles is not None:
        report(profiles.stats(), updates, dump=os.environ.get("BENCH_PROFILE_DUMP"))
    if counted is not None:
        total = sum(counted.values())
        print(f"SQL statements: {total} ({total / max(1, updates):.2f} per update)")
        for kind, count in counted.most_common():
            print(f"  {count:6d}  {kind}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per Bot API call")
    parser.add_argument("--serial", action="store_true", help="one update at a time")
    parser.add_argument("--database-url", help="default: a SQLite file in a temporary folder")
    parser.add_argument(
        "--shared-flood",
        action="store_true",
        help="count flood in the database, as linli run does (default: in this process)",
    )
    parser.add_argument(
        "--profile", action="store_true", help="cProfile every thread (bench/profile.py)"
    )
    parser.add_argument(
        "--statements", action="store_true", help="count the SQL statements the crowd runs"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
        asyncio.run(
            crowd(
                args.users,
                args.latency,
                args.serial,
                url,
                args.shared_flood,
                args.profile,
                args.statements,
            )
        )


if __name__ == "__main__":
    main()
