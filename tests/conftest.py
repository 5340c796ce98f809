"""Fixtures: a migrated database (a fresh SQLite file per test, or PostgreSQL when
``LINLI_TEST_DATABASE_URL`` is set), the dispatcher over it, and residents to chat with."""

from __future__ import annotations

import os
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, text

from bot.dispatcher import Dispatcher
from db.engine import make_engine, make_session_factory
from db.migrate import upgrade
from db.models import Base
from handlers import build_registry
from handlers.router import Registry
from handlers.types import Community
from tests.support import FakeClock, PostBox, Resident, run_outbox

POSTGRES_URL = os.environ.get("LINLI_TEST_DATABASE_URL", "")
_postgres_migrated = False


def pytest_report_header() -> str:
    return (
        f"database: {'PostgreSQL ' + POSTGRES_URL if POSTGRES_URL else 'SQLite (a file per test)'}"
    )


def _postgres_engine() -> Engine:
    global _postgres_migrated
    engine = make_engine(POSTGRES_URL)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # never skip silently: CI asked for PostgreSQL
        pytest.exit(f"LINLI_TEST_DATABASE_URL is set but PostgreSQL is unreachable: {exc}", 3)
    if not _postgres_migrated:
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        upgrade(engine)
        _postgres_migrated = True
    tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    return engine


@pytest.fixture
def database_url(tmp_path) -> str:
    return POSTGRES_URL or f"sqlite:///{tmp_path / 'linli.db'}"


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    if POSTGRES_URL:
        engine = _postgres_engine()
    else:
        engine = make_engine(database_url)
        upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def session_factory(engine: Engine):
    return make_session_factory(engine)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def community() -> Community:
    return Community(
        timezone=ZoneInfo("Asia/Shanghai"),
        default_locale="zh_Hans",
        admin_refs=frozenset({"telegram:9000"}),
        bot_username="linli_test_bot",
    )


@pytest.fixture
def registry() -> Registry:
    return build_registry()


@pytest.fixture
def dispatcher(session_factory, registry, community, clock) -> Dispatcher:
    return Dispatcher(
        session_factory=session_factory, registry=registry, community=community, clock=clock
    )


@pytest.fixture
def resident(dispatcher):
    """Make a resident: ``resident("Alice", "en")``; ids are distinct per name (or given:
    ``resident("Admin", user_id="9000")`` is the community fixture's admin)."""
    made: dict[str, Resident] = {}

    def make(name: str, language_code: str | None = "en", **kwargs) -> Resident:
        if name not in made:
            kwargs.setdefault("user_id", str(1000 + len(made)))
            made[name] = Resident(dispatcher, name, language_code, **kwargs)
        return made[name]

    return make


@pytest.fixture
def postbox() -> PostBox:
    """What the outbox worker delivered, per chat (``deliver`` runs it)."""
    return PostBox()


@pytest.fixture
def deliver(session_factory, registry, community, clock, postbox):
    """Send everything due through the real outbox worker into ``postbox``."""
    return lambda: run_outbox(session_factory, registry, community, clock, postbox)


@pytest.fixture(scope="session")
def synapse(tmp_path_factory):
    """A real Synapse homeserver for the whole run (installed on first use into
    ``.venv-synapse``); if it cannot start, the tests that need it fail."""
    from tests import synapse as homeserver

    server = homeserver.start(tmp_path_factory.mktemp("synapse"))
    yield server
    server.stop()
