"""Messages to people other than the one who just wrote (offers, reminders, changes), rendered
from the outbox in each recipient's language when sent; and the sweep that expires offers."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from db import event_messages as ev_messages
from db import events as ops
from db.event_messages import (
    Cancelled,
    EventNamed,
    ListClosed,
    Offer,
    OfferExpired,
    OrganiserMessage,
    Reminder,
    Rescheduled,
)
from db.event_undo import pass_on_declined
from handlers.buttons.events import AcceptOffer, DeclineOffer, ListEvents, ShowEvent
from handlers.events.common import pick_text, router
from handlers.events.offers import offer_clock
from handlers.i18n import Language, for_reader
from handlers.types import Button, Community, Reply, keyboard


def _title(lang: Language, params: EventNamed) -> str:
    """The title in the recipient's language."""
    return pick_text(lang.code, params.title_zh, params.title_en)


def _start(lang: Language, params: EventNamed) -> str:
    """The start, in the recipient's locale and the community's zone."""
    return lang.datetime(params.starts_at)


def _card_button(lang: Language, params: EventNamed) -> Button:
    """A button that opens the event's card."""
    return Button(lang.gettext("🗓 Open the event"), ShowEvent(params.event_id).pack())


@router.template(Offer)
def offer(lang: Language, params: Offer) -> Reply:
    """Places are free: confirm by a time, or they pass on."""
    expires = params.expires_at
    if params.party == 1:  # "for your group of 1" reads oddly: one place is for you
        template = lang.gettext(
            "🎟 A place is free for you at “{title}” ({when}). Please confirm within {window} "
            "(by {deadline}), or it goes to the next person in line."
        )
    else:
        template = lang.ngettext(
            "🎟 Places are free at “{title}” ({when}) for your group of {count}. Please "
            "confirm within {window} (by {deadline}), or they go to the next person in line.",
            "🎟 Places are free at “{title}” ({when}) for your group of {count}. Please "
            "confirm within {window} (by {deadline}), or they go to the next person in line.",
            params.party,
        )
    text = template.format(
        title=_title(lang, params),
        when=_start(lang, params),
        count=params.party,
        window=_span(lang, params.window_s),
        deadline=lang.datetime(expires),
    )
    return Reply(
        text,
        keyboard(
            (
                Button(lang.gettext("✅ Confirm my place"), AcceptOffer(params.signup_id).pack()),
                Button(lang.gettext("Decline"), DeclineOffer(params.signup_id).pack()),
            )
        ),
    )


@router.template(OfferExpired)
def offer_expired(lang: Language, params: OfferExpired) -> Reply:
    """The offer was not answered in time."""
    return Reply(
        lang.gettext(
            "The place offered to you at “{title}” was not confirmed in time, so it went to the "
            "next person in line. You can sign up again if places are free."
        ).format(title=_title(lang, params)),
        keyboard(_card_button(lang, params)),
    )


@router.template(ListClosed)
def list_closed(lang: Language, params: ListClosed) -> Reply:
    """Signups closed while they were still on the waiting list."""
    return Reply(
        lang.gettext(
            "Signups for “{title}” ({when}) have closed, and no place became free for you on "
            "the waiting list. We are sorry, and we hope to see you at the next event."
        ).format(title=_title(lang, params), when=_start(lang, params)),
        keyboard(Button(lang.gettext("🗓 Other events"), ListEvents().pack())),
    )


def _span(lang: Language, seconds: int) -> str:
    """“12 hours”, “90 minutes”: how long an offer is held."""
    if seconds >= 2 * 3600:
        hours = seconds // 3600
        return lang.ngettext("{count} hour", "{count} hours", hours).format(count=hours)
    minutes = max(1, seconds // 60)
    return lang.ngettext("{count} minute", "{count} minutes", minutes).format(count=minutes)


def _offset(lang: Language, seconds: int) -> str:
    """“in 1 day”, “in 2 hours”, “in 30 minutes”."""
    delta = timedelta(seconds=seconds)
    if delta >= timedelta(days=1) and delta.seconds == 0:
        days = delta.days
        return lang.ngettext("in {count} day", "in {count} days", days).format(count=days)
    if seconds >= 3600 and seconds % 3600 == 0:
        hours = seconds // 3600
        return lang.ngettext("in {count} hour", "in {count} hours", hours).format(count=hours)
    minutes = max(1, seconds // 60)
    return lang.ngettext("in {count} minute", "in {count} minutes", minutes).format(count=minutes)


@router.template(Reminder)
def reminder(lang: Language, params: Reminder) -> Reply:
    """Before the start, at each configured offset."""
    return Reply(
        lang.gettext("⏰ Reminder: “{title}” starts {soon}, at {when}. Place: {place}").format(
            title=_title(lang, params),
            soon=_offset(lang, params.offset_s),
            when=_start(lang, params),
            place=for_reader(lang.code, params.place),
        ),
        keyboard(_card_button(lang, params)),
    )


@router.template(Rescheduled)
def rescheduled(lang: Language, params: Rescheduled) -> Reply:
    """The event moved."""
    return Reply(
        lang.gettext("🕒 “{title}” has moved to a new time: {when}. Place: {place}").format(
            title=_title(lang, params),
            when=_start(lang, params),
            place=for_reader(lang.code, params.place),
        ),
        keyboard(_card_button(lang, params)),
    )


@router.template(Cancelled)
def cancelled(lang: Language, params: Cancelled) -> Reply:
    """The event was called off."""
    return Reply(
        lang.gettext(
            "❌ Sorry, “{title}” on {when} has been cancelled. Your signup has been removed."
        ).format(title=_title(lang, params), when=_start(lang, params))
    )


@router.template(OrganiserMessage)
def organiser_message(lang: Language, params: OrganiserMessage) -> Reply:
    """The organiser's message to attendees."""
    return Reply(
        lang.gettext("📣 A message from the organiser of “{title}”:\n{text}").format(
            title=_title(lang, params), text=for_reader(lang.code, params.text)
        ),
        keyboard(_card_button(lang, params)),
    )


@router.sweep("events.offers")
def expire_offers(session: Session, community: Community, now: datetime) -> None:
    """Offers not answered in time, and places declined a minute ago (no longer undoable),
    pass to the next in line."""
    ops.expire_offers(session, now=now, deadline=offer_clock(community))
    pass_on_declined(session, now=now, deadline=offer_clock(community))


@router.sweep("events.closing")
def tell_waiting_list_at_close(session: Session, community: Community, now: datetime) -> None:
    """When signups close, the people still waiting are told."""
    ev_messages.tell_waiting_list_at_close(session, now=now)
