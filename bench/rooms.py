"""Two hundred neighbours try to book the same ten slots at once.

Each resident opens the booking form for one of ten slots of one room (twenty per slot) through
the real dispatcher, handlers and database, reaching the summary; then all of them press
Confirm at the same moment from many threads. Exactly ten bookings must be made, the other 190
told "just taken" in their language, and nobody left without an answer or shown an error.

    python -m bench.rooms                          # SQLite file, 200 people, 32 threads
    python -m bench.rooms --database-url postgresql+psycopg://postgres@127.0.0.1/linli_bench

Prints the outcome counts, the latency of the Confirm press (p50/p99/max) and the wall time.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text

from bot.dispatcher import Dispatcher
from bot.flood import FloodGuard
from db.engine import make_engine, make_session_factory
from db.migrate import upgrade
from db.rooms import rules
from db.rooms.models import BookedSlot, Booking
from handlers import build_registry
from handlers.types import ChatRef, Community, Inbound, Kind, Reply, Sender

NOW = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)  # Thu 09:00 in Shanghai
DAY = 20261127  # Friday: ten one-hour slots, 09:00–19:00
SLOTS = 10


def _ask(dispatcher: Dispatcher, uid: str, lang: str, **values: object) -> list[Reply]:
    chat = ChatRef("telegram", uid)
    sender = Sender("telegram", uid, f"N{uid}", None, lang)
    kind = values.pop("kind", Kind.TEXT)
    return dispatcher.handle(Inbound(chat, sender, kind, **values))  # type: ignore[arg-type]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--threads", type=int, default=32)
    parser.add_argument("--database-url", help="default: a SQLite file in a temporary folder")
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="linli-bench-rooms-")
    url = args.database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade(engine)
    session_factory = make_session_factory(engine)
    with session_factory() as session, session.begin():
        rules.add_room(
            session,
            rules.NewRoom(
                code="chess",
                name_zh="棋牌活动室",
                name_en="Chess and card room",
                capacity=8,
                hours=rules.parse_hours("mon-sun 09:00-19:00"),
                week_hours=40,
            ),
            now=NOW,
        )
    community = Community(timezone=ZoneInfo("Asia/Shanghai"), default_locale="zh_Hans")
    dispatcher = Dispatcher(
        session_factory=session_factory,
        registry=build_registry(),
        community=community,
        clock=lambda: NOW,
        flood=FloodGuard(limit=1_000_000),
    )
    people = [(str(50_000 + i), "en" if i % 2 else "zh-hans") for i in range(args.people)]

    def open_form(index: int) -> str:
        uid, lang = people[index]
        minute = (9 + index % SLOTS) * 60
        _ask(dispatcher, uid, lang, kind=Kind.BUTTON, payload=f"rm:slot:1:{DAY}:{minute}")
        replies = _ask(
            dispatcher, uid, lang, kind=Kind.BUTTON, payload=f"rm:run:1:{DAY}:{minute}:1"
        )
        if not any("fm:" in (b.payload or "") for r in replies for row in r.buttons for b in row):
            raise SystemExit(f"{uid}: the form did not open: {[r.text for r in replies]}")
        _ask(dispatcher, uid, lang, text="Go club")
        replies = _ask(dispatcher, uid, lang, text="4")
        return next(
            b.payload
            for r in replies
            for row in r.buttons
            for b in row
            if b.payload and b.payload.startswith("fm:confirm")
        )

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=args.threads) as pool:
        confirms = list(pool.map(open_form, range(len(people))))
    prepared = time.monotonic() - started
    together = threading.Barrier(args.threads)
    latencies: list[float] = []

    def confirm(index: int) -> str:
        uid, lang = people[index]
        if index < args.threads:
            together.wait(timeout=60)  # the first wave presses at exactly the same moment
        began = time.monotonic()
        replies = _ask(dispatcher, uid, lang, kind=Kind.BUTTON, payload=confirms[index])
        latencies.append(time.monotonic() - began)
        return "\n".join(reply.text for reply in replies)

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=args.threads) as pool:
        answers = list(pool.map(confirm, range(len(people))))
    took = time.monotonic() - started

    booked = sum("✅ Booked." in a or "✅ 已预约。" in a for a in answers)
    taken = sum("just taken" in a or "刚刚被别人预约" in a for a in answers)
    errors = sum("something went wrong" in a or "出了问题" in a for a in answers)
    silent = sum(not a.strip() for a in answers)
    with session_factory() as session:
        bookings = session.scalar(select(func.count()).select_from(Booking))
        slots = session.scalar(select(func.count()).select_from(BookedSlot))
    ordered = sorted(latencies)
    print(f"database: {engine.dialect.name}; {len(people)} people, {args.threads} threads")
    print(f"forms opened (4 updates each) in {prepared:.1f} s")
    print(
        f"Confirm pressed by {len(people)} at once: {took:.2f} s wall; latency p50 "
        f"{statistics.median(ordered) * 1000:.0f} ms, p99 "
        f"{ordered[int(len(ordered) * 0.99) - 1] * 1000:.0f} ms, max {ordered[-1] * 1000:.0f} ms"
    )
    print(
        f"answers: booked {booked}, just taken {taken}, errors {errors}, unanswered {silent}; "
        f"in the database: {bookings} bookings holding {slots} slots"
    )
    ok = booked == SLOTS == bookings == slots and taken == len(people) - SLOTS and not errors
    print("OK: exactly ten bookings, everyone answered" if ok else "FAILED")
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
