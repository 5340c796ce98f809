"""Volunteering: opportunities with shifts and roles (``coordinate``), signing up
(``browse``), check-in at the venue (``checkin``), the hours (``hours``), ``/myhours`` and the
certificate (``myhours``, ``certificate``), the monthly export (``export``), and the messages
the outbox carries (``notices``). See ``docs/volunteering.md``."""

from handlers.volunteering import (  # noqa: F401  (registering their handlers)
    announce,
    browse,
    checkin,
    coordinate,
    export,
    hours,
    move,
    myhours,
    notices,
)
from handlers.volunteering.common import router

__all__ = ["router"]
