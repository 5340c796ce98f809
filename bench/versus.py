"""Linli and a plain python-telegram-bot peer (``bench/peer.py``), side by side in one run.

Each round runs the same crowd (``bench/crowd.py``: N new residents send /start at once, then
each presses a button) against Linli and against the peer, each on its own Bot API stand-in in
this process, one after the other (the order alternates between rounds), so both see the same
machine load. Prints each round and the medians, Linli's throughput as a multiple of the
peer's, and the CPU time this process spent per update (``time.process_time``; the stand-in
runs in the process too) as the peer's multiple of Linli's: on a shared machine the ratios mean
more than any one figure, and CPU time per update less than throughput depends on what else
the machine runs.

    python -m bench.versus                          # 300 residents, no Bot API latency, SQLite
    python -m bench.versus --users 300 --latency 0.05 --rounds 5
    python -m bench.versus --database-url postgresql+psycopg://postgres@127.0.0.1/linli_bench

With ``--database-url`` every round uses new residents (fresh Telegram ids) in that database;
without it each round gets new SQLite files.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import tempfile
import time
from pathlib import Path

from bench.crowd import describe, drive, linli_serving, percentile
from bench.peer import peer_serving
from standin.botapi import BotApiStandin


async def one(kind: str, users: int, latency: float, url: str, first_id: int) -> tuple[float, ...]:
    async with BotApiStandin(latency=latency) as api:
        serving = linli_serving(api, url) if kind == "linli" else peer_serving(api, url)
        async with serving:
            cpu = time.process_time()
            elapsed, latencies = await drive(api, users, first_id=first_id)
            cpu = time.process_time() - cpu
    return (
        len(latencies) / elapsed,  # answered updates per second
        statistics.median(latencies),
        percentile(latencies, 0.99),
        cpu / max(1, len(latencies)),
    )


async def versus(users: int, latency: float, rounds: int, database_url: str | None) -> None:
    results: dict[str, list[tuple[float, ...]]] = {"linli": [], "peer": []}
    with tempfile.TemporaryDirectory() as folder:
        for number in range(rounds):
            order = ("linli", "peer") if number % 2 == 0 else ("peer", "linli")
            for kind in order:
                url = database_url or f"sqlite:///{Path(folder) / f'{kind}{number}.db'}"
                first_id = 1_000_000 + number * 100_000 + (50_000 if kind == "peer" else 0)
                figures = await one(kind, users, latency, url, first_id)
                results[kind].append(figures)
                print(
                    f"round {number + 1} {kind:5}: {figures[0]:6.1f} updates/s, "
                    f"p50 {figures[1] * 1000:5.0f} ms, p99 {figures[2] * 1000:5.0f} ms, "
                    f"CPU {figures[3] * 1000:5.1f} ms per update",
                    flush=True,
                )
    print(describe(database_url or "sqlite", latency))
    print(f"residents: {users}, updates per bot per round: {2 * users}, rounds: {rounds}")
    for kind, rows in results.items():
        print(
            f"{kind:5} median: {statistics.median(r[0] for r in rows):6.1f} updates/s, "
            f"p50 {statistics.median(r[1] for r in rows) * 1000:5.0f} ms, "
            f"p99 {statistics.median(r[2] for r in rows) * 1000:5.0f} ms, "
            f"CPU {statistics.median(r[3] for r in rows) * 1000:5.1f} ms per update"
        )
    ratios = [lin[0] / peer[0] for lin, peer in zip(results["linli"], results["peer"], strict=True)]
    print(
        f"Linli / peer throughput: median {statistics.median(ratios):.2f}× "
        f"(rounds: {', '.join(f'{r:.2f}' for r in ratios)})"
    )
    cpu = [peer[3] / lin[3] for lin, peer in zip(results["linli"], results["peer"], strict=True)]
    print(
        f"peer / Linli CPU per update (this process, stand-in included): median "
        f"{statistics.median(cpu):.2f}× (rounds: {', '.join(f'{r:.2f}' for r in cpu)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds per Bot API call")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", help="default: new SQLite files in a temporary folder")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(versus(args.users, args.latency, args.rounds, args.database_url))


if __name__ == "__main__":
    main()
