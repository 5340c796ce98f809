"""Flood control: one person sending far more than a person types is slowed down."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable


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
