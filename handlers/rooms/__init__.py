"""格格屋 rooms: residents book the community centre's shared spaces; admins keep the rooms.

``common`` holds the router and what the screens share; ``browse`` the rooms, a room's week and
a day's slots; ``book`` the form, the booked screen, /mybookings and cancelling; ``series`` repeat,
check in, watch a taken time; ``approval`` the admins' card and the sweep; ``admin`` the
admins' view and /roomsday; ``messages`` the outbox templates. The operations that must hold under
concurrency are in ``db/rooms/operations.py`` ([docs/rooms.md](../../docs/rooms.md)).
"""

from handlers.rooms import admin, approval, book, browse, messages, series
from handlers.rooms.common import router

__all__ = ["admin", "approval", "book", "browse", "messages", "router", "series"]
