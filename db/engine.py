"""Engine and session factory for SQLite (the embedded default) and PostgreSQL.

SQLite gets WAL, foreign keys, a busy timeout, and ``BEGIN IMMEDIATE`` for every transaction:
a deferred transaction that reads and then writes can fail at once with "database is locked"
when another writer committed in between, and no timeout helps with that. Taking the write lock
up front turns that into an orderly wait. Each unit of work is short, so this costs little.
The threads of one process take their turns by a lock of their own (``_take_turns``) before
they ask SQLite, so the write lock passes from one to the next the moment it is free.

Privacy: every engine is made with ``hide_parameters=True``, so a database error in the log
shows the SQL but never the values bound to it (a message's text, a person's id). A new SQLite
file is created readable by its owner only (0600), in a folder created for the owner only
(0700); SQLite gives its ``-wal`` and ``-shm`` files the database file's permissions.
"""

from __future__ import annotations

import os
import threading
import weakref
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 30_000
#: A new data folder and a new SQLite file are for the owner only.
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def _create_private_file(path: Path) -> None:
    """Create the SQLite file (and the folders it needs) for the owner only, if missing."""
    missing: list[Path] = []
    folder = path.parent
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for folder in reversed(missing):
        folder.mkdir(mode=PRIVATE_DIR_MODE, exist_ok=True)
        os.chmod(folder, PRIVATE_DIR_MODE)  # mkdir's mode is filtered by the umask
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, PRIVATE_FILE_MODE)
        os.close(fd)
        os.chmod(path, PRIVATE_FILE_MODE)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create the engine for ``url``; for a SQLite file, create its folder and the file first
    (owner only). Bound values never appear in error messages (``hide_parameters``)."""
    kwargs.setdefault("hide_parameters", True)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            _create_private_file(Path(database).expanduser())
        engine = create_engine(
            url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **kwargs
        )
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 10)
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below emit BEGIN itself.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded values after commit (replies are built from them); on
    SQLite, this process's sessions take turns for the write lock (``_take_turns``)."""
    factory = sessionmaker(engine, expire_on_commit=False)
    if engine.dialect.name == "sqlite":
        _take_turns(factory, _turns(engine))
    return factory


#: The key in ``Session.info`` of a session whose transaction holds its engine's turn.
_TURN = "linli_sqlite_turn"


#: Engine → the one lock of its sessions in this process, however many factories.
_ENGINE_TURNS: weakref.WeakKeyDictionary[Engine, threading.RLock] = weakref.WeakKeyDictionary()
_ENGINE_TURNS_LOCK = threading.Lock()


def _turns(engine: Engine) -> threading.RLock:
    with _ENGINE_TURNS_LOCK:
        return _ENGINE_TURNS.setdefault(engine, threading.RLock())


def _take_turns(factory: sessionmaker[Session], lock: threading.RLock) -> None:
    """A transaction waits for the lock before its ``BEGIN IMMEDIATE`` and lets go when it
    ends. Without it a thread that finds SQLite's write lock taken sleeps in SQLite's busy
    handler (1, 2, 5 … up to 100 ms between tries) and the lock stays idle until it wakes: with
    300 residents at once that was a fifth of the time. Other processes still meet in the busy
    handler, as before, and a turn not had within the busy timeout is not waited for longer:
    the transaction goes on to SQLite's own wait, as it did without the lock."""

    @event.listens_for(factory, "after_transaction_create")
    def _wait_turn(session: Session, transaction: SessionTransaction) -> None:
        if (
            transaction.parent is None
            and _TURN not in session.info
            and lock.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
        ):
            session.info[_TURN] = transaction

    @event.listens_for(factory, "after_transaction_end")
    def _end_turn(session: Session, transaction: SessionTransaction) -> None:
        if session.info.get(_TURN) is transaction:
            del session.info[_TURN]
            lock.release()
