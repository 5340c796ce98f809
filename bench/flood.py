"""What the shared flood guard costs per message: one short transaction (an atomic upsert).

    python -m bench.flood                                  # SQLite file, 2,000 messages
    python -m bench.flood --database-url postgresql+psycopg://postgres@127.0.0.1:5432/linli
    python -m bench.flood --threads 8 --messages 4000

Messages come from ``--senders`` different people, spread over ``--threads`` threads (as the
dispatcher's worker threads would send them). Prints checks per second and the time per check
at p50/p99, next to the in-process ``FloodGuard`` for comparison.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bot.flood import FloodGuard, SharedFloodGuard
from db.engine import make_engine, make_session_factory
from db.migrate import upgrade


def run(guard, messages: int, senders: int, threads: int) -> tuple[float, list[float]]:
    def one(n: int) -> float:
        started = time.perf_counter()
        guard.check(f"telegram:{n % senders}")
        return time.perf_counter() - started

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        times = list(pool.map(one, range(messages)))
    return time.perf_counter() - started, times


def report(name: str, elapsed: float, times: list[float]) -> None:
    times.sort()
    p99 = times[int(len(times) * 0.99) - 1]
    print(
        f"{name:<28} {len(times) / elapsed:>9.0f} checks/s   "
        f"p50 {statistics.median(times) * 1000:6.2f} ms   p99 {p99 * 1000:6.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--senders", type=int, default=200)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'flood.db'}"
        engine = make_engine(url)
        upgrade(engine)
        shared = SharedFloodGuard(make_session_factory(engine), limit=10**9)
        print(
            f"database: {engine.dialect.name}, {args.messages} messages, "
            f"{args.senders} senders, {args.threads} threads"
        )
        report(
            "in-process FloodGuard",
            *run(FloodGuard(limit=10**9), args.messages, args.senders, args.threads),
        )
        report(
            "SharedFloodGuard (database)", *run(shared, args.messages, args.senders, args.threads)
        )
        engine.dispose()


if __name__ == "__main__":
    main()
