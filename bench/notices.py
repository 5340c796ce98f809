"""How fast one notice reaches everyone: N subscribed residents (half reading Chinese, half
English), one notice to all, sent by the real outbox worker through the real Telegram transport
(python-telegram-bot's ``ExtBot`` with ``AIORateLimiter``, as ``linli run`` builds it) to the
test suite's Bot API stand-in, which answers every call after ``--latency`` seconds.

The stand-in runs in a child process, so the memory measured is the bot's alone. The outbox and
the sweeps run as ``linli run`` runs them: the outbox every 2 s and woken after every write, the
sweeps every 10 s. Quiet hours are off (the bench may run at any hour).

    python -m bench.notices                         # 10,000 residents, 30 ms per call
    python -m bench.notices --residents 2000        # a shorter run
    python -m bench.notices --restart               # stop every worker half way, start afresh

Prints the achieved rate as a share of Telegram's 30 messages/s (and the most sent in any one
second), how often the author's progress card was edited, memory while the audience was sent
(flat, not growing with it), and — with ``--restart`` — that nobody was missed or sent twice.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import logging
import multiprocessing
import platform
import resource
import statistics
import tempfile
import time
from collections import Counter
from datetime import datetime
from datetime import time as clock_time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select
from telegram.ext import ExtBot

from bot.dispatcher import utc_now
from bot.outbox import OutboxWorker
from bot.scheduler import SWEEP_INTERVAL
from bot.sweeper import Sweeper
from bot.telegram.app import OUTBOX_CONNECTIONS, TelegramDeliverer, outbox_rate_limiter
from bot.telegram.http import AiohttpRequest
from db.engine import make_engine, make_session_factory
from db.migrate import upgrade
from db.models import User
from db.notices import operations as ops
from db.notices.models import Notice, NoticeConsent, NoticeStatus
from db.users import grant_role
from handlers import build_registry
from handlers.types import Community

RATE = 30  # AIORateLimiter's overall limit: Telegram's ~30 messages/s for a bot
OUTBOX_INTERVAL = 2.0
FIRST_ID = 100_000
BLOCKED = 2  # residents who blocked the bot (the stand-in answers 403)


# ---------------------------------------------------------------------------- the stand-in


def _standin_process(conn: Any, latency: float, blocked: list[int], author: int) -> None:
    """Child process: serve the stand-in until told to stop, then report what it received."""
    from standin.botapi import BotApiStandin

    async def main() -> None:
        async with BotApiStandin(latency=latency) as api:
            for chat in blocked:
                api.fail_next(
                    "sendMessage",
                    chat_id=chat,
                    error_code=403,
                    description="Forbidden: bot was blocked by the user",
                    retry_after=None,
                )
            conn.send((api.base_url.removesuffix("/bot"), api.token))
            while not await asyncio.to_thread(conn.poll, 0.5):
                pass
            conn.recv()
            sends = [c for c in api.calls if c.method == "sendMessage" and c.response]
            delivered = [c for c in sends if c.response.get("ok")]
            readers = [c for c in delivered if c.params.get("chat_id") != author]
            edits = [
                c.at
                for c in api.calls
                if c.method == "editMessageText" and c.params.get("chat_id") == author
            ]
            outbound = sorted(
                c.at for c in api.calls if c.method in ("sendMessage", "editMessageText")
            )
            conn.send(
                {
                    "reader_times": sorted(c.at for c in readers),
                    "per_chat": Counter(c.params["chat_id"] for c in readers),
                    "author_edits": edits,
                    "outbound": outbound,
                    "last_card": next(
                        (
                            c.params.get("text", "")
                            for c in reversed(api.calls)
                            if c.params.get("chat_id") == author and c.method == "editMessageText"
                        ),
                        "",
                    ),
                }
            )

    asyncio.run(main())


# ---------------------------------------------------------------------------- the bot side


def _rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _populate(session_factory, residents: int, now: datetime) -> int:
    """The residents (in chunks, so the setup does not dominate the memory peak) and the
    announcer; returns the announcer's chat id."""
    for start in range(0, residents, 1000):
        ids = range(start, min(start + 1000, residents))
        with session_factory() as session, session.begin():
            session.execute(
                insert(User.__table__),
                [
                    {
                        "id": i + 1,
                        "transport": "telegram",
                        "external_id": str(FIRST_ID + i),
                        "display_name": f"Resident {i}",
                        "language_hint": "zh-hans" if i % 2 else "en",
                        "private_chat_id": str(FIRST_ID + i),
                        "created_at": now,
                        "last_seen_at": now,
                    }
                    for i in ids
                ],
            )
            session.execute(
                insert(NoticeConsent.__table__),
                [{"user_id": i + 1, "topic": "news", "given_at": now} for i in ids],
            )
    author_chat = FIRST_ID - 1
    with session_factory() as session, session.begin():
        author = User(
            transport="telegram",
            external_id=str(author_chat),
            display_name="Announcer",
            private_chat_id=str(author_chat),
            locale="en",
            created_at=now,
        )
        session.add(author)
        session.flush()
        grant_role(session, author, "announcer", now=now, by="bench")
        notice = ops.create(
            session,
            author=author,
            submission="bench",
            new=ops.NewNotice(
                topic="news",
                text_zh="明天 9:00 至 12:00 3 栋停水，请提前储水。",
                text_en="Water is off in building 3 tomorrow 9:00–12:00. Please store some.",
                requested_at=now,
            ),
            now=now,
        )
        assert notice is not None
    return author_chat


