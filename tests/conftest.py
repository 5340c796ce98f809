"""Fixtures: a migrated database (a SQLite file emptied for each test, or PostgreSQL when
``LINLI_TEST_DATABASE_URL`` is set), the dispatcher over it, and residents to chat with."""

from __future__ import annotations

import gc
import io
import os
import shutil
import sqlite3
import sys
import tempfile
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, text

from bot import cli
from bot.dispatcher import Dispatcher
from db.engine import SQLITE_BUSY_TIMEOUT_MS, make_engine, make_session_factory
from db.migrate import upgrade
from db.registry import metadata
from handlers import build_registry
from handlers.router import Registry
from handlers.stats import render
from handlers.types import Community
from tests.concurrency_support import apologies  # noqa: F401  (a fixture several files use)
from tests.forms_support import plan_dispatcher  # noqa: F401  (a fixture several files use)
from tests.support import FakeClock, PostBox, Resident, run_outbox

POSTGRES_URL = os.environ.get("LINLI_TEST_DATABASE_URL", "")
#: Under pytest-xdist each worker has its own SQLite folder, or its own PostgreSQL schema.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


#: Test files that start processes or servers (the crash drill's bot processes, a Synapse
#: homeserver, PostgreSQL servers of their own, the fuzz and storm drills, the report's
#: process): marked ``slow``. They are collected first, longest first, so pytest-xdist starts
#: them at once and runs the rest beside them, not after them (the Synapse group, the largest
#: unit, goes first of all); ``scripts/test --quick`` leaves them out.
SLOW_FILES = (
    "test_drill_fuzz.py",
    "test_drill_db_restart.py",
    "test_drill_crash.py",
    "test_drill_storm.py",
    "test_matrix_closed.py",
    "test_matrix_cross.py",
    "test_matrix_e2e.py",
    "test_matrix_faults.py",
    "test_matrix_run.py",
    "test_db_outage.py",
    "test_migrations.py",
    "test_stats.py",
    "test_lockfile.py",
    "test_cli.py",
)


#: Test files that share a resource run in one worker, as one unit of work: the Synapse
#: homeserver (started once per worker that needs it), and the PostgreSQL servers of the
#: outage tests and the restart drill (one at a time, not beside each other). A file's
#: ``xdist_group`` mark must say the same (checked at collection).
GROUPS = {
    "test_matrix_closed.py": "synapse",
    "test_matrix_cross.py": "synapse",
    "test_matrix_e2e.py": "synapse",
    "test_matrix_faults.py": "synapse",
    "test_matrix_run.py": "synapse",
    "test_db_outage.py": "db-restart",
    "test_drill_db_restart.py": "db-restart",
}


@pytest.hookimpl(optionalhook=True)  # known only when pytest-xdist is loaded
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``--dist loadgroup``, with the groups of ``GROUPS``: pytest-xdist 3.8 marks a group by
    renaming the test's node id, which pytest 9 no longer lets it do, so its own
    ``xdist_group`` marks group nothing (the four Synapse files started a homeserver in every
    worker). Every other test is a unit of its own, handed to whichever worker is free."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class Groups(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return GROUPS.get(nodeid.partition("::")[0].rpartition("/")[2], nodeid)

    return Groups(config, log)


#: Test files that run many people at once in threads, over HTTP to a stand-in, with
#: generated input, or that draw the report's pictures: marked ``thorough``;
#: ``scripts/test --quick`` leaves them out too (see ``_repeats`` for what else it leaves out).
THOROUGH_FILES = (
    "test_concurrency.py",
    "test_events_concurrency.py",
    "test_dispute_concurrency.py",
    "test_notices_concurrency.py",
    "test_requests_concurrency.py",
    "test_rooms_concurrency.py",
    "test_volunteering_concurrency.py",
    "test_telegram_e2e.py",
    "test_requests_e2e.py",
    "test_events_e2e.py",
    "test_ux_counts.py",
    "test_dispute_privacy.py",
    "test_privacy.py",
    "test_dispute_duplicates.py",
    "test_payloads.py",
    "test_outbox_lease.py",
    "test_standin.py",
    "test_stats_privacy.py",
)

