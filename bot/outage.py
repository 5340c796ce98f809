"""When the database goes away for a moment (PostgreSQL restarted, a network blip), the bot
waits for it instead of failing.

- :func:`is_outage` tells a lost or refused connection from every other database error
  (a bug, a constraint): only an outage is waited out.
- :data:`DATABASE` is the process's view of it: the first part of the bot that meets the outage
  logs one WARNING, the first that reaches the database again logs one INFO line with how long
  it lasted; everything else in between is silent (no traceback, no line per message).
- :func:`patiently` runs a database step in a worker thread and, while the database is away,
  tries it again with back-off (0.25 s doubling up to 2 s): a step waits for the database's
  return, then goes on. ``pool_pre_ping`` (``db.engine``) replaces the pool's dead connections.

Who waits: the outbox records what it sent (and sends nothing more until it can record), the
sweeps skip their round, the leader keeps its work running and takes its lock again, an update
from Telegram (long polling) or Matrix is handled once the database is back, and a webhook
answers 503 meanwhile (:func:`answering`) so that Telegram sends it again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError

log = logging.getLogger(__name__)

T = TypeVar("T")

#: SQLSTATEs of an outage: connection exceptions (08…), and the server shutting down,
#: crashed or starting up (57P01–57P03).
OUTAGE_STATES = ("57P01", "57P02", "57P03")
FIRST_WAIT = 0.25
LONGEST_WAIT = 2.0
#: How long an update waits for the database before it is given up (and logged as an ERROR).
PATIENCE = 300.0


class DatabaseUnavailable(Exception):
    """The database could not be reached; the step can be tried again when it is back."""


def is_outage(exc: BaseException) -> bool:
    """A lost, refused or shutting-down connection (not a bug, not a conflict)."""
    if isinstance(exc, DatabaseUnavailable):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    orig = exc.orig
    module = type(orig).__module__ if orig is not None else ""
    if not module.startswith("psycopg"):
        return False  # SQLite's "database is locked" is a conflict, handled elsewhere
    state = getattr(orig, "sqlstate", None)
    if state is None:  # no answer at all: refused, reset, closed
        return type(orig).__name__ in ("OperationalError", "InterfaceError")
    return state.startswith("08") or state in OUTAGE_STATES


class DatabaseState:
    """One WARNING when the database goes away, one INFO line when it answers again."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._since: float | None = None

    @property
    def away(self) -> bool:
        return self._since is not None

    def lost(self, where: str, exc: BaseException | None = None) -> None:
        """``where`` met the outage. Only the first report of an outage is logged."""
        with self._lock:
            if self._since is not None:
                return
            self._since = time.monotonic()
        cause = exc.__cause__ if isinstance(exc, DatabaseUnavailable) else exc
        log.warning(
            "the database is unreachable (%s, seen by %s); waiting for it",
            cause.__class__.__name__ if cause is not None else "no answer",
            where,
        )

    def back(self) -> None:
        """A database step succeeded: the outage, if any, is over."""
        if self._since is None:
            return
        with self._lock:
            since, self._since = self._since, None
        if since is not None:
            log.info("the database answers again after %.1f s", time.monotonic() - since)


#: The process's one view of the database.
DATABASE = DatabaseState()


def guarded(where: str, step: Callable[..., T], *args: object) -> T:
    """Run ``step`` once; an outage is reported and raised as :class:`DatabaseUnavailable`."""
    try:
        result = step(*args)
    except Exception as exc:
        if is_outage(exc):
            DATABASE.lost(where, exc)
            raise DatabaseUnavailable(str(exc)) from exc
        raise
    DATABASE.back()
    return result


def answering(check: Callable[[], None]) -> Callable[[], bool]:
    """For a webhook: a function that is True unless the database is away. While it is, each
    call (on the event loop) starts ``check`` in a worker thread — one at a time — so that the
    first request after the database's return finds it back, even if nothing else looked."""
    checking: set[asyncio.Task] = set()

    def ready() -> bool:
        if not DATABASE.away:
            return True
        if not checking:
            task = asyncio.get_running_loop().create_task(_check_quietly(check))
            checking.add(task)
            task.add_done_callback(checking.discard)
        return False

    return ready


async def _check_quietly(check: Callable[[], None]) -> None:
    with contextlib.suppress(DatabaseUnavailable):  # still away: the next request looks again
        await asyncio.to_thread(guarded, "the webhook", check)


async def patiently(
    where: str,
    step: Callable[..., T],
    *args: object,
    patience: float | None = None,
) -> T:
    """``step(*args)`` in a worker thread, tried again with back-off while the database is
    away; after ``patience`` seconds (if given) the outage is raised as
    :class:`DatabaseUnavailable`. Other errors are raised at once."""
    wait = FIRST_WAIT
    deadline = None if patience is None else time.monotonic() + patience
    while True:
        try:
            return await asyncio.to_thread(guarded, where, step, *args)
        except DatabaseUnavailable:
            if deadline is not None and time.monotonic() >= deadline:
                raise
        await asyncio.sleep(wait)
        wait = min(wait * 2, LONGEST_WAIT)
