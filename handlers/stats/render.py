"""The 五及 report's picture as PNG bytes.

Drawing happens after the transaction that read the numbers has ended (see
``handlers.stats.command``), and in a separate process (``render``): drawing is most of a second
of pure Python, and in a thread of the bot's own process it would hold the interpreter's lock
against the threads answering other residents. A lock keeps two drawings in one process from
sharing matplotlib's global settings at once.
"""

from __future__ import annotations

import io
import logging
import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from handlers.i18n import Language
from handlers.stats.font import fonts
from handlers.stats.measures import Report
from handlers.stats.picture import draw

log = logging.getLogger(__name__)
_lock = threading.Lock()
_pool_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
#: Draw in a separate process (False: in the calling thread; the benchmark compares the two).
SEPARATE_PROCESS = True


def render(report: dict[str, Any], code: str, tz_name: str) -> bytes:
    """The picture of a report (``Report.to_dict``) in language ``code``, drawn in the drawing
    process; in this thread if that process cannot be had."""
    global _pool
    if not SEPARATE_PROCESS:
        return _render_here(report, code, tz_name)
    try:
        with _pool_lock:
            if _pool is None:
                context = multiprocessing.get_context("spawn")
                _pool = ProcessPoolExecutor(max_workers=1, mp_context=context)
            pool = _pool
        return pool.submit(_render_here, report, code, tz_name).result()
    except (OSError, RuntimeError) as exc:  # BrokenProcessPool is a RuntimeError
        log.warning("drawing process unavailable (%s); drawing in this thread", exc)
        with _pool_lock:
            _pool = None
        return _render_here(report, code, tz_name)


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
