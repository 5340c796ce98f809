"""What one Bot API call costs this process: CPU per ``sendMessage`` through python-telegram-bot.

The Bot API stand-in runs in a child process, so only the caller's work is counted: building
the request, the HTTP client, the event loop, parsing the answer into a ``Message``.

    python -m bench.botapi                    # 2,000 calls, one at a time, on aiohttp
                                              # (bot/telegram/http.py, as the bot sends)
    python -m bench.botapi --client httpx     # python-telegram-bot's default HTTPXRequest
    python -m bench.botapi --concurrency 300  # 300 calls under way at once, as in a crowd
    python -m bench.botapi --client httpx --no-sniffio   # as if sniffio were missing (a
                                              # failed import inside httpcore on every request)
    python -m bench.botapi --profile          # where the time goes, by package

Prints microseconds of CPU per call (``time.process_time``) and, with ``--profile``, each
package's share of it.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import subprocess
import sys
import time
from collections import defaultdict

CHILD = """
import asyncio, sys
from standin.botapi import BotApiStandin
async def main():
    async with BotApiStandin() as api:
        print(api.base_url, flush=True)
        api.user_sends_text(user_id=1, text="hi")
        await asyncio.Event().wait()
asyncio.run(main())
"""


def _package(filename: str, function: str) -> str:
    if filename == "~":  # built-ins: name them by what they do
        if "socket" in function or "select" in function or "epoll" in function:
            return "sockets"
        return "built-ins"
    for name in (
        "telegram",
        "aiohttp",
        "httpx",
        "httpcore",
        "anyio",
        "h11",
        "asyncio",
        "json",
        "ssl",
        "idna",
    ):
        if f"/{name}/" in filename or filename.endswith(f"/{name}.py"):
            return name
    return "other"


async def calls(base_url: str, count: int, profile: bool, client: str, concurrency: int) -> None:
    from telegram import Bot
    from telegram.request import HTTPXRequest

    from bot.telegram.http import AiohttpRequest

    connections = min(concurrency, 128)
    request = (
        HTTPXRequest(connection_pool_size=connections, pool_timeout=None)
        if client == "httpx"
        else AiohttpRequest(connections=connections, pool_timeout=None)
    )
    bot = Bot("123456:TEST", base_url=base_url, request=request)
    slots = asyncio.Semaphore(concurrency)

    async def one(n: int) -> None:
        async with slots:
            await bot.send_message(1, f"Hello {n}")

    async with bot:
        for _ in range(50):  # warm up: connections, caches
            await bot.send_message(1, "warm-up")
        profiler = cProfile.Profile() if profile else None
        started, wall = time.process_time(), time.monotonic()
        if profiler:
            profiler.enable()
        await asyncio.gather(*(one(n) for n in range(count)))
        if profiler:
            profiler.disable()
        cpu, wall = time.process_time() - started, time.monotonic() - wall
    print(
        f"{client}, {concurrency} at a time, {connections} connections; "
        f"{count} calls: {cpu / count * 1e6:.0f} µs CPU per call, {wall / count * 1e6:.0f} µs wall"
    )
    if profiler:
        stats = pstats.Stats(profiler)
        shares: dict[str, float] = defaultdict(float)
        for (filename, _, function), (_, _, own, _, _) in stats.stats.items():  # type: ignore[attr-defined]
            shares[_package(filename, function)] += own
        total = sum(shares.values())
        for name, own in sorted(shares.items(), key=lambda kv: -kv[1]):
            print(f"  {name:9} {own / total:5.1%}")
        stats.sort_stats("tottime").print_stats(12)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--client", choices=("aiohttp", "httpx"), default="aiohttp")
    parser.add_argument("--concurrency", type=int, default=1, help="calls under way at once")
    parser.add_argument("--no-sniffio", action="store_true")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    if args.no_sniffio:
        sys.modules["sniffio"] = None  # type: ignore[assignment]  # every import fails
    child = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE, text=True)
    try:
        base_url = child.stdout.readline().strip()  # type: ignore[union-attr]
        print(f"sniffio: {'blocked' if args.no_sniffio else 'installed'}")
        asyncio.run(calls(base_url, args.calls, args.profile, args.client, args.concurrency))
    finally:
        child.terminate()
        child.wait()


if __name__ == "__main__":
    main()
