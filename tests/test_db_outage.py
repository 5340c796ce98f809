"""The database away for a moment, in one process, on a PostgreSQL server of the test's own
(``tests.private_postgres``, stopped and started as an operator's restart does): a webhook
answers 503 meanwhile so that Telegram sends the update again, and handles it once the database
is back; the sweeps skip their round quietly and run again. One WARNING per outage, no
traceback. The whole bot in a real process is the drill in ``test_drill_db_restart.py``."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator

import pytest

from bot.outage import DATABASE
from bot.sweeper import Sweeper
from db.engine import make_engine, make_session_factory
from db.migrate import upgrade
from handlers import build_registry
from tests.private_postgres import PrivatePostgres
from tests.telegram_support import running_bot

pytestmark = [
    pytest.mark.timeout(120),
    pytest.mark.xdist_group("db-restart"),  # a server of its own: not beside the other drills
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]


@pytest.fixture(scope="module")
def server() -> Iterator[PrivatePostgres]:
    with PrivatePostgres() as pg:
        engine = make_engine(pg.url)
        upgrade(engine)
        engine.dispose()
        yield pg


@pytest.fixture
def private_factory(server: PrivatePostgres):
    DATABASE.back()  # no outage left over from an earlier test
    engine = make_engine(server.url)
    yield make_session_factory(engine)
    engine.dispose()


def _start_update(user_id: int, update_id: int) -> dict:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": "Mei"},
            "from": {"id": user_id, "is_bot": False, "first_name": "Mei", "language_code": "en"},
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }


def _problems(caplog) -> tuple[list[str], list[logging.LogRecord]]:
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    bad = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    return warnings, bad


async def test_a_webhook_answers_503_while_the_database_is_away_then_handles_it(
    server, private_factory, community, caplog
):
    caplog.set_level(logging.INFO)
    async with running_bot(private_factory, community, webhook=True) as (api, _, worker):
        await asyncio.to_thread(server.stop)
        await worker.tick()  # the outbox meets the outage first (it logs it, once)
        assert DATABASE.away
        update = _start_update(610, 9001)
        assert await api.post_to_webhook(update) == 503  # Telegram will send it again
        assert await api.post_to_webhook(update) == 503
        await asyncio.to_thread(server.start)
        statuses = []
        for _ in range(40):  # Telegram sending it again, as it does after a 5xx
            statuses.append(await api.post_to_webhook(update))
            if statuses[-1] == 200:
                break
            await asyncio.sleep(0.25)
        assert statuses[-1] == 200 and set(statuses[:-1]) <= {503}, statuses
        [welcome] = await api.wait_for(
            lambda c: c.method == "sendMessage" and str(c.params["chat_id"]) == "610", timeout=20
        )
        assert welcome.params["text"].startswith("Welcome to Linli")
        await asyncio.sleep(0.5)
        answers = [c for c in api.calls_to("sendMessage") if str(c.params["chat_id"]) == "610"]
        assert len(answers) == 1, "answered once, when the database was back"
    warnings, bad = _problems(caplog)
    assert len(warnings) == 1 and "the database is unreachable" in warnings[0], warnings
    assert not bad, bad
    assert "the database answers again" in caplog.text


async def test_the_sweeps_skip_a_round_while_the_database_is_away(
    server, private_factory, community, caplog
):
    caplog.set_level(logging.INFO)
    registry = build_registry()
    sweeper = Sweeper(session_factory=private_factory, registry=registry, community=community)
    assert sweeper.run() == []
    await asyncio.to_thread(server.stop)
    try:
        assert sorted(sweeper.run()) == sorted(registry.sweeps)  # every sweep: next round
        assert sorted(sweeper.run()) == sorted(registry.sweeps)
    finally:
        await asyncio.to_thread(server.start)
    assert sweeper.run() == []
    warnings, bad = _problems(caplog)
    assert len(warnings) == 1 and "seen by the sweeps" in warnings[0], warnings
    assert not bad, bad


def test_only_a_lost_connection_counts_as_an_outage():
    """A refused or dropped connection, or a server shutting down, is waited out; a bug, a
    constraint or SQLite's lock is not (those stay errors, or conflicts run again)."""
    import sqlite3

    import psycopg
    from sqlalchemy.exc import IntegrityError, OperationalError

    from bot.outage import is_outage

    def wrapped(orig: Exception, kind=OperationalError) -> Exception:
        return kind("SELECT 1", {}, orig)

    assert is_outage(wrapped(psycopg.OperationalError("connection refused")))
    assert is_outage(wrapped(psycopg.errors.AdminShutdown("terminating connection")))
    assert is_outage(wrapped(psycopg.errors.CannotConnectNow("the database system is starting")))
    assert not is_outage(wrapped(sqlite3.OperationalError("database is locked")))
    assert not is_outage(wrapped(psycopg.errors.UniqueViolation("duplicate"), IntegrityError))
    assert not is_outage(wrapped(psycopg.errors.QueryCanceled("statement timeout")))
    assert not is_outage(ValueError("a bug"))


def test_without_postgresqls_programs_the_drills_fail_saying_what_is_missing(monkeypatch):
    from tests import private_postgres

    monkeypatch.setattr(private_postgres.glob, "glob", lambda pattern: [])
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(RuntimeError, match=r"initdb, pg_ctl.*apt-get install postgresql"):
        private_postgres.PrivatePostgres()


async def test_linli_run_started_while_the_database_restarts_waits_for_it(server, caplog):
    """``linli run`` started during the database's restart waits for it (one WARNING), then
    migrates and goes on, instead of exiting."""
    from bot.config import load_settings
    from bot.runtime import build_runtime

    caplog.set_level(logging.INFO)
    DATABASE.back()
    settings = load_settings({"LINLI_DATABASE_URL": server.url}, env_file=None)
    await asyncio.to_thread(server.stop)
    try:
        starting = asyncio.create_task(asyncio.to_thread(build_runtime, settings, patience=60))
        await asyncio.sleep(1.5)
        assert not starting.done(), "it waits for the database"
    finally:
        await asyncio.to_thread(server.start)
    runtime = await asyncio.wait_for(starting, 30)
    runtime.engine.dispose()
    warnings, bad = _problems(caplog)
    assert len(warnings) == 1 and "seen by the start" in warnings[0], warnings
    assert not bad, bad
