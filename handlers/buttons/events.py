"""The events buttons (``ev:…``): see ``handlers/buttons/__init__.py``."""

from __future__ import annotations

from handlers.payloads import Payload, StartLink


class ListEvents(Payload, prefix="ev", action="list"):
    """A page of the upcoming events."""

    page: int = 0


class EventsMenu(Payload, prefix="ev", action="menu"):
    """Back to the main menu."""


class ShowEvent(Payload, prefix="ev", action="show", aliases=("card",)):
    """The event's card."""

    event: int


class JoinEvent(Payload, prefix="ev", action="join"):
    """Sign up (or join the waiting list): ask how many people come."""

    event: int


class ChooseParty(Payload, prefix="ev", action="party", aliases=("size",)):
    """The party size chosen: ask to confirm it."""

    event: int
    places: int


class SignUp(Payload, prefix="ev", action="signup", aliases=("ok",)):
    """Confirm the signup for this many places."""

    event: int
    places: int


class AskToCancelSignup(Payload, prefix="ev", action="ask_to_cancel", aliases=("cancel",)):
    """Cancel my signup pressed: ask first."""

    event: int


class CancelSignup(Payload, prefix="ev", action="cancel_signup", aliases=("cx",)):
    """The signup's cancellation confirmed."""

    event: int


class ShareEvent(Payload, prefix="ev", action="share"):
    """Where there are no links: the command that opens the card."""

    event: int


class AddToCalendar(Payload, prefix="ev", action="calendar", aliases=("ics",)):
    """The event as an .ics file."""

    event: int


class AcceptOffer(Payload, prefix="ev", action="accept_offer", aliases=("acc",)):
    """A freed place offered: take it."""

    signup: int


class DeclineOffer(Payload, prefix="ev", action="decline_offer", aliases=("dec",)):
    """A freed place offered: let it go to the next in line."""

    signup: int


class UndoDecline(Payload, prefix="ev", action="undo_decline", aliases=("undo",)):
    """Take back a decline (for a minute)."""

    signup: int


class MyEvents(Payload, prefix="ev", action="my_events", aliases=("my",)):
    """The events I signed up for."""


class MyEvent(Payload, prefix="ev", action="my_event", aliases=("mine",)):
    """A card opened from my events (with « My events to go back)."""

    event: int


class ManageEvent(Payload, prefix="ev", action="manage", aliases=("org",)):
    """The organiser's panel: who is coming, and the tools."""

    event: int


class AttendeesCsv(Payload, prefix="ev", action="attendees_csv", aliases=("csv",)):
    """The attendees as a CSV file."""

    event: int


class PublishEvent(Payload, prefix="ev", action="publish", aliases=("pub",)):
    """Publish a draft."""

    event: int


class MessageAttendees(Payload, prefix="ev", action="message", aliases=("msg",)):
    """Open the form that writes to everyone coming."""

    event: int


class RescheduleEvent(Payload, prefix="ev", action="reschedule", aliases=("resch",)):
    """Open the form that moves the event."""

    event: int


class EditPlaces(Payload, prefix="ev", action="edit_places", aliases=("cap",)):
    """Open the form that changes the number of places."""

    event: int


class AskToCancelEvent(Payload, prefix="ev", action="ask_to_cancel_event", aliases=("kill",)):
    """Cancel the event pressed: ask first."""

    event: int


class CancelEvent(Payload, prefix="ev", action="cancel_event", aliases=("killok",)):
    """The event's cancellation confirmed."""

    event: int


class MyOrganisedEvents(Payload, prefix="ev", action="organised", aliases=("orgs",)):
    """The events I organise (the menu's “🛠 My events”)."""

    page: int = 0  # one page today; older buttons carry 0


class AskFewerPlaces(Payload, prefix="ev", action="fewer"):
    """Come with fewer people: ask how many now."""

    event: int


class SetFewerPlaces(Payload, prefix="ev", action="set_fewer"):
    """The smaller party chosen: keep the signup with that many places."""

    event: int
    places: int


class EventLink(StartLink, prefix="ev"):
    """``/start ev_42``: a shared link to the event's card."""

    event: int