class Bot:
    """One "process" of the bot: an engine, the outbox worker on its rate-limited ExtBot, and
    the sweeps, run on the same timers as ``linli run``."""

    def __init__(self, database_url: str, base_url: str, token: str, community: Community):
        self.engine = make_engine(database_url)
        factory = make_session_factory(self.engine)
        registry = build_registry()
        self.ext_bot = ExtBot(
            token,
            base_url=f"{base_url}/bot",
            base_file_url=f"{base_url}/file/bot",
            rate_limiter=outbox_rate_limiter(),
            request=AiohttpRequest(connections=OUTBOX_CONNECTIONS),
        )
        self.worker = OutboxWorker(
            session_factory=factory,
            registry=registry,
            community=community,
            deliverers={"telegram": TelegramDeliverer(self.ext_bot)},
        )
        self.sweeper = Sweeper(session_factory=factory, registry=registry, community=community)
        self.factory = factory
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        await self.ext_bot.initialize()
        loop = asyncio.get_running_loop()

        def woken() -> None:
            self.worker.wake()
            loop.call_soon_threadsafe(self._wake.set)

        self.sweeper.on_outbox = woken
        self._tasks = [asyncio.create_task(self._outbox()), asyncio.create_task(self._sweeps())]

    async def _outbox(self) -> None:
        while not self._stop.is_set():
            await self.worker.tick()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), OUTBOX_INTERVAL)
            self._wake.clear()

    async def _sweeps(self) -> None:
        while not self._stop.is_set():
            await asyncio.to_thread(self.sweeper.run)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), SWEEP_INTERVAL)

    async def stop(self) -> None:
        """A graceful restart: the batch being sent is finished and recorded."""
        self.worker.stop()
        self._stop.set()
        self._wake.set()
        await asyncio.gather(*self._tasks)
        await self.ext_bot.shutdown()
        self.engine.dispose()

    def state(self) -> tuple[str, int]:
        with self.factory() as session:
            notice = session.scalar(select(Notice))
            return notice.status, ops.progress(session, notice.id).delivered


