"""The 五及 report's numbers and picture, made away from the residents' answers.

Reading a month's rows and drawing the picture each take most of a second of pure Python. Done
in the bot's own process they would hold the interpreter's lock against the threads answering
other residents, and done inside a message's transaction (``BEGIN IMMEDIATE`` on SQLite) they
would hold the database's write lock too. So both run in a separate process (``numbers``,
``report_and_png``, ``render``), which reads through its own engine with no write lock: on
SQLite plain reads of the WAL file (each statement a consistent snapshot), on PostgreSQL an
ordinary read transaction. If that process cannot be had, the same work runs in the calling
thread. A lock keeps two drawings in one process from sharing matplotlib's settings at once.
"""

from __future__ import annotations

import io
import logging
import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from handlers.i18n import Language
from handlers.stats.font import fonts
from handlers.stats.measures import Report, compute
from handlers.stats.periods import Period
from handlers.stats.picture import draw
from handlers.types import Community

log = logging.getLogger(__name__)
_lock = threading.Lock()
_pool_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
#: Draw in a separate process (False: in the calling thread; the benchmark compares the two).
SEPARATE_PROCESS = True


def _elsewhere(function: Any, *args: Any) -> Any:
    """``function(*args)`` in the report process; here if that process cannot be had."""
    global _pool
    if not SEPARATE_PROCESS:
        return function(*args)
    try:
        with _pool_lock:
            if _pool is None:
                context = multiprocessing.get_context("spawn")
                _pool = ProcessPoolExecutor(max_workers=1, mp_context=context)
            pool = _pool
        return pool.submit(function, *args).result()
    except (OSError, RuntimeError) as exc:  # BrokenProcessPool is a RuntimeError
        log.warning("report process unavailable (%s); working in this thread", exc)
        with _pool_lock:
            _pool = None
        return function(*args)


def render(report: dict[str, Any], code: str, tz_name: str) -> bytes:
    """The picture of a report (``Report.to_dict``) in language ``code``."""
    return _elsewhere(_render_here, report, code, tz_name)


def numbers(url: str, community: Community, period: Period, now: datetime) -> dict[str, Any]:
    """The report's numbers (``Report.to_dict``), read from the database at ``url``."""
    return _elsewhere(_numbers_here, url, community, period, now)


def report_and_png(
    url: str, community: Community, period: Period, now: datetime, code: str
) -> tuple[dict[str, Any], bytes]:
    """The numbers and the picture, in one trip to the report process."""
    return _elsewhere(_report_and_png_here, url, community, period, now, code)


def database_url(engine: Engine) -> str:
    """The URL the report process connects with (kept in memory only, never stored)."""
    return engine.url.render_as_string(hide_password=False)


_engines: dict[str, Engine] = {}


def reader(url: str) -> Engine:
    """This process's engine for reading reports: no ``BEGIN IMMEDIATE`` (see the module)."""
    if url not in _engines:
        _engines[url] = create_engine(url, poolclass=NullPool)
    return _engines[url]


def _numbers_here(url: str, community: Community, period: Period, now: datetime) -> dict[str, Any]:
    with Session(reader(url)) as session, session.begin():
        return compute(session, community, period, now).to_dict()


def _report_and_png_here(
    url: str, community: Community, period: Period, now: datetime, code: str
) -> tuple[dict[str, Any], bytes]:
    report = _numbers_here(url, community, period, now)
    return report, _render_here(report, code, community.timezone.key)


def _render_here(report: dict[str, Any], code: str, tz_name: str) -> bytes:
    from handlers.i18n import language

    return png(Report.from_dict(report), language(code, tz_name))


def png(report: Report, lang: Language) -> bytes:
    """The picture, as PNG bytes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    with _lock, fonts():
        figure = draw(report, lang)
        buffer = io.BytesIO()
        FigureCanvasAgg(figure).print_png(buffer, metadata={"Software": "Linli"})
    return buffer.getvalue()


def texts(report: Report, lang: Language) -> list[str]:
    """Every text the picture shows (tick labels included: they exist once it is drawn)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

    with _lock, fonts():
        figure = draw(report, lang)
        FigureCanvasAgg(figure).draw()
        return [t.get_text() for t in figure.findobj(Text) if t.get_visible() and t.get_text()]
