"""CPU time by stage and by function, from cProfile in every thread of the bot.

``python -m bench.crowd --profile`` runs the crowd with a profiler in the event loop's thread
and in each worker thread (the dispatcher's database work runs there), then prints each stage's
share of the profiled time (the stages of ``bench/shares.py``: SQL, HTTP, parsing, dispatch,
handlers, rendering, the stand-in, the event loop) and the functions with the most time of
their own. The clock is each thread's CPU time (``time.thread_time``): a thread waiting for a lock,
a socket or the interpreter's lock costs nothing, unlike in a sampling profiler. The
profiler slows the bot down two- to threefold (SQLAlchemy's deep calls more than C code), so
read the shares as rough.
"""

from __future__ import annotations

import asyncio
import cProfile
import pstats
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from bench.shares import STAGES


class ThreadProfiles:
    """A profiler per thread: the caller's, and each thread of the executor it installs as the
    running loop's default (``asyncio.to_thread`` runs there)."""

    def __init__(self) -> None:
        self.profiles: list[cProfile.Profile] = []
        self._lock = threading.Lock()

    def _start(self) -> None:
        profile = cProfile.Profile(time.thread_time)  # this thread's CPU time, not the clock
        with self._lock:
            self.profiles.append(profile)
        profile.enable()

    def install(self, workers: int = 6) -> None:
        """Profile this thread from now on, and the loop's worker threads once they start."""
        loop = asyncio.get_running_loop()
        loop.set_default_executor(ThreadPoolExecutor(workers, initializer=self._start))
        self._start()

    def stats(self) -> pstats.Stats:
        self.profiles[0].disable()  # this thread's; the workers' are read as they stand
        stats = pstats.Stats(self.profiles[0])
        for profile in self.profiles[1:]:
            stats.add(profile)
        return stats


#: C functions that wait (for work, a lock, a socket): not the bot's work, left out.
WAITS = (
    "<method 'get' of '_queue.SimpleQueue' objects>",
    "<method 'acquire' of '_thread.lock' objects>",
    "<method 'acquire' of '_thread.RLock' objects>",
    "<method 'poll' of 'select.epoll' objects>",
    "<built-in method time.sleep>",
)


def stage(filename: str) -> str:
    path = "/" + filename
    for name, markers in STAGES:
        if any(marker in path for marker in markers):
            return name
    return "other"


def report(stats: pstats.Stats, updates: int, top: int = 25, dump: str | None = None) -> None:
    """Each stage's share of the profiled time (a function's own time, C calls included;
    waiting left out), and the ``top`` functions by their own time."""
    if dump:  # for ``python -m pstats FILE``
        stats.dump_stats(dump)
    table = stats.stats  # type: ignore[attr-defined]
    own: Counter[str] = Counter()
    table = {key: row for key, row in table.items() if key[2] not in WAITS}
    for (filename, _, _), (_, _, tottime, _, callers) in table.items():
        if filename != "~" or not callers:
            own[stage(filename)] += tottime
            continue
        # A C function (a socket's send, SQLite's step) is its callers' work.
        for (caller, _, _), timing in callers.items():
            own[stage(caller)] += timing[2] if isinstance(timing, tuple) else 0.0
    total = sum(own.values()) or 1.0
    print(f"profiled: {total:.2f} s of CPU, {total / max(1, updates) * 1000:.1f} ms per update")
    for name, seconds in own.most_common():
        print(f"  {name:11} {seconds / total:6.1%}")
    print("functions with the most time of their own:")
    ranked = sorted(table.items(), key=lambda item: -item[1][2])[:top]
    for (filename, line, function), (_, calls, tottime, _, _) in ranked:
        where = filename.rsplit("site-packages/", 1)[-1]
        print(f"  {tottime / total:6.1%} {calls:8d} calls  {function} ({where}:{line})")
