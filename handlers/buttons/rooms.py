"""The rooms buttons (``rm:…``): see ``handlers/buttons/__init__.py``.

A day is written ``yyyymmdd`` (community time) and a slot as minutes after midnight: short,
and re-checked against the room's grid on every press."""

from __future__ import annotations

from typing import Literal

from handlers.payloads import Payload


class ListRooms(Payload, prefix="rm", action="list"):
    """The rooms one may book."""


class ShowWeek(Payload, prefix="rm", action="week"):
    """A room's week at a glance; ``week`` 0 is this week, 1 the next…"""

    room: int
    week: int = 0


class ShowDay(Payload, prefix="rm", action="day"):
    """One day's slots of a room."""

    room: int
    day: int


class PickSlot(Payload, prefix="rm", action="slot"):
    """A free slot pressed: how long (a run of slots)?"""

    room: int
    day: int
    minute: int


class PickRun(Payload, prefix="rm", action="run"):
    """A run of ``slots`` slots from ``minute``: ask the purpose and how many people."""

    room: int
    day: int
    minute: int
    slots: int


class MyBookings(Payload, prefix="rm", action="mine"):
    """The person's bookings to come."""


class ShowBooking(Payload, prefix="rm", action="show"):
    """One of the person's bookings."""

    booking: int


class AskToCancelBooking(Payload, prefix="rm", action="ask_cancel"):
    """Cancel pressed: ask first."""

    booking: int


class CancelBooking(Payload, prefix="rm", action="cancel"):
    """The cancellation confirmed: the slots are free again."""

    booking: int


class BookingCalendar(Payload, prefix="rm", action="ics"):
    """The booking as an .ics file."""

    booking: int


class RoomsAdmin(Payload, prefix="rm", action="admin"):
    """The admins' view of the rooms: open or close each."""


class CloseRoom(Payload, prefix="rm", action="close"):
    """An admin closes a room (its bookings to come are cancelled, their people told)."""

    room: int


class OpenRoom(Payload, prefix="rm", action="open"):
    """An admin opens a closed room again."""

    room: int


class RepeatBooking(Payload, prefix="rm", action="repeat"):
    """A club's booking: repeat it every week or every other week."""

    booking: int


class RepeatEvery(Payload, prefix="rm", action="every"):
    """Book the same time every ``every`` weeks, ``weeks`` more times."""

    booking: int
    every: int
    weeks: int


class CheckInBooking(Payload, prefix="rm", action="checkin"):
    """At the room: check in (from 15 minutes before the start)."""

    booking: int


class WatchSlots(Payload, prefix="rm", action="watches"):
    """A day's taken times: choose one to be told when it frees."""

    room: int
    day: int


class WatchSlot(Payload, prefix="rm", action="watch"):
    """Tell me when this taken time frees."""

    room: int
    day: int
    minute: int


class ApproveBooking(Payload, prefix="rm", action="approve"):
    """An admin approves a booking that needs it."""

    booking: int


class DeclineBooking(Payload, prefix="rm", action="decline"):
    """An admin declines a booking, with one of the fixed reasons."""

    booking: int
    why: Literal["busy", "rules", "other"]


class RoomsToday(Payload, prefix="rm", action="today"):
    """The front desk's list of today's bookings (as /roomsday)."""
