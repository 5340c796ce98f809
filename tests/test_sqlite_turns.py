"""On SQLite the threads of one process take turns for the write lock (``db/engine.py``):
each waits for the one before it, never in SQLite's busy handler."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import event, text

from db.engine import make_engine, make_session_factory


def test_writers_in_one_process_wait_their_turn_not_in_sqlite(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'turns.db'}")

    @event.listens_for(engine, "connect")
    def _no_busy_wait(dbapi_connection, _record) -> None:
        # SQLite would answer "database is locked" at once to a second writer.
        dbapi_connection.execute("PRAGMA busy_timeout=0")

    factory = make_session_factory(engine)
    with factory() as session, session.begin():
        session.execute(text("CREATE TABLE signups (id INTEGER PRIMARY KEY, person INTEGER)"))
    failures: list[Exception] = []

    def sign_up(person: int) -> None:
        try:
            for _ in range(20):
                with factory() as session, session.begin():
                    session.execute(text("INSERT INTO signups (person) VALUES (:p)"), {"p": person})
                with factory() as session:  # a read on its own takes its turn as well
                    session.execute(text("SELECT count(*) FROM signups")).scalar_one()
        except Exception as exc:  # "database is locked"
            failures.append(exc)

    threads = [threading.Thread(target=sign_up, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with factory() as session:
        signed = session.execute(text("SELECT count(*) FROM signups")).scalar_one()
    engine.dispose()
    assert failures == []
    assert signed == 8 * 20
