"""What the outbox carries about rooms: the templates' parameters (rendered by
``handlers/rooms/messages.py`` in each reader's language when sent)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Self

from db.outbox_params import Params
from db.room_models import Booking, Room


class BookingNamed(Params):
    """What a message about a booking names, rendered later in the reader's language."""

    booking: int
    ref: str
    name_zh: str = ""
    name_en: str = ""
    starts: datetime
    ends: datetime

    @classmethod
    def about(cls, booking: Booking, room: Room, **more: Any) -> Self:
        """The parameters naming ``booking`` in ``room``, and ``more``."""
        return cls(
            booking=booking.id,
            ref=booking.ref,
            name_zh=room.name_zh or "",
            name_en=room.name_en or "",
            starts=booking.starts_at,
            ends=booking.ends_at,
            **more,
        )


class BookingReminder(BookingNamed, template="rooms.reminder"):
    """An hour before: the booking, with check-in."""


class RoomClosed(BookingNamed, template="rooms.closed"):
    """The room was closed over a booking: it is cancelled."""

    reason: str = ""


class BookingApproved(BookingNamed, template="rooms.approved"):
    """An admin approved the booking."""

    reason: str = ""


class BookingDeclined(BookingNamed, template="rooms.declined"):
    """An admin declined the booking, for a reason (``busy``, ``rules``, ``other``)."""

    reason: str = ""


class BookingUndecided(BookingNamed, template="rooms.undecided"):
    """No one decided before the start: the booking is dropped."""


class NoShowReleased(BookingNamed, template="rooms.released"):
    """Not checked in 15 minutes after the start: the room was freed."""


class BookingPaused(Params, template="rooms.paused"):
    """Three no-shows: no booking until ``until``."""

    until: datetime


class WatchedFreed(Params, template="rooms.freed"):
    """A time they watched is free again."""

    room: int
    name_zh: str = ""
    name_en: str = ""
    starts: datetime


class BookingRequest(BookingNamed, template="rooms.request"):
    """To the admins: a booking that needs approval (``again`` after 24 h undecided)."""

    who: str | None = None
    purpose: str | None = None
    people: int | None = None
    again: bool = False
