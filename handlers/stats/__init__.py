"""The 五及 report: the community's promise of timely answers, measured (``measures``), drawn
(``picture``), tabulated (``table``), and sent (``command``: ``/stats`` and the monthly sweep)."""

from handlers.stats.command import router

__all__ = ["router"]
