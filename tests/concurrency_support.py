"""Many people at once: a clock that moves on each reading, threads started together, and
inbound messages built by hand for the races."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.dispatcher import Dispatcher
from handlers.i18n import language
from handlers.start import something_went_wrong
from handlers.types import ChatRef, Inbound, Kind, Reply, Sender

THREADS = 8


class TickingClock:
    """Like the real clock, every reading is a little later than the one before (1 ms), so
    every handled message really writes (``last_seen_at``, ``updated_at``). Thread-safe."""

    def __init__(self) -> None:
        self._now = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            self._now += timedelta(milliseconds=1)
            return self._now


def run_in_threads(jobs: list[Callable[[], Any]], threads: int = THREADS) -> list[Any]:
    """Run the jobs on ``threads`` threads at once; their results in job order (re-raises)."""
    with ThreadPoolExecutor(max_workers=threads) as pool:
        futures = [pool.submit(job) for job in jobs]
        return [future.result(timeout=60) for future in futures]


RACERS = 6


def race(dispatcher: Dispatcher, inbounds: list[Inbound]) -> list[str]:
    start = threading.Barrier(len(inbounds))

    def go(inbound: Inbound) -> str:
        start.wait()
        return "\n".join(reply.text for reply in dispatcher.handle(inbound))

    with ThreadPoolExecutor(len(inbounds)) as pool:
        return list(pool.map(go, inbounds))


def press_inbound(user_id: str, payload: str) -> Inbound:
    return Inbound(
        ChatRef("telegram", user_id),
        Sender("telegram", user_id, f"M{user_id}", None, "en"),
        Kind.BUTTON,
        payload=payload,
    )


@pytest.fixture
def apologies(community) -> set[str]:
    """The "something went wrong" answer, in English and in Chinese (made known to every test
    file by tests/conftest.py)."""
    texts = {
        something_went_wrong(language(code, community.timezone.key).gettext)
        for code in ("en", "zh_Hans")
    }
    assert len(texts) == 2, "the apology should be translated"
    return texts


def no_error(replies: list[Reply], apologies: set[str], who: str) -> str:
    """The replies' text, after checking there is one and none is the apology."""
    assert replies, f"{who}: no reply"
    text = "\n".join(reply.text for reply in replies)
    assert not any(apology in text for apology in apologies), f"{who}: {text}"
    return text
