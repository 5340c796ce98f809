"""Flood control: a burst is warned once, then dropped; quiet senders are forgotten."""

import tracemalloc
from datetime import UTC, datetime

from bot.flood import FloodGuard, SharedFloodGuard
from db.models import FloodCounter
from handlers.privacy import forget_flood_counts
from tests.query_support import counting


def test_burst_is_warned_once_then_dropped_until_the_window_has_room():
    now = [0.0]
    guard = FloodGuard(limit=3, window=10, clock=lambda: now[0])
    assert [guard.check("telegram:1") for _ in range(5)] == ["ok", "ok", "ok", "warn", "drop"]
    assert guard.check("telegram:2") == "ok", "other people are not affected"
    now[0] = 10.5
    assert guard.check("telegram:1") == "ok"


def test_memory_follows_active_senders():
    """20,000 more senders, one every 0.1 s, cost no more memory than the first 5,000: only the
    last window's senders are remembered (unbounded, each would keep ~0.7 kB, 14 MB in all)."""
    now = [0.0]
    guard = FloodGuard(limit=3, window=10, clock=lambda: now[0])

    def senders(first: int, count: int) -> None:
        for i in range(first, first + count):
            now[0] += 0.1
            guard.check(f"telegram:{i}")

    senders(0, 5000)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        senders(5000, 20000)
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 500_000, f"{grown} bytes more after 20,000 more senders"


def test_the_shared_guard_asks_the_database_only_near_the_limit(engine, session_factory):
    """At a person's pace the database is not asked at all; from a quarter of the limit on it
    counts every message, so the one over the limit is warned once and the rest dropped."""
    now = [1000.0]
    guard = SharedFloodGuard(session_factory, limit=8, window=10, clock=lambda: now[0])
    with counting(engine) as statements:
        assert guard.check("telegram:1") == "ok"
        assert guard.check("telegram:2") == "ok"
    assert statements == []
    verdicts = [guard.check("telegram:1") for _ in range(9)]
    assert verdicts == ["ok"] * 7 + ["warn", "drop"]
    with session_factory() as session:
        assert session.get(FloodCounter, "telegram:1").count == 10
    now[0] += 11  # the window has passed: a calm message costs nothing again
    with counting(engine) as statements:
        assert guard.check("telegram:1") == "ok"
    assert statements == []


def test_two_workers_near_the_limit_share_one_count(session_factory):
    """Each worker brings what it counted alone when it first asks the database."""
    now = [1000.0]
    workers = [
        SharedFloodGuard(session_factory, limit=8, window=10, clock=lambda: now[0])
        for _ in range(2)
    ]
    verdicts = [workers[n % 2].check("telegram:7") for n in range(12)]
    assert verdicts.count("warn") == 1
    assert verdicts.count("ok") == 8


def test_quiet_senders_rows_are_swept_not_counted_away(session_factory, community):
    now = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
    guard = SharedFloodGuard(
        session_factory, limit=4, window=10, clock=lambda: now.timestamp() - 3600
    )
    for _ in range(3):
        guard.check("telegram:5")
    with session_factory() as session, session.begin():
        assert session.get(FloodCounter, "telegram:5") is not None
        forget_flood_counts(session, community, now)
    with session_factory() as session:
        assert session.get(FloodCounter, "telegram:5") is None
