"""Flood control: a burst is warned once, then dropped; quiet senders are forgotten."""

from bot.flood import FloodGuard


def test_burst_is_warned_once_then_dropped_until_the_window_has_room():
    now = [0.0]
    guard = FloodGuard(limit=3, window=10, clock=lambda: now[0])
    assert [guard.check("telegram:1") for _ in range(5)] == ["ok", "ok", "ok", "warn", "drop"]
    assert guard.check("telegram:2") == "ok", "other people are not affected"
    now[0] = 10.5
    assert guard.check("telegram:1") == "ok"


def test_memory_follows_active_senders():
    now = [0.0]
    guard = FloodGuard(limit=3, window=10, clock=lambda: now[0])
    for i in range(5000):
        now[0] += 0.1
        guard.check(f"telegram:{i}")
    assert len(guard._seen) <= 1000 + 100  # at most the last window's senders plus one sweep
