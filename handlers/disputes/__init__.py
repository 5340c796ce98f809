"""Dispute reports between neighbours: reporting (``report``), the mediators' work
(``mediate``), possible duplicates (``duplicates``), the other side (``parties``), meetings
(``meetings``) and the clocks (``clocks``). All of them register on one router,
``handlers.disputes.common.router``."""

from __future__ import annotations

from handlers.disputes import casework, clocks, duplicates, mediate, meetings, parties, report
from handlers.disputes.common import router

__all__ = [
    "casework",
    "clocks",
    "duplicates",
    "mediate",
    "meetings",
    "parties",
    "report",
    "router",
]
