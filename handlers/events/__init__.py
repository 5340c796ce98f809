"""Events: residents browse, sign up and are reminded; organisers create and manage events.

``common`` holds the router and the card; ``browse`` the residents' screens; ``mine``
/myevents; ``organise`` /newevent and /myorganised; ``manage`` an event's panel (who is
coming, the CSV, a message to all) and ``changes`` what changes the event (publish,
reschedule, places, cancel); ``calendar`` the .ics file; ``notices`` the outbox templates and
the offer sweep. The operations that must hold under concurrency are in
``db/events/operations.py``.
"""

from handlers.events import (
    browse,
    calendar,
    changes,
    fewer,
    manage,
    mine,
    notices,
    organise,
    undo,
)
from handlers.events.common import router

__all__ = [
    "browse",
    "calendar",
    "changes",
    "fewer",
    "manage",
    "mine",
    "notices",
    "organise",
    "router",
    "undo",
]
