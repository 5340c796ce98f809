"""How long the 五及 report of a month takes for a large community, and whether drawing it
keeps other residents waiting.

Builds a SQLite file with bulk inserts (``executemany``): residents, a year of events with
their signups, help requests and dispute reports (with their follow-up answers), shaped like a
real community — most requests claimed within the half hour, reports clustered on a few
buildings. Then, through the real dispatcher:

1. an admin sends ``/stats 2026-11`` (the numbers read and the picture drawn after the admin's
   transaction, in the report process), timed cold (the process started, matplotlib and the
   font loaded) and warm;
2. meanwhile residents keep sending ``/help`` from other threads, and their answers' latency is
   compared with the same residents on a quiet bot.

    python -m bench.stats                      # 1M signups, 100k requests, 50k reports
    python -m bench.stats --scale 0.01         # a quick run while developing
    python -m bench.stats --scale 0.01 --db data/example.db --keep   # a small realistic file

Prints the build time, the report's times (total, and reading and drawing alone) and the
residents' latency p50/p99/max: quiet, and while reports are made in a thread of the bot or in
the report process.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.dispatcher import Dispatcher
from bot.flood import FloodGuard
from bot.reports import ReportProcess
from db.engine import make_engine, make_session_factory
from db.migrate import upgrade
from handlers import build_registry
from handlers.stats import render
from handlers.types import ChatRef, Community, Inbound, Kind, Sender

TZ = ZoneInfo("Asia/Shanghai")
MONTH_START = datetime(2026, 11, 1, tzinfo=TZ).astimezone(UTC)
MONTH_END = datetime(2026, 12, 1, tzinfo=TZ).astimezone(UTC)
YEAR_START = MONTH_END - timedelta(days=365)
NOW = MONTH_END + timedelta(hours=1)
ADMIN = "9000"
PLACES = [f"{n}栋" for n in range(1, 31)] + [
    "南门停车场",
    "北门",
    "3栋 2单元",
    "幼儿园旁",
    "Building 12",
    "East gate",
    "社区广场",
    "地下车库 B2",
]
REQUEST_CATEGORIES = ["translation", "paperwork", "hospital", "housing", "transport", "other"]
DISPUTE_CATEGORIES = [
    "noise",
    "parking",
    "pets",
    "water_leak",
    "shared_spaces",
    "property",
    "other",
]


def _ts(moment: datetime) -> str:
    """How SQLAlchemy keeps an aware UTC time in SQLite (naive, UTC)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _moment(rng: random.Random) -> datetime:
    """A moment in the year before the month's end, denser in the daytime."""
    day = YEAR_START + timedelta(days=rng.randrange(365))
    local = day.astimezone(TZ).replace(hour=0, minute=0, second=0, microsecond=0)
    hour = rng.choices(range(24), weights=[1] * 7 + [4] * 14 + [2] * 3)[0]
    return (local + timedelta(hours=hour, minutes=rng.randrange(60))).astimezone(UTC)


