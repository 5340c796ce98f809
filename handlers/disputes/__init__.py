"""Dispute reports between neighbours: reporting (``report``), the mediators' work
(``mediate``), the other side and meetings (``parties``), and the clocks (``clocks``). All of
them register on one router, ``handlers.disputes.common.router``."""

from __future__ import annotations

from handlers.disputes import casework, clocks, mediate, parties, report
from handlers.disputes.common import router

__all__ = ["casework", "clocks", "mediate", "parties", "report", "router"]