async def run(args: argparse.Namespace, database_url: str) -> None:
    community = Community(
        timezone=ZoneInfo("Asia/Shanghai"),
        default_locale="zh_Hans",
        quiet_hours=(clock_time(0), clock_time(0)),  # off: the bench runs at any hour
    )
    engine = make_engine(database_url)
    upgrade(engine)
    now = utc_now()
    author = _populate(make_session_factory(engine), args.residents, now)
    engine.dispose()
    blocked = [FIRST_ID + 2 * i + 7 for i in range(BLOCKED)]

    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    standin = context.Process(
        target=_standin_process, args=(child, args.latency, blocked, author), daemon=True
    )
    standin.start()
    base_url, token = await asyncio.to_thread(parent.recv)

    rss_start = _rss_mib()
    samples: list[tuple[int, float]] = []
    bot = Bot(database_url, base_url, token, community)
    await bot.start()
    restarted_at = None
    started = time.monotonic()
    while True:
        await asyncio.sleep(1.0)
        status, sent = await asyncio.to_thread(bot.state)
        samples.append((sent, _rss_mib()))
        if args.restart and restarted_at is None and sent >= args.residents // 2:
            await bot.stop()
            restarted_at = sent
            bot = Bot(database_url, base_url, token, community)
            await bot.start()
        if status == NoticeStatus.SENT:
            await asyncio.sleep(3)  # the final card and the report
            break
        if time.monotonic() - started > 3 * args.residents / RATE + 120:
            print("gave up waiting")
            break
    await bot.stop()
    parent.send("stop")
    summary = await asyncio.to_thread(parent.recv)
    standin.join(10)

    times = summary["reader_times"]
    elapsed = times[-1] - times[0]
    rate = (len(times) - 1) / elapsed if elapsed > 0 else 0.0
    outbound = summary["outbound"]
    busiest = max(
        (
            sum(1 for t in outbound[i : i + 60] if t - start < 1.0)
            for i, start in enumerate(outbound)
        ),
        default=0,
    )
    edits = summary["author_edits"]
    gaps = [b - a for a, b in itertools.pairwise(edits)]
    per_chat = summary["per_chat"]
    twice = sum(1 for count in per_chat.values() if count > 1)
    expected = args.residents - BLOCKED
    missed = expected - len(per_chat)
    by_share = {}
    for share in (0.1, 0.5, 0.9):
        reached = [rss for sent, rss in samples if sent >= share * expected]
        by_share[share] = reached[0] if reached else float("nan")

    print(
        f"machine: {platform.machine()}, {platform.python_implementation()} "
        f"{platform.python_version()}, {platform.system()}; database: "
        f"{database_url.split(':')[0]}; Bot API latency {args.latency * 1000:.0f} ms"
        + (f"; restarted after {restarted_at:,} sent" if restarted_at is not None else "")
    )
    print(f"residents: {args.residents:,} ({BLOCKED} blocked the bot)")
    print(
        f"delivered: {len(per_chat):,} readers in {elapsed:.1f} s = {rate:.2f} msg/s, "
        f"{100 * rate / RATE:.1f} % of the {RATE} msg/s limit; "
        f"most Bot API sends in any one second: {busiest}"
    )
    print(f"missed: {missed}, sent twice: {twice}")
    if gaps:
        print(
            f"progress card: {len(edits)} edits, every {statistics.median(gaps):.1f} s "
            f"(median; max {max(gaps):.1f} s); last: {summary['last_card'].splitlines()[2:4]}"
        )
    print(
        f"memory (RSS) before sending {rss_start:.0f} MiB; at 10 % / 50 % / 90 % sent "
        f"{by_share[0.1]:.0f} / {by_share[0.5]:.0f} / {by_share[0.9]:.0f} MiB; peak "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--residents", type=int, default=10_000)
    parser.add_argument("--latency", type=float, default=0.03, help="seconds per Bot API call")
    parser.add_argument("--restart", action="store_true", help="restart half way through")
    parser.add_argument("--database-url", help="default: a SQLite file in a temporary folder")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
        asyncio.run(run(args, url))


if __name__ == "__main__":
    main()
