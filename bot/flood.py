"""Flood control: one person sending far more than a person types is slowed down.

``SharedFloodGuard`` (what ``linli run`` uses) keeps its counts in the database, so the limit
holds however many workers share the load; ``FloodGuard`` counts in this process only (tests
and benchmarks that need a loose limit use it).
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
    """At most ``limit`` messages per ``window`` seconds per sender, counted in the database
    (one short transaction per message), so every worker sees the same count.

    Same answers as ``FloodGuard``: "ok", "warn" (exactly one message over the limit is told,
    whichever worker handles it) or "drop". The window is fixed (it starts with the first
    message after a quiet one). If the database cannot be reached the message is let through:
    the dispatcher will answer with its own error anyway.
    """

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        *,
        limit: int = 20,
        window: float = 10.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.session_factory = session_factory
        self.limit = limit
        self.window = window
        self._clock = clock
        self._checks = 0
        self._failing = False

    def check(self, sender_key: str) -> str:
        now = self._clock()
        self._checks += 1
        try:
            with self.session_factory() as session, session.begin():
                count = store.count_message(session, sender_key, now=now, window=self.window)
                if self._checks % 1000 == 0:
                    store.forget_quiet(session, before=now - 2 * self.window)
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
            return "ok"
        if self._failing:
            log.info("flood guard counts again")
            self._failing = False
        if count <= self.limit:
            return "ok"
        return "warn" if count == self.limit + 1 else "drop"
