"""What the events screens share: the router, the bilingual title, and the event card."""

from __future__ import annotations

from db.events.models import Event, EventSignup, EventStatus, SignupStatus
from db.events.reads import find_signup, is_open, places_held, places_left, waiting_position
from handlers.buttons.events import (
    AcceptOffer,
    AddToCalendar,
    AskFewerPlaces,
    AskToCancelSignup,
    DeclineOffer,
    EventLink,
    JoinEvent,
    ListEvents,
    ManageEvent,
    ShareEvent,
)
from handlers.common import pick_text
from handlers.i18n import N_, Language
from handlers.router import Router
from handlers.types import Button, Ctx, Keyboard, link_button

router = Router("events")

PREFIX = "ev"
GONE = N_("Sorry, that event is no longer available. Here are the upcoming events:")


def title(lang: Language, event: Event) -> str:
    """The event's title in the reader's language, or the other one."""
    return pick_text(lang.code, event.title_zh, event.title_en)


def visible_event(ctx: Ctx, event_id: int | None) -> Event | None:
    """A published event anyone may see, or a draft/cancelled one its organiser may see."""
    if event_id is None:
        return None
    event = ctx.session.get(Event, event_id)
    if event is None:
        return None
    if event.status == EventStatus.PUBLISHED or may_manage(ctx, event):
        return event
    return None


def may_manage(ctx: Ctx, event: Event) -> bool:
    """The event's organiser (still holding the role) or an admin."""
    if ctx.has_role("admin"):
        return True
    return event.organiser_id == ctx.user.id and ctx.acts_as("organiser")


def access_event_as_organiser(ctx: Ctx, event_id: int) -> Event | None:
    """The event named in a payload, if this person may manage it; otherwise answer why not."""
    event = ctx.session.get(Event, event_id)
    if event is None:
        ctx.reply(ctx._("Sorry, that event does not exist."))
        return None
    if not may_manage(ctx, event):
        ctx.reply(ctx._("Sorry, only the event's organiser and admins can do that."))
        return None
    return event


def when(ctx: Ctx, event: Event) -> str:
    """“Thu, 24 Dec 2026, 19:00–21:00” in the reader's locale and the community's zone."""
    start, end = ctx.lang.local(event.starts_at), ctx.lang.local(event.ends_at)
    if start.date() == end.date():
        return ctx._("{start}–{end}").format(
            start=ctx.lang.datetime(event.starts_at), end=ctx.lang.time(event.ends_at)
        )
    return ctx._("{start} to {end}").format(
        start=ctx.lang.datetime(event.starts_at), end=ctx.lang.datetime(event.ends_at)
    )


def places_line(ctx: Ctx, event: Event, held: int, signup: EventSignup | None = None) -> str:
    """The places left, or full. ``signup``: the reader's own — the one a place is offered to
    is not sent to the waiting list by the places the offer holds for them."""
    left = places_left(event, held)
    if left is None:
        return ctx._("Places: no limit")
    if left == 0 and signup is not None and signup.status == SignupStatus.OFFERED:
        return ctx.lang.ngettext(
            "Full — {count} place is held for you",
            "Full — {count} places are held for you",
            signup.party_size,
        ).format(count=ctx.lang.number(signup.party_size))
    if left == 0:
        return ctx._("Full — waiting list")
    return ctx.lang.ngettext("{count} place left", "{count} places left", left).format(
        count=ctx.lang.number(left)
    )


def status_line(ctx: Ctx, signup: EventSignup | None) -> str | None:
    """What the reader's own signup is, if they have one."""
    if signup is None or signup.status == SignupStatus.CANCELLED:
        return None
    if signup.status == SignupStatus.CONFIRMED:
        return ctx.lang.ngettext(
            "✅ You are signed up ({count} person).",
            "✅ You are signed up ({count} people).",
            signup.party_size,
        ).format(count=signup.party_size)
    if signup.status == SignupStatus.OFFERED and signup.offer_expires_at is not None:
        return ctx._("🎟 A place is free for you: please confirm by {deadline}.").format(
            deadline=ctx.lang.datetime(signup.offer_expires_at)
        )
    return ctx._("⏳ You are number {position} on the waiting list.").format(
        position=waiting_position(ctx.session, signup)
    )


def share_button(ctx: Ctx, event: Event) -> Button:
    """A link that opens the card (Telegram), or a button that prints it (console)."""
    return link_button(
        ctx._("🔗 Share"),
        ctx.community.deep_link(EventLink(event.id).pack()),
        ShareEvent(event.id).pack(),
    )


