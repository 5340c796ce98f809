"""The 五及 report's picture, and where its numbers are read and it is drawn (``Reports``).

A lock keeps two drawings in one process from sharing matplotlib's settings at once.
"""

from __future__ import annotations

import io
import threading
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from handlers.i18n import Language, language
from handlers.stats.font import fonts
from handlers.stats.measures import Report, compute
from handlers.stats.periods import Period
from handlers.stats.picture import draw
from handlers.types import Community

_lock = threading.Lock()


class Reports(Protocol):
    """Where the report's numbers are read and its picture drawn. Reading a month's rows and
    drawing take most of a second of pure Python each: done in the bot's own process they
    would hold the interpreter's lock against the threads answering residents, and done inside
    a message's transaction (``BEGIN IMMEDIATE`` on SQLite) the database's write lock too. So
    the bot gives its own at start (``bot/reports.py``: a separate process reading through an
    engine of its own, with no write lock); ``InThisThread`` is what a test or a command line
    run without it gets. ``bind`` is the engine of the caller's session."""

    def numbers(
        self, bind: Engine, community: Community, period: Period, now: datetime
    ) -> dict[str, Any]:
        """The report's numbers (``Report.to_dict``)."""
        ...

    def report_and_png(
        self, bind: Engine, community: Community, period: Period, now: datetime, code: str
    ) -> tuple[dict[str, Any], bytes]:
        """The numbers and the picture in language ``code``, in one trip."""
        ...

    def picture(self, report: dict[str, Any], code: str, tz_name: str) -> bytes:
        """The picture of a report (``Report.to_dict``) in language ``code``."""
        ...

    def reading(self, bind: Engine) -> Session:
        """A session that reads without taking the write lock (SQLite: no ``BEGIN
        IMMEDIATE``), to look before a sweep's transaction writes."""
        ...


class InThisThread:
    """The work in the calling thread, through the caller's engine."""

    def numbers(
        self, bind: Engine, community: Community, period: Period, now: datetime
    ) -> dict[str, Any]:
        with Session(bind) as session, session.begin():
            return compute(session, community, period, now).to_dict()

    def report_and_png(
        self, bind: Engine, community: Community, period: Period, now: datetime, code: str
    ) -> tuple[dict[str, Any], bytes]:
        report = self.numbers(bind, community, period, now)
        return report, picture(report, code, community.timezone.key)

    def picture(self, report: dict[str, Any], code: str, tz_name: str) -> bytes:
        return picture(report, code, tz_name)

    def reading(self, bind: Engine) -> Session:
        return Session(bind)


_reports: Reports = InThisThread()


def use(reports: Reports) -> None:
    """Make ``reports`` read and draw every report from now on (the bot does at start)."""
    global _reports
    _reports = reports


def reports() -> Reports:
    return _reports


def picture(report: dict[str, Any], code: str, tz_name: str) -> bytes:
    """The picture of a report (``Report.to_dict``) in language ``code``, drawn here."""
    return png(Report.from_dict(report), language(code, tz_name))


def png(report: Report, lang: Language) -> bytes:
    """The picture, as PNG bytes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # heavy: loaded when drawing

    with _lock, fonts():
        figure = draw(report, lang)
        buffer = io.BytesIO()
        FigureCanvasAgg(figure).print_png(buffer, metadata={"Software": "Linli"})
    return buffer.getvalue()


def texts(report: Report, lang: Language) -> list[str]:
    """Every text the picture shows (tick labels included: they exist once it is drawn)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # heavy: loaded when drawing
    from matplotlib.text import Text  # (heavy, as above)

    with _lock, fonts():
        figure = draw(report, lang)
        FigureCanvasAgg(figure).draw()
        return [t.get_text() for t in figure.findobj(Text) if t.get_visible() and t.get_text()]
