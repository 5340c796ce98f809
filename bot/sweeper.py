"""The sweeper: runs every flow's periodic jobs (``Router.sweep``) — an offer that expired
passes to the next in line, a request nobody claimed in time is announced again.

Each sweep runs in its own transaction, so one that fails is rolled back and logged without
stopping the others. On PostgreSQL a transaction-level advisory lock per sweep lets only one
worker run it at a time (the others skip it this round); on SQLite ``BEGIN IMMEDIATE`` already
serialises writers. Messages a sweep writes go through the outbox, which is woken afterwards.
While the database is away (``bot.outage``) the round stops quietly; the next one runs them all.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from bot.dispatcher import utc_now
from bot.outage import DatabaseUnavailable, guarded
from db.dialects import on_postgresql
from handlers.router import Registry
from handlers.types import Community

log = logging.getLogger(__name__)


#: One lock per sweep and schema: two communities in one database (or two test workers, each
#: in its own schema) never skip each other's sweeps.
SWEEP_LOCK = "SELECT pg_try_advisory_xact_lock(:key, hashtext(current_schema()))"


def _lock_id(name: str) -> int:
    """A stable 31-bit key for ``pg_try_advisory_xact_lock``, one per sweep name."""
    return zlib.crc32(f"linli-sweep:{name}".encode()) & 0x7FFFFFFF


class Sweeper:
    """Runs the registry's sweeps; ``run`` is called by the scheduler (or a test)."""

    def __init__(
        self,
        *,
        session_factory: sessionmaker[Session],
        registry: Registry,
        community: Community,
        clock: Callable[[], datetime] = utc_now,
        on_outbox: Callable[[], None] | None = None,
    ) -> None:
        self.session_factory = session_factory
        self.registry = registry
        self.community = community
        self.clock = clock
        self.on_outbox = on_outbox

    def run(self) -> list[str]:
        """Run every sweep once; returns the names of those that failed."""
        failed = []
        wrote_outbox = False
        sweeps = list(self.registry.sweeps.items())
        for index, (name, sweep) in enumerate(sweeps):
            try:
                wrote_outbox |= guarded("the sweeps", self._sweep, name, sweep)
            except DatabaseUnavailable:  # logged once; this one and the rest run next round
                failed.extend(later for later, _ in sweeps[index:])
                break
            except Exception:
                log.exception("sweep %s failed; it runs again next time", name)
                failed.append(name)
        if wrote_outbox and self.on_outbox is not None:
            self.on_outbox()
        return failed

    def _sweep(self, name: str, sweep: Callable[..., None]) -> bool:
        """One sweep in its own transaction; True if it wrote to the outbox."""
        with self.session_factory() as session:
            with session.begin():
                if on_postgresql(session) and not session.scalar(
                    text(SWEEP_LOCK), {"key": _lock_id(name)}
                ):
                    return False  # another worker is running this sweep right now
                sweep(session, self.community, self.clock())
            return bool(session.info.pop("outbox_written", False))
