"""Does a message cost more when the database is big? The same steps on a small and a large one.

Two databases are seeded with ``INSERT … SELECT`` (seconds, not an hour of single inserts):
``--small`` and ``--large`` signups (1,000 and 1,000,000 by default), one per resident, spread
over past events of 1,000 signups each, as years of a community's events would leave them.
Then, in rounds alternating between the two, new residents each open a new event by its deep
link, press Sign up and Confirm, and ask /myevents: four messages, through the dispatcher and
the handlers on that database (no transport: this measures the database's share). Prints the
median time per message on each and the ratio large/small.

    python -m bench.scale                                   # SQLite files
    python -m bench.scale --database-url postgresql+psycopg://postgres@127.0.0.1/linli_a \\
        --large-database-url postgresql+psycopg://postgres@127.0.0.1/linli_b
"""

from __future__ import annotations

import argparse
import logging
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, Integer, String, cast, func, insert, literal, select, text
from sqlalchemy.orm import Session, sessionmaker

from bot.dispatcher import Dispatcher
from bot.flood import FloodGuard
from db.base import UTCDateTime
from db.engine import make_engine, make_session_factory
from db.events.models import Event, EventSignup, EventStatus, SignupStatus
from db.migrate import upgrade
from db.models import User
from db.registry import metadata
from handlers import build_registry
from handlers.types import Community
from standin.people import Resident

PER_EVENT = 1000
FIRST_SEEDED_ID = 50_000_000  # Telegram ids of the seeded residents


def _numbers(count: int):
    """1..count as a recursive CTE (SQLite and PostgreSQL alike)."""
    seq = select(literal(1, Integer).label("n")).cte("seq", recursive=True)
    return seq.union_all(select(seq.c.n + 1).where(seq.c.n < count))


def seed(engine: Engine, signups: int, now: datetime) -> None:
    """``signups`` residents, each signed up for one past event of ``PER_EVENT``."""
    past = literal(now - timedelta(days=30), UTCDateTime())
    stamp = literal(now - timedelta(days=60), UTCDateTime())
    events = max(1, signups // PER_EVENT)
    with engine.begin() as connection:
        first_event = (connection.scalar(select(func.max(Event.id))) or 0) + 1
        first_user = (connection.scalar(select(func.max(User.id))) or 0) + 1
        seq = _numbers(events)
        connection.execute(
            insert(Event).from_select(
                [
                    "id",
                    "title_en",
                    "starts_at",
                    "ends_at",
                    "place",
                    "max_party",
                    "status",
                    "created_at",
                    "updated_at",
                ],
                select(
                    seq.c.n + first_event - 1,
                    literal("A past walk", String),
                    past,
                    past,
                    literal("The park", String),
                    literal(1, Integer),
                    literal(EventStatus.PUBLISHED, String),
                    stamp,
                    stamp,
                ),
            )
        )
        seq = _numbers(signups)
        connection.execute(
            insert(User).from_select(
                ["id", "transport", "external_id", "display_name", "private_chat_id", "created_at"],
                select(
                    seq.c.n + first_user - 1,
                    literal("telegram", String),
                    cast(seq.c.n + FIRST_SEEDED_ID, String),
                    literal("Neighbour", String),
                    cast(seq.c.n + FIRST_SEEDED_ID, String),
                    stamp,
                ),
            )
        )
        seq = _numbers(signups)
        connection.execute(
            insert(EventSignup).from_select(
                ["event_id", "user_id", "party_size", "status", "seq", "created_at", "updated_at"],
                select(
                    (seq.c.n - 1) // PER_EVENT + first_event,
                    seq.c.n + first_user - 1,
                    literal(1, Integer),
                    literal(SignupStatus.CONFIRMED, String),
                    (seq.c.n - 1) % PER_EVENT + 1,
                    stamp,
                    stamp,
                ),
            )
        )
        if engine.dialect.name == "postgresql":
            for table in ("users", "events", "event_signups"):
                connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
    with engine.connect() as connection:
        connection.execute(text("ANALYZE"))
        connection.commit()


def new_event(factory: sessionmaker[Session], now: datetime) -> int:
    with factory() as session, session.begin():
        event = Event(
            title_en="Autumn walk",
            title_zh="秋季徒步",
            starts_at=now + timedelta(days=5),
            ends_at=now + timedelta(days=5, hours=2),
            place="The park",
            capacity=None,
            max_party=1,
            status=EventStatus.PUBLISHED,
            created_at=now,
            updated_at=now,
        )
        session.add(event)
        session.flush()
        return event.id


def one_round(dispatcher: Dispatcher, residents: int, first_id: int) -> list[float]:
    """Each resident: the event's deep link, Sign up, Confirm, /myevents; seconds per message."""
    now = datetime.now(UTC)
    event_id = new_event(dispatcher.session_factory, now)
    times: list[float] = []
    for n in range(residents):
        person = Resident(dispatcher, "Neighbour", "en", user_id=str(first_id + n))
        for act, what in (
            (person.send, f"/start ev_{event_id}"),
            (person.press, "Sign up"),
            (person.press, "Confirm"),
            (person.send, "/myevents"),
        ):
            started = time.perf_counter()
            act(what)
            times.append(time.perf_counter() - started)
        assert "Autumn walk" in person.text, person.text
    return times


def dispatcher_for(engine: Engine) -> Dispatcher:
    return Dispatcher(
        session_factory=make_session_factory(engine),
        registry=build_registry(),
        community=Community(timezone=ZoneInfo("Asia/Shanghai"), default_locale="en"),
        flood=FloodGuard(limit=10_000),
    )


def prepare(url: str, signups: int) -> Engine:
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    upgrade(engine)
    assert metadata.tables  # the models are loaded
    started = time.monotonic()
    seed(engine, signups, datetime.now(UTC))
    print(f"seeded {signups:,} signups in {time.monotonic() - started:.1f} s", flush=True)
    return engine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--residents", type=int, default=50, help="per round")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--database-url", help="the small database (default: a SQLite file)")
    parser.add_argument("--large-database-url", help="the large one (default: a SQLite file)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as folder:
        small_url = args.database_url or f"sqlite:///{Path(folder) / 'small.db'}"
        large_url = args.large_database_url or f"sqlite:///{Path(folder) / 'large.db'}"
        engines = {"small": prepare(small_url, args.small), "large": prepare(large_url, args.large)}
        times: dict[str, list[float]] = {"small": [], "large": []}
        for number in range(args.rounds):
            order = ("small", "large") if number % 2 == 0 else ("large", "small")
            for size in order:
                first_id = 1_000 + number * args.residents
                times[size] += one_round(dispatcher_for(engines[size]), args.residents, first_id)
        for engine in engines.values():
            engine.dispose()
    medians = {size: statistics.median(values) for size, values in times.items()}
    print(f"database: {small_url.split(':')[0]}; {args.rounds} rounds × {args.residents} residents")
    print(f"{args.small:>9,} signups: median {medians['small'] * 1000:.1f} ms per message")
    print(f"{args.large:>9,} signups: median {medians['large'] * 1000:.1f} ms per message")
    print(f"large / small: {medians['large'] / medians['small']:.2f}×")


if __name__ == "__main__":
    main()
