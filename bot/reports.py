"""The report process: the 五及 report's numbers are read and its picture drawn in a separate
process (``ReportProcess``, given to ``handlers.stats.render.use`` at start), so that neither
holds the interpreter's lock against the threads answering residents, nor the database's write
lock. That process reads through an engine of its own with no write lock: on SQLite plain
reads of the WAL file (each statement a consistent snapshot), on PostgreSQL an ordinary read
transaction. If the process cannot be had, the same work runs in the calling thread."""

from __future__ import annotations

import logging
import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from handlers.stats.measures import compute
from handlers.stats.periods import Period
from handlers.stats.render import picture
from handlers.types import Community

log = logging.getLogger(__name__)

_engines: dict[str, Engine] = {}


def reader(url: str) -> Engine:
    """This process's engine for reading reports: no ``BEGIN IMMEDIATE`` (see the module)."""
    if url not in _engines:
        _engines[url] = create_engine(url, poolclass=NullPool)
    return _engines[url]


def url_of(bind: Engine) -> str:
    """The URL the report process connects with (kept in memory only, never stored)."""
    return bind.url.render_as_string(hide_password=False)


def numbers_at(url: str, community: Community, period: Period, now: datetime) -> dict[str, Any]:
    with Session(reader(url)) as session, session.begin():
        return compute(session, community, period, now).to_dict()


def report_and_png_at(
    url: str, community: Community, period: Period, now: datetime, code: str
) -> tuple[dict[str, Any], bytes]:
    report = numbers_at(url, community, period, now)
    return report, picture(report, code, community.timezone.key)


class ReportProcess:
    """``handlers.stats.render.Reports`` in one separate process, started on first use."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None

    def _elsewhere(self, function: Any, *args: Any) -> Any:
        """``function(*args)`` in the report process; here if that process cannot be had."""
        try:
            with self._lock:
                if self._pool is None:
                    context = multiprocessing.get_context("spawn")
                    self._pool = ProcessPoolExecutor(max_workers=1, mp_context=context)
                pool = self._pool
            return pool.submit(function, *args).result()
        except (OSError, RuntimeError) as exc:  # BrokenProcessPool is a RuntimeError
            log.warning("report process unavailable (%s); working in this thread", exc)
            with self._lock:
                self._pool = None
            return function(*args)

    def numbers(
        self, bind: Engine, community: Community, period: Period, now: datetime
    ) -> dict[str, Any]:
        return self._elsewhere(numbers_at, url_of(bind), community, period, now)

    def report_and_png(
        self, bind: Engine, community: Community, period: Period, now: datetime, code: str
    ) -> tuple[dict[str, Any], bytes]:
        return self._elsewhere(report_and_png_at, url_of(bind), community, period, now, code)

    def picture(self, report: dict[str, Any], code: str, tz_name: str) -> bytes:
        return self._elsewhere(picture, report, code, tz_name)

    def reading(self, bind: Engine) -> Session:
        return Session(reader(url_of(bind)))

    def close(self) -> None:
        """Stop the process (it is started again on the next use)."""
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown()
                self._pool = None