def build(url: str, *, scale: float, seed: int = 7) -> dict[str, int]:
    """Fill a fresh database; returns how many rows of each kind."""
    rng = random.Random(seed)
    engine = make_engine(url)
    upgrade(engine)
    n_users = max(int(50_000 * scale), 600)
    n_events = max(int(2_000 * scale), 20)
    per_event = min(max(int(1_000_000 * scale) // n_events, 1), n_users)
    n_requests = int(100_000 * scale)
    n_reports = int(50_000 * scale)
    created = _ts(YEAR_START)
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("BEGIN")
        cur.executemany(
            "INSERT INTO users (id, transport, external_id, display_name, created_at) "
            "VALUES (?, 'telegram', ?, ?, ?)",
            [(i, str(100_000 + i), f"Neighbour {i}", created) for i in range(1, n_users + 1)],
        )
        cur.execute(
            "INSERT INTO users (id, transport, external_id, display_name, private_chat_id, "
            "locale, created_at) VALUES (?, 'telegram', ?, 'Admin', ?, 'zh_Hans', ?)",
            (n_users + 1, ADMIN, ADMIN, created),
        )
        events = []
        for i in range(1, n_events + 1):
            start = _moment(rng)
            events.append(
                (
                    i,
                    f"活动 {i}",
                    f"Event {i}",
                    _ts(start),
                    _ts(start + timedelta(hours=2)),
                    "社区广场",
                    None,
                    4,
                    "published",
                    created,
                    created,
                )
            )
        cur.executemany(
            "INSERT INTO events (id, title_zh, title_en, starts_at, ends_at, place, capacity, "
            "max_party, status, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            events,
        )
        signups = 0
        for event_id in range(1, n_events + 1):
            people = rng.sample(range(1, n_users + 1), per_event)
            cur.executemany(
                "INSERT INTO event_signups (event_id, user_id, party_size, status, seq, "
                "created_at, updated_at) VALUES (?, ?, ?, 'confirmed', ?, ?, ?)",
                [
                    (event_id, u, 1 + (u % 3 == 0), n, created, created)
                    for n, u in enumerate(people)
                ],
            )
            signups += len(people)
        rows = []
        for i in range(1, n_requests + 1):
            at = _moment(rng)
            claimed = at + timedelta(minutes=rng.lognormvariate(2.8, 1.0))
            resolved = claimed + timedelta(hours=rng.lognormvariate(2.5, 1.1))
            state = rng.random()
            status = "resolved" if state < 0.85 else "cancelled" if state < 0.9 else "in_progress"
            if resolved > NOW or claimed > NOW:
                status, resolved = "in_progress", None
            rows.append(
                (
                    i,
                    1 + i % n_users,
                    rng.choices(REQUEST_CATEGORIES, [5, 4, 2, 2, 2, 1])[0],
                    "(bench)",
                    "en",
                    "asap",
                    _ts(at),
                    _ts(at),
                    _ts(claimed),
                    _ts(claimed),
                    _ts(resolved) if status == "resolved" and resolved else None,
                    status,
                    rng.choices([5, 4, 3, 2, 1, None], [50, 20, 5, 2, 1, 22])[0]
                    if status == "resolved"
                    else None,
                )
            )
        cur.executemany(
            "INSERT INTO help_requests (id, resident_id, category, description, language, "
            "needed, created_at, queued_at, claimed_at, first_claimed_at, resolved_at, status, "
            "rating, urgent, share_name, health_consent, unclaimed_level, silent_level) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,0,0,0,0,0)",
            rows,
        )
        cases, log = [], []
        for i in range(1, n_reports + 1):
            at = _moment(rng)
            place = rng.choices(PLACES, [1 + 12 * (p in PLACES[:4]) for p in PLACES])[0]
            acked = at + timedelta(hours=rng.lognormvariate(1.5, 1.2))
            resolved = acked + timedelta(days=rng.lognormvariate(1.0, 0.8))
            status = "resolved" if resolved < NOW and rng.random() < 0.85 else "in_progress"
            cases.append(
                (
                    i,
                    1 + (i * 7) % n_users,
                    rng.random() < 0.3,
                    rng.choices(DISPUTE_CATEGORIES, [6, 4, 2, 2, 2, 2, 1])[0],
                    place,
                    place.replace(" ", "").casefold(),
                    "(bench)",
                    status,
                    _ts(at),
                    _ts(at),
                    _ts(acked) if acked < NOW else None,
                    _ts(resolved) if status == "resolved" else None,
                )
            )
            log.append((i, _ts(at), "reported", "reporter"))
            if status == "resolved" and rng.random() < 0.5:
                answer_at = resolved + timedelta(days=3, hours=2)
                kind = "followup_yes" if rng.random() < 0.85 else "followup_no"
                if answer_at < NOW:
                    log.append((i, _ts(answer_at), kind, "reporter"))
                    if kind == "followup_no":
                        log.append((i, _ts(answer_at), "reopened", "system"))
        cur.executemany(
            "INSERT INTO dispute_cases (id, reporter_id, anonymous, category, place_text, "
            "place_key, description, status, created_at, updated_at, acknowledged_at, "
            "resolved_at, contact_ok, photos) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,0,'[]')",
            cases,
        )
        cur.executemany(
            "INSERT INTO dispute_events (case_id, at, kind, actor_role, audience) "
            "VALUES (?, ?, ?, ?, 'internal')",
            log,
        )
        cur.execute("COMMIT")
        cur.execute("ANALYZE")
    finally:
        raw.close()
    engine.dispose()
    return {
        "users": n_users,
        "events": n_events,
        "signups": signups,
        "requests": n_requests,
        "reports": n_reports,
        "dispute_events": len(log),
    }


def _inbound(user: str, command: str, args: str = "") -> Inbound:
    return Inbound(
        ChatRef("telegram", user),
        Sender("telegram", user, "Neighbour", None, "zh-hans"),
        Kind.COMMAND,
        text=f"/{command} {args}".strip(),
        command=command,
        args=args,
    )


def _percentiles(values: list[float]) -> str:
    if not values:
        return "no answers"
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (
        f"p50 {statistics.median(ordered) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, "
        f"max {ordered[-1] * 1000:.0f} ms ({len(ordered)} answers)"
    )


def _residents(dispatcher: Dispatcher, stop: threading.Event, out: list[float]) -> None:
    """Residents asking for /help one after another until ``stop``."""
    n = 0
    while not stop.is_set():
        n += 1
        started = time.perf_counter()
        dispatcher.handle(_inbound(str(200_000 + n % 50), "help"))
        out.append(time.perf_counter() - started)
        time.sleep(0.01)


def measure(url: str) -> None:
    engine = make_engine(url)
    community = Community(
        timezone=TZ, default_locale="zh_Hans", admin_refs=frozenset({f"telegram:{ADMIN}"})
    )
    render.use(ReportProcess())  # as the bot does at start (bot/runtime.py)
    dispatcher = Dispatcher(
        session_factory=make_session_factory(engine),
        registry=build_registry(),
        community=community,
        clock=lambda: NOW,
        flood=FloodGuard(limit=100_000),
    )

    def report() -> tuple[float, int]:
        started = time.perf_counter()
        replies = dispatcher.handle(_inbound(ADMIN, "stats", "2026-11"))
        size = sum(len(r.attachment.content) for r in replies if r.attachment)
        return time.perf_counter() - started, size

    cold, size = report()
    print(f"/stats 2026-11, cold (matplotlib and the font loaded): {cold:.2f} s, {size} bytes")
    warm = [report()[0] for _ in range(3)]
    print(f"/stats 2026-11, warm: best {min(warm):.2f} s, worst {max(warm):.2f} s")

    from handlers.i18n import language
    from handlers.stats.measures import compute
    from handlers.stats.periods import parse_month
    from handlers.stats.render import png

    period = parse_month("2026-11")
    assert period is not None
    session_factory = make_session_factory(engine)
    started = time.perf_counter()
    with session_factory() as session, session.begin():
        numbers = compute(session, community, period, NOW)
    read = time.perf_counter() - started
    started = time.perf_counter()
    png(numbers, language("zh_Hans", TZ.key))
    print(
        f"  reading the numbers: {read * 1000:.0f} ms (done after the admin's transaction, "
        f"holding no lock); drawing: {(time.perf_counter() - started) * 1000:.0f} ms"
    )

    for label, busy, separate in (
        ("quiet", False, True),
        ("while /stats is read and drawn in a thread of the bot", True, False),
        ("while /stats is read and drawn in the report process", True, True),
    ):
        render.use(ReportProcess() if separate else render.InThisThread())
        latencies: list[float] = []
        stop = threading.Event()
        threads = [
            threading.Thread(target=_residents, args=(dispatcher, stop, latencies))
            for _ in range(4)
        ]
        for thread in threads:
            thread.start()
        if busy:
            for _ in range(3):
                report()
        else:
            time.sleep(max(warm) * 3)
        stop.set()
        for thread in threads:
            thread.join()
        print(f"residents' /help, {label}: {_percentiles(latencies)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0: 1M signups, 100k, 50k")
    parser.add_argument("--db", help="SQLite file to build (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="build only; keep the file")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="linli-bench-")
    path = Path(args.db or Path(folder) / "stats.db")
    if path.exists():
        path.unlink()
    url = f"sqlite:///{path.resolve()}"
    started = time.perf_counter()
    counts = build(url, scale=args.scale)
    print(f"built {counts} in {time.perf_counter() - started:.1f} s ({path})")
    if not args.keep:
        measure(url)


if __name__ == "__main__":
    main()