def card_buttons(
    ctx: Ctx, event: Event, signup: EventSignup | None, held: int | None = None
) -> Keyboard:
    """Sign up (or join the waiting list, when it is full) or Cancel, an offer's answers,
    calendar, share, manage, back. ``held``: the places taken, read here unless given.

    An offer's Decline leaves the event as Cancel my signup would (and can be undone for a
    minute), so the offered card has Confirm and Decline and no Cancel beside them."""
    rows: list[list[Button]] = []
    active = signup is not None and signup.status != SignupStatus.CANCELLED
    if active and event.status == EventStatus.PUBLISHED:
        if signup is not None and signup.status == SignupStatus.OFFERED:
            rows.append(
                [
                    Button(ctx._("✅ Confirm my place"), AcceptOffer(signup.id).pack()),
                    Button(ctx._("Decline"), DeclineOffer(signup.id).pack()),
                ]
            )
        elif signup is not None:
            rows.append(_cancel_row(ctx, event, signup))
    elif is_open(event, ctx.now):
        if held is None and event.capacity is not None:
            held = places_held(ctx.session, event.id)
        full = event.capacity is not None and places_left(event, held or 0) == 0
        label = ctx._("⏳ Join the waiting list") if full else ctx._("✍️ Sign up")
        rows.append([Button(label, JoinEvent(event.id).pack())])
    rows.append(
        [
            Button(ctx._("📅 Add to calendar"), AddToCalendar(event.id).pack()),
            share_button(ctx, event),
        ]
    )
    if may_manage(ctx, event):
        rows.append([Button(ctx._("🛠 Manage"), ManageEvent(event.id).pack())])
    rows.append([Button(ctx._("« All events"), ListEvents().pack())])
    return tuple(tuple(row) for row in rows)


def _cancel_row(ctx: Ctx, event: Event, signup: EventSignup) -> list[Button]:
    """Leave the waiting list, or Cancel my signup (after 👥 Fewer people for a group)."""
    waiting = signup.status == SignupStatus.WAITING
    label = ctx._("Leave the waiting list") if waiting else ctx._("Cancel my signup")
    row = [Button(label, AskToCancelSignup(event.id).pack())]
    if signup.status == SignupStatus.CONFIRMED and signup.party_size > 1:
        row.insert(0, Button(ctx._("👥 Fewer people"), AskFewerPlaces(event.id).pack()))
    return row


def card_text(ctx: Ctx, event: Event, signup: EventSignup | None, held: int | None = None) -> str:
    """Title, description, when, where, places (``held``: read here unless given), and the
    reader's own signup."""
    lines = [f"🗓 {title(ctx.lang, event)}"]
    if event.status == EventStatus.CANCELLED:
        lines.append(ctx._("❌ This event has been cancelled."))
    elif event.status == EventStatus.DRAFT:
        lines.append(ctx._("📝 Draft: only you can see it."))
    description = pick_text(ctx.lang.code, event.description_zh, event.description_en)
    if description:
        lines.append(description)
    lines.append(ctx._("🕒 {when}").format(when=when(ctx, event)))
    lines.append(ctx._("📍 {place}").format(place=event.place))
    if held is None:
        held = places_held(ctx.session, event.id)
    lines.append(places_line(ctx, event, held, signup))
    if held:
        lines.append(
            ctx.lang.ngettext(
                "👥 {count} person is coming.", "👥 {count} people are coming.", held
            ).format(count=ctx.lang.number(held))
        )
    if event.status == EventStatus.PUBLISHED and not is_open(event, ctx.now):
        lines.append(ctx._("Signups are closed."))
    elif event.signup_deadline is not None and event.signup_deadline < event.starts_at:
        lines.append(
            ctx._("Sign up by {deadline}.").format(
                deadline=ctx.lang.datetime(event.signup_deadline)
            )
        )
    mine = status_line(ctx, signup)
    if mine:
        lines.append(mine)
    return "\n".join(lines)


def show_card(
    ctx: Ctx,
    event: Event,
    *,
    note: str | None = None,
    edit: bool = False,
    back: Button | None = None,
    known: tuple[EventSignup | None, int] | None = None,
) -> None:
    """The event card for this reader, after ``note`` if given; ``back`` in place of
    « All events when the card was opened from elsewhere. ``known``: the reader's signup and
    the places held, when the caller has just read (or written) them."""
    if known is not None:
        signup, held = known
    else:
        signup = find_signup(ctx.session, event.id, ctx.user.id)
        held = places_held(ctx.session, event.id)
    text = card_text(ctx, event, signup, held)
    if note:
        text = f"{note}\n\n{text}"
    buttons = card_buttons(ctx, event, signup, held)
    if back is not None:
        buttons = (*buttons[:-1], (back,))
    ctx.reply(text, buttons, edit=edit)
