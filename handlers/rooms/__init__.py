"""格格屋 rooms: residents book the community centre's shared spaces; admins keep the rooms.

``common`` holds the router and what the screens share; ``browse`` the rooms, a room's week and
a day's slots; ``book`` the form, the booked screen, /mybookings and cancelling; ``admin`` the
admins' view, /roomsday and the outbox templates. The operations that must hold under
concurrency are in ``db/rooms.py`` ([docs/rooms.md](../../docs/rooms.md)).
"""

from handlers.rooms import admin, book, browse
from handlers.rooms.common import router

__all__ = ["admin", "book", "browse", "router"]