#: Parameter values that name a language: the quick loop runs each flow in one language.
LANGUAGES = frozenset({"en", "zh-hans", "zh-hant", "zh_Hans", "zh_Hant", "zh", "zh-cn", "zh-tw"})


def _repeats(items: list[pytest.Item]) -> list[pytest.Item]:
    """The parametrized cases the quick loop leaves out (marked ``thorough``): those whose
    every parameter has a value an earlier case of the same test already had. A language
    counts as one value, and in a case with a language the other texts (what is typed, what
    is expected) are that language's words. So a role × button matrix runs each button and
    each role once, a test in English and Chinese runs once, and a table of inputs without a
    language runs whole."""
    seen: dict[str, set[tuple[str, object]]] = {}
    repeats = []
    for item in items:
        spec = getattr(item, "callspec", None)
        if spec is None:
            continue
        known = seen.setdefault(item.nodeid.partition("[")[0], set())
        in_a_language = any(
            isinstance(value, str) and value in LANGUAGES for value in spec.params.values()
        )
        values = set()
        for name, value in spec.params.items():
            if isinstance(value, str) and (in_a_language or value in LANGUAGES):
                value = "words"
            elif not isinstance(value, str | int | float | bool | None):
                value = ("case", spec.indices[name])  # the same object, by its place in the list
            values.add((name, value))
        if values <= known:
            repeats.append(item)
        known |= values
    return repeats


def _generated(item: pytest.Item) -> bool:
    """Whether the test runs on input Hypothesis generates (thorough, in any file)."""
    return getattr(getattr(item, "obj", None), "is_hypothesis_test", False)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the slow and the thorough tests, and put the slow ones first (the order within a
    file is kept). A file whose ``xdist_group`` mark is not in ``GROUPS``, or that needs the
    Synapse homeserver outside its group, would start a server of its own in another worker:
    refused."""
    for item in items:
        name = item.path.name
        group = item.get_closest_marker("xdist_group")
        if "synapse" in getattr(item, "fixturenames", ()) and GROUPS.get(name) != "synapse":
            raise pytest.UsageError(f"{name} uses Synapse: add it to GROUPS in tests/conftest.py")
        if group is not None and GROUPS.get(name) != group.args[0]:
            raise pytest.UsageError(f"{name} is in group {group.args[0]!r}: add it to GROUPS")
        if name in SLOW_FILES:
            item.add_marker(pytest.mark.slow)
        elif name in THOROUGH_FILES or _generated(item):
            item.add_marker(pytest.mark.thorough)
    for item in _repeats(items):
        item.add_marker(pytest.mark.thorough)
    rank = {name: index for index, name in enumerate(SLOW_FILES)}
    items.sort(key=lambda item: rank.get(item.path.name, len(SLOW_FILES)))


def pytest_collection_finish(session: pytest.Session) -> None:
    """The modules and the collected tests stay to the end: out of the garbage collector's
    way (``gc.freeze``), and it runs less often (a test makes many short-lived objects, few
    cycles). It took ~6 % of a worker's time, most of it walking those long-lived objects."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 20, 20)


def pytest_report_header() -> str:
    where = f"PostgreSQL {POSTGRES_URL}" if POSTGRES_URL else "SQLite (migrated, emptied per test)"
    return f"database: {where}"


def _postgres_engine() -> Engine:
    """The PostgreSQL database, its schema dropped and migrated afresh (once per session): the
    ``public`` schema, or under pytest-xdist a schema of the worker's own (``linli_gw0``…),
    chosen for every connection by the URL (``options=-csearch_path=…``)."""
    schema = f"linli_{WORKER}" if WORKER else "public"
    admin = make_engine(POSTGRES_URL)
    try:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            connection.execute(text(f"CREATE SCHEMA {schema}"))
    except Exception as exc:  # never skip silently: CI asked for PostgreSQL
        pytest.exit(f"LINLI_TEST_DATABASE_URL is set but PostgreSQL is unreachable: {exc}", 3)
    finally:
        admin.dispose()
    url = POSTGRES_URL
    if WORKER:
        url += f"{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
    engine = make_engine(url)
    upgrade(engine)
    return engine


_RESET: dict[Engine, str] = {}


