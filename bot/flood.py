"""Flood control: one person sending far more than a person types is slowed down.

``SharedFloodGuard`` (what ``linli run`` uses) counts in this process and takes a sender's
count to the database once they come near the limit, so the limit holds however many workers
share the load without a database statement per message; ``FloodGuard`` counts in this process
only (tests and benchmarks that need a loose limit use it).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from bot.outage import DATABASE, DatabaseUnavailable, is_outage
from db import flood as store

log = logging.getLogger(__name__)


class FloodGuard:
    """At most ``limit`` messages per ``window`` seconds per sender, in this process.

    ``check`` answers "ok", "warn" (the first message over the limit: tell them once) or
    "drop" (later ones, ignored until the window has room again).
    """

    def __init__(
        self, *, limit: int = 20, window: float = 10.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._seen: dict[str, deque[float]] = {}
        self._warned: set[str] = set()
        self._lock = threading.Lock()
        self._checks = 0

    def check(self, sender_key: str) -> str:
        now = self._clock()
        with self._lock:
            self._checks += 1
            if self._checks % 1000 == 0:
                self._forget_quiet(now)
            times = self._seen.setdefault(sender_key, deque())
            while times and times[0] <= now - self.window:
                times.popleft()
            if len(times) < self.limit:
                times.append(now)
                self._warned.discard(sender_key)
                return "ok"
            if sender_key in self._warned:
                return "drop"
            self._warned.add(sender_key)
            return "warn"

    def _forget_quiet(self, now: float) -> None:
        """Drop senders with nothing in the window, so memory follows who is active now."""
        for key in [
            k for k, times in self._seen.items() if not times or times[-1] <= now - self.window
        ]:
            del self._seen[key]
            self._warned.discard(key)


class SharedFloodGuard:
    """At most ``limit`` messages per ``window`` seconds per sender, the database the arbiter
    across workers once a sender comes near the limit.

    Each worker first counts in its own memory (a fixed window per sender). Only when a sender
    has sent ``near`` messages in this worker's window (a quarter of the limit by default) is
    the count taken to the database: that worker's whole count is added to the sender's shared
    row in one atomic upsert, and from then on, until the window ends, every message of theirs
    is counted there, one upsert each, as every worker sees it. A person writing at a human pace
    never costs the database a statement; one sending fast is counted exactly from ``near`` on.
    A worker that has seen fewer than ``near`` messages of a sender has not told the others yet,
    so with W workers sharing one sender's messages, up to W × (``near`` − 1) of them can be
    answered beyond the limit in a window (none with one worker: Telegram's long polling runs on
    one; the fixed window itself lets a burst across its boundary through twice, as before).

    Same answers as ``FloodGuard``: "ok", "warn" (exactly one message over the limit is told,
    whichever worker handles it, once the count is in the database) or "drop". If the database
    cannot be reached the message is let through: the dispatcher will answer with its own error
    anyway. Rows of quiet senders are deleted by a sweep (``handlers/start.py``), not here.
    """

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        *,
        limit: int = 20,
        window: float = 10.0,
        near: int | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.session_factory = session_factory
        self.limit = limit
        self.window = window
        self.near = max(1, limit // 4) if near is None else max(1, near)
        self._clock = clock
        self._lock = threading.Lock()
        #: sender → [window start, messages in it here, whether the database has them]
        self._local: dict[str, list] = {}
        self._checks = 0
        self._failing = False

    def check(self, sender_key: str) -> str:
        now = self._clock()
        with self._lock:
            self._checks += 1
            if self._checks % 1000 == 0:
                self._forget_quiet(now)
            seen = self._local.get(sender_key)
            if seen is None or seen[0] <= now - self.window:
                seen = self._local[sender_key] = [now, 0, False]
            seen[1] += 1
            if not seen[2] and seen[1] < self.near:
                return "ok"  # far from the limit: nobody else needs to know yet
            increment = 1 if seen[2] else seen[1]
            seen[2] = True
        try:
            with self.session_factory() as session, session.begin():
                count = store.count_message(
                    session, sender_key, now=now, window=self.window, increment=increment
                )
        except Exception as exc:
            if is_outage(exc):  # the message waits for the database with everything else
                DATABASE.lost("the flood guard", exc)
                raise DatabaseUnavailable(str(exc)) from exc
            if not self._failing:  # once per failure, not once per message
                log.warning(
                    "flood guard could not count (%s); letting messages through",
                    type(exc).__name__,
                )
            self._failing = True
            with self._lock:
                seen[2] = False  # not counted there: this worker's count is taken next time
            return "ok"
        if self._failing:
            log.info("flood guard counts again")
            self._failing = False
        if count <= self.limit:
            return "ok"
        return "warn" if count - increment < self.limit + 1 <= count else "drop"

    def _forget_quiet(self, now: float) -> None:
        """Drop senders whose window has passed, so memory follows who is active now."""
        for key in [k for k, seen in self._local.items() if seen[0] <= now - self.window]:
            del self._local[key]
