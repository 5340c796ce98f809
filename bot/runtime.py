"""Builds the pieces every transport shares from the settings: the database (migrated), the
registry of flows, the dispatcher and the outbox worker."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.dispatcher import Dispatcher
from bot.flood import SharedFloodGuard
from bot.outage import FIRST_WAIT, LONGEST_WAIT, DatabaseUnavailable, guarded
from bot.outbox import OutboxWorker
from bot.reports import ReportProcess
from bot.sweeper import Sweeper
from db.engine import make_engine, make_session_factory
from db.migrate import upgrade
from handlers import build_registry, holidays
from handlers.stats import render


@dataclass(slots=True)
class Runtime:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    dispatcher: Dispatcher
    worker: OutboxWorker
    sweeper: Sweeper


def build_runtime(
    settings: Settings, *, bot_username: str | None = None, patience: float = 0.0
) -> Runtime:
    """Migrate the database to the latest schema and wire the shared pieces. ``patience``: how
    long to wait for a database that is away (restarting) before giving up (``linli run``)."""
    engine = make_engine(settings.database_url)
    _upgrade_when_reachable(engine, patience)
    session_factory = make_session_factory(engine)
    render.use(ReportProcess())  # the report's numbers and picture, in a process of their own
    with session_factory() as session:
        holidays.load(session)  # the public holidays admins keep, before the first message
    registry = build_registry()
    community = settings.community(bot_username)
    dispatcher = Dispatcher(
        session_factory=session_factory,
        registry=registry,
        community=community,
        flood=SharedFloodGuard(session_factory, limit=settings.flood_limit),
    )
    worker = OutboxWorker(session_factory=session_factory, registry=registry, community=community)
    sweeper = Sweeper(session_factory=session_factory, registry=registry, community=community)
    return Runtime(settings, engine, session_factory, dispatcher, worker, sweeper)


def _upgrade_when_reachable(engine: Engine, patience: float) -> None:
    """Migrate; while the database is away (``bot.outage``), try again with back-off for up
    to ``patience`` seconds (one WARNING, then one INFO line when it answers)."""
    deadline = time.monotonic() + patience
    wait = FIRST_WAIT
    while True:
        try:
            guarded("the start", upgrade, engine)
            return
        except DatabaseUnavailable:
            if time.monotonic() + wait > deadline:
                raise
        time.sleep(wait)
        wait = min(wait * 2, LONGEST_WAIT)


def configure_logging(level: str) -> None:
    """Log lines carry no message bodies or tokens at INFO; httpx would log every Bot API URL
    (which contains the token), so it is held at WARNING."""
    logging.basicConfig(
        level=getattr(logging, level, logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # matrix-nio warns on every retry; bot.matrix says once what is wrong, and how it ends.
    logging.getLogger("nio").setLevel(logging.ERROR)