def _postgres_reset(engine: Engine) -> str:
    """One statement that empties every table and restarts every id sequence (so a test's
    first case is #D-0001 again). ``DELETE`` rather than ``TRUNCATE``: on tables this small it
    takes ~10 ms where ``TRUNCATE`` takes ~200 ms (new files for every table)."""
    if engine not in _RESET:
        with engine.connect() as connection:
            sequences = connection.execute(
                text(
                    "SELECT sequence_name FROM information_schema.sequences "
                    "WHERE sequence_schema = current_schema()"
                )
            ).scalars()
            restarts = [f'ALTER SEQUENCE "{name}" RESTART' for name in sequences]
        deletes = [f'DELETE FROM "{t.name}"' for t in reversed(metadata.sorted_tables)]
        _RESET[engine] = "; ".join(deletes + restarts)
    return _RESET[engine]


@pytest.fixture(scope="session")
def sqlite_dir(tmp_path_factory) -> Iterator[Path]:
    """Where the tests' SQLite files live: in memory (``/dev/shm``) where the machine has it,
    since a commit or a checkpoint on a busy disk waits for the disk; else the temporary folder.
    They are real SQLite files either way (WAL, locks, several connections)."""
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        folder = Path(tempfile.mkdtemp(prefix="linli-tests-", dir=shm))
        yield folder
        shutil.rmtree(folder, ignore_errors=True)
    else:
        yield tmp_path_factory.mktemp("sqlite")


@pytest.fixture
def fast_path(sqlite_dir: Path, request) -> Iterator[Path]:
    """A folder of the test's own beside the SQLite files (in memory where the machine has
    it): for the Matrix tests' device stores, where nio makes every key it keeps a SQLite
    commit, on the event loop that also runs the bot and the people."""
    folder = Path(tempfile.mkdtemp(prefix=f"{request.node.name[:40]}-", dir=sqlite_dir))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def sqlite_template(sqlite_dir: Path) -> Path:
    """A SQLite file migrated to the newest schema once per session; each test gets a copy
    (copying a file is ~100 times faster than running the migrations again)."""
    path = sqlite_dir / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    raw = engine.raw_connection()  # everything into the main file, no -wal beside it
    try:
        raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        raw.close()
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def shared_engine(sqlite_dir: Path) -> Iterator[Engine]:
    """One engine for the whole session: SQLAlchemy caches compiled SQL per engine, and
    compiling every statement again in each test was a large share of the suite's time. Its
    database is reset before each test (``database_url``). On PostgreSQL its pool is emptied
    after each test; on SQLite its connections are kept while the file is (they know the
    schema already)."""
    if POSTGRES_URL:
        engine = _postgres_engine()
    else:
        engine = make_engine(f"sqlite:///{sqlite_dir / 'linli.db'}")
    yield engine
    engine.dispose()


#: The shared SQLite file as last copied from the template: its inode and schema version.
_SQLITE_COPY: dict[str, int] = {}


def _sqlite_emptied(engine: Engine, path: Path) -> bool:
    """Empty the shared SQLite file in place, on a connection its pool already holds: a new
    file means a new connection, which reads the whole schema again (~1 ms a test). Only if
    it is still the copy made for an earlier test, with the template's schema (a test that
    migrated it changed that), and nothing holds its write lock (a transaction left open):
    else False, and the template is copied again."""
    try:
        if not _SQLITE_COPY or path.stat().st_ino != _SQLITE_COPY["inode"]:
            return False
    except FileNotFoundError:
        return False
    tables = [table.name for table in reversed(metadata.sorted_tables)]  # children first
    probe = "SELECT " + ", ".join(f'EXISTS (SELECT 1 FROM "{name}")' for name in tables)
    with engine.connect() as connection:
        raw = connection.connection.dbapi_connection
        assert isinstance(raw, sqlite3.Connection)
        try:
            raw.execute("PRAGMA busy_timeout=0")  # a lock held means a leftover: copy instead
            [(schema,)] = raw.execute("PRAGMA schema_version").fetchall()
            if schema != _SQLITE_COPY["schema"]:
                return False
            raw.execute("BEGIN IMMEDIATE")
            [used] = raw.execute(probe).fetchall()  # a test fills a few of them
            for name, rows in zip(tables, used, strict=True):
                if rows:
                    raw.execute(f'DELETE FROM "{name}"')
            raw.execute("COMMIT")
        except sqlite3.Error:
            if raw.in_transaction:
                raw.rollback()
            return False
        finally:
            raw.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    return True


@pytest.fixture
def database_url(request, shared_engine: Engine) -> str:
    """The test's database, migrated and empty: the shared SQLite file emptied in place
    (``_sqlite_emptied``) or else the session's template copied over it, or every PostgreSQL
    table emptied and its ids restarted. Either way a test's first row has id 1."""
    url = shared_engine.url.render_as_string(hide_password=False)
    if POSTGRES_URL:
        shared_engine.dispose()
        with shared_engine.begin() as connection:
            connection.exec_driver_sql(_postgres_reset(shared_engine))
        return url
    path = Path(shared_engine.url.database or "")
    if _sqlite_emptied(shared_engine, path):
        return url
    shared_engine.dispose()
    for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)  # a new file: a connection left open keeps the old one
    template = request.getfixturevalue("sqlite_template")
    shutil.copyfile(template, path)
    with closing(sqlite3.connect(template)) as connection:
        [(schema,)] = connection.execute("PRAGMA schema_version").fetchall()
    _SQLITE_COPY.update(inode=path.stat().st_ino, schema=schema)
    return url


@pytest.fixture
def engine(database_url: str, shared_engine: Engine) -> Iterator[Engine]:
    yield shared_engine
    if POSTGRES_URL:
        shared_engine.dispose()


@pytest.fixture
def session_factory(engine: Engine):
    return make_session_factory(engine)


@pytest.fixture(autouse=True)
def _reports_in_this_thread() -> Iterator[None]:
    """A test that started the bot in this process (``build_runtime``: ``linli run``,
    ``linli stats``…) left its report process in charge of every report drawn after it, in
    every later test of the worker, each such start one more process (~1.5 s of CPU): after
    the test, it is stopped and reports are drawn here again, as for any other test."""
    yield
    reports = render.reports()
    if not isinstance(reports, render.InThisThread):
        close = getattr(reports, "close", None)
        if close is not None:
            close()
        render.use(render.InThisThread())


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


@pytest.fixture(scope="session")
def registry() -> Registry:
    """The handlers' routes, built once: a ``Registry`` is not changed after it is built (a
    test that needs other routes builds its own)."""
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
def synapse(tmp_path_factory, sqlite_dir):
    """A real Synapse homeserver for the whole run (installed on first use into
    ``.venv-synapse``); if it cannot start, the tests that need it fail. Its database is with
    the tests' own (``sqlite_dir``: in memory where the machine has it — each event Synapse
    writes is a commit), its config and log in the temporary folder."""
    from standin import synapse as homeserver

    server = homeserver.start(
        tmp_path_factory.mktemp("synapse"), database=sqlite_dir / "synapse.db"
    )
    yield server
    server.stop()


@dataclass
class Result:
    """What a command line run printed and returned."""

    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def linli(tmp_path, monkeypatch, capsys, request):
    """``linli(*args, stdin=…, extra_env=…)`` → Result, on ``cli.db`` in ``tmp_path`` (a copy of
    the migrated template unless the test asks for a fresh file with ``fresh=True``)."""

    def run(*args: str, stdin: str = "", extra_env: dict | None = None, fresh: bool = False):
        database = tmp_path / "cli.db"
        if not fresh and not database.exists():
            shutil.copyfile(request.getfixturevalue("sqlite_template"), database)
        with monkeypatch.context() as patch:
            for name in [name for name in os.environ if name.startswith("LINLI_")]:
                patch.delenv(name)
            patch.setenv("LINLI_DATABASE_URL", f"sqlite:///{database}")
            for name, value in (extra_env or {}).items():
                patch.setenv(name, value)
            patch.chdir(tmp_path)
            patch.setattr(sys, "stdin", io.StringIO(stdin))
            capsys.readouterr()
            try:
                cli.main(list(args))
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
                if isinstance(exc.code, str):
                    print(exc.code, file=sys.stderr)
            out, err = capsys.readouterr()
        return Result(code, out, err)

    return run
