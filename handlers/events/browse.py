"""Residents: the list of events, the card, signing up (party size, then confirm), cancelling,
answering an offer, and /myevents. Every press re-reads the event: payloads are not trusted."""

from __future__ import annotations

from datetime import timedelta

from db import event_reads as ev_reads
from db import events as ops
from db.event_models import Event, EventStatus, SignupStatus
from db.event_reads import places_held, places_left
from db.locks import lock_row
from handlers import limits
from handlers.buttons.events import (
    AskToCancelSignup,
    CancelSignup,
    ChooseParty,
    EventLink,
    EventsMenu,
    JoinEvent,
    ListEvents,
    ShareEvent,
    ShowEvent,
    SignUp,
)
from handlers.events.common import (
    GONE,
    may_manage,
    places_line,
    router,
    show_card,
    title,
    visible_event,
)
from handlers.events.offers import offer_clock
from handlers.i18n import N_
from handlers.start import show_menu
from handlers.types import Button, Ctx, keyboard, pressed, rows_of

PAGE_SIZE = 5


def largest_party(event: Event) -> int:
    """The largest party one signup may bring: the per-signup maximum, never over the
    event's capacity (a group bigger than the event could never come)."""
    if event.capacity is None:
        return event.max_party
    return max(1, min(event.max_party, event.capacity))


def _show(ctx: Ctx, event: Event, *, note: str | None = None) -> None:
    """The card, in place of the pressed message."""
    show_card(ctx, event, note=note, edit=pressed(ctx))


def show_list(
    ctx: Ctx, page: int = 0, *, note: str | None = None, edit: bool | None = None
) -> None:
    """Upcoming published events, soonest first, five a page with next/previous (which turn
    the page in place: ``edit``, by default when a button was pressed)."""
    edit = pressed(ctx) if edit is None else edit
    total = ev_reads.count_upcoming(ctx.session, now=ctx.now)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    events = ev_reads.upcoming_events(
        ctx.session, now=ctx.now, offset=page * PAGE_SIZE, limit=PAGE_SIZE
    )
    lines = [note] if note else []
    if not events:
        lines.append(ctx._("There are no upcoming events right now. Please look again later."))
        ctx.reply("\n".join(lines), keyboard(Button(ctx._("« Menu"), "ev:menu")), edit=edit)
        return
    lines.append(
        ctx._("🗓 Upcoming events (page {page} of {pages}):").format(page=page + 1, pages=pages)
    )
    held = ev_reads.places_held_by_event(ctx.session, [event.id for event in events])
    rows: list[tuple[Button, ...]] = []
    for number, event in enumerate(events, start=page * PAGE_SIZE + 1):
        lines.append(
            ctx._("{number}. {title} — {when} — {places}").format(
                number=number,
                title=title(ctx.lang, event),
                when=ctx.lang.datetime(event.starts_at),
                places=places_line(ctx, event, held[event.id]),
            )
        )
        rows.append(
            (Button(f"{number}. {title(ctx.lang, event)}"[:60], ShowEvent(event.id).pack()),)
        )
    navigation = []
    if page > 0:
        navigation.append(Button(ctx._("« Previous"), ListEvents(page - 1).pack()))
    if page < pages - 1:
        navigation.append(Button(ctx._("Next »"), ListEvents(page + 1).pack()))
    if navigation:
        rows.append(tuple(navigation))
    ctx.reply("\n".join(lines), tuple(rows), edit=edit)


@router.command("events", description=N_("Community events"))
def events_command(ctx: Ctx, args: str) -> None:
    """The list of upcoming events."""
    show_list(ctx)


@router.deep_link(EventLink)
def deep_link(ctx: Ctx, link: EventLink | None) -> None:
    """``/start ev_42`` (a shared link) opens the card."""
    event = visible_event(ctx, link.event if link else None)
    if event is None:
        show_list(ctx, note=ctx._(GONE))
        return
    _show(ctx, event)


@router.button(ListEvents)
def _list(ctx: Ctx, payload: ListEvents) -> None:
    """A page of the list (Next/Previous turn the page in place)."""
    show_list(ctx, payload.page)


@router.button(EventsMenu)
def _menu(ctx: Ctx, payload: EventsMenu) -> None:
    """Back to the main menu."""
    show_menu(ctx)


def _event_or_list(ctx: Ctx, event_id: int) -> Event | None:
    """The event named by the payload, or the list with “no longer available”."""
    event = visible_event(ctx, event_id)
    if event is None:
        show_list(ctx, note=ctx._(GONE))
    return event


@router.button(ShowEvent)
def _card(ctx: Ctx, payload: ShowEvent) -> None:
    """The event card."""
    event = _event_or_list(ctx, payload.event)
    if event is not None:
        _show(ctx, event)


@router.button(JoinEvent)
def _join(ctx: Ctx, payload: JoinEvent) -> None:
    """Sign up pressed: ask the party size (when more than one may come), else confirm."""
    event = _event_or_list(ctx, payload.event)
    if event is None:
        return
    signup = ev_reads.find_signup(ctx.session, event.id, ctx.user.id)
    if signup is not None and signup.status != SignupStatus.CANCELLED:
        _show(ctx, event, note=ctx._("You have already signed up for this event."))
        return
    if not ev_reads.is_open(event, ctx.now):
        _show(ctx, event, note=ctx._("Sorry, signups for this event are closed."))
        return
    over_limit = limits.signups_message(ctx)
    if over_limit is not None:
        _show(ctx, event, note=over_limit.text(ctx))
        return
    largest = largest_party(event)
    if largest == 1:
        left = places_left(event, places_held(ctx.session, event.id))
        _ask_confirm(ctx, event, 1, full=left == 0)
        return
    sizes = [Button(str(n), ChooseParty(event.id, n).pack()) for n in range(1, largest + 1)]
    rows = rows_of(sizes, 5)
    rows.append((Button(ctx._("Back"), ShowEvent(event.id).pack()),))
    ctx.reply(
        ctx._("How many people are coming, you included? (at most {maximum})").format(
            maximum=largest
        ),
        tuple(rows),
        edit=pressed(ctx),
    )


@router.button(ChooseParty)
def _size(ctx: Ctx, payload: ChooseParty) -> None:
    """A party size chosen: ask to confirm it; a group bigger than the places left chooses
    between coming with fewer and waiting for a place for all of them."""
    event = _event_or_list(ctx, payload.event)
    if event is None:
        return
    party = payload.places
    largest = largest_party(event)
    if not 1 <= party <= largest:
        _show(
            ctx,
            event,
            note=ctx._("Please choose from 1 to {maximum} people.").format(maximum=largest),
        )
        return
    left = places_left(event, places_held(ctx.session, event.id))
    if left is not None and 0 < left < party:
        ctx.reply(
            ctx.lang.ngettext(
                "Only {count} place is left at “{title}”. You can sign up {count} now, or put "
                "all {party} on the waiting list.",
                "Only {count} places are left at “{title}”. You can sign up {count} now, or put "
                "all {party} on the waiting list.",
                left,
            ).format(count=left, party=party, title=title(ctx.lang, event)),
            keyboard(
                (
                    Button(
                        ctx._("Sign up {count} now").format(count=left),
                        SignUp(event.id, left).pack(),
                    ),
                    Button(
                        ctx._("Wait for {party}").format(party=party),
                        SignUp(event.id, party).pack(),
                    ),
                ),
                Button(ctx._("Back"), ShowEvent(event.id).pack()),
            ),
            edit=pressed(ctx),
        )
        return
    _ask_confirm(ctx, event, party, full=left == 0)


def _ask_confirm(ctx: Ctx, event: Event, party: int, *, full: bool = False) -> None:
    """Show what will be signed up (or that it joins the waiting list), with Confirm and
    Back."""
    if full:
        question = ctx.lang.ngettext(
            "“{title}” is full. Join the waiting list for {count} person?",
            "“{title}” is full. Join the waiting list for {count} people?",
            party,
        )
    else:
        question = ctx.lang.ngettext(
            "Sign up for “{title}” on {when}, for {count} person?",
            "Sign up for “{title}” on {when}, for {count} people?",
            party,
        )
    ctx.reply(
        question.format(
            title=title(ctx.lang, event), when=ctx.lang.datetime(event.starts_at), count=party
        ),
        keyboard(
            (
                Button(ctx._("✅ Confirm"), SignUp(event.id, party).pack()),
                Button(ctx._("Back"), ShowEvent(event.id).pack()),
            )
        ),
        edit=pressed(ctx),
    )


SIGNUP_NOTES = {
    ops.Outcome.CLOSED: N_("Sorry, signups for this event are closed."),
    ops.Outcome.EXISTS: N_("You have already signed up for this event."),
    ops.Outcome.BAD_PARTY: N_("Please choose from 1 to {maximum} people."),
}


@router.button(SignUp)
def _ok(ctx: Ctx, payload: SignUp) -> None:
    """Confirm pressed: sign up under the event's lock; confirmed or on the waiting list."""
    event_id, party = payload.event, payload.places
    locked = lock_row(ctx.session, Event, event_id)  # first: what follows is read under it
    if locked is None:
        show_list(ctx, note=ctx._(GONE))
        return
    visible = locked.status == EventStatus.PUBLISHED or may_manage(ctx, locked)
    if visible and not 1 <= party <= largest_party(locked):  # a forged or old size
        maximum = largest_party(locked)
        _show(ctx, locked, note=ctx._(SIGNUP_NOTES[ops.Outcome.BAD_PARTY]).format(maximum=maximum))
        return
    signups = ev_reads.user_signups(
        ctx.session, ctx.user.id, event_id, since=ctx.now - timedelta(hours=1)
    )
    over_limit = limits.signups_message(ctx, signups)
    signup = next((s for s in signups if s.event_id == event_id), None)
    if over_limit is not None and (signup is None or signup.status == SignupStatus.CANCELLED):
        show_list(ctx, note=over_limit.text(ctx))
        return
    result = ops.sign_up(
        ctx.session,
        event_id,
        ctx.user,
        party,
        now=ctx.now,
        reminders=ctx.community.event_reminders,
        locked=locked,
        signups=signups,
    )
    event = result.event
    if result.outcome == ops.Outcome.NOT_FOUND or event is None:
        show_list(ctx, note=ctx._(GONE))
        return
    if result.outcome in (ops.Outcome.CONFIRMED, ops.Outcome.WAITING):
        ctx.completed()
    if result.outcome == ops.Outcome.CONFIRMED:
        note = ctx.lang.ngettext(
            "🎉 You are signed up for “{title}” ({count} person). "
            "I will remind you before it starts.",
            "🎉 You are signed up for “{title}” ({count} people). "
            "I will remind you before it starts.",
            party,
        ).format(title=title(ctx.lang, event), count=party)
        show_card(ctx, event, note=note, edit=pressed(ctx), known=(result.signup, result.count))
        return
    if result.outcome == ops.Outcome.WAITING:
        if places_left(event, places_held(ctx.session, event.id)):  # some left, too few
            note = ctx._(
                "There are not enough places for all {party} of you. You are number "
                "{position} on the waiting list; I will tell you when places are free."
            )
        else:
            note = ctx._(
                "The event is full. You are number {position} on the waiting list; "
                "I will tell you when a place is free."
            )
        note = note.format(position=result.position, party=party)
    else:
        note = ctx._(SIGNUP_NOTES[result.outcome]).format(maximum=largest_party(event))
    _show(ctx, event, note=note)


@router.button(AskToCancelSignup)
def _cancel(ctx: Ctx, payload: AskToCancelSignup) -> None:
    """Cancel my signup pressed: ask first."""
    event = _event_or_list(ctx, payload.event)
    if event is None:
        return
    signup = ev_reads.find_signup(ctx.session, event.id, ctx.user.id)
    if signup is None or signup.status == SignupStatus.CANCELLED:
        _show(ctx, event, note=ctx._("You are not signed up for this event."))
        return
    if signup.status == SignupStatus.WAITING:  # no place to give away: leaving the line
        question = ctx._("Leave the waiting list for “{title}”?")
        yes = ctx._("Yes, leave the waiting list")
    else:
        question = ctx._(
            "Cancel your signup for “{title}”? Your place goes to the next person in line."
        )
        yes = ctx._("Yes, cancel my signup")
    ctx.reply(
        question.format(title=title(ctx.lang, event)),
        keyboard(
            (
                Button(yes, CancelSignup(event.id).pack()),
                Button(ctx._("Back"), ShowEvent(event.id).pack()),
            )
        ),
        edit=pressed(ctx),
    )


@router.button(CancelSignup)
def _cancel_confirmed(ctx: Ctx, payload: CancelSignup) -> None:
    """Yes pressed: cancel under the event's lock; freed places are offered."""
    event_id = payload.event
    result = ops.cancel_signup(
        ctx.session, event_id, ctx.user, now=ctx.now, deadline=offer_clock(ctx.community)
    )
    event = visible_event(ctx, event_id)
    if event is None:
        show_list(ctx, note=ctx._(GONE))
        return
    if result.outcome != ops.Outcome.CANCELLED:
        _show(ctx, event, note=ctx._("You are not signed up for this event."))
        return
    _show(ctx, event, note=ctx._("Your signup is cancelled. Thank you for letting us know."))


@router.button(ShareEvent)
def _share(ctx: Ctx, payload: ShareEvent) -> None:
    """Where the transport has no links (the console): the command that opens the card."""
    event = _event_or_list(ctx, payload.event)
    if event is None:
        return
    link = ctx.community.start_link(EventLink(event.id).pack())
    ctx.reply(ctx._("Send this to your neighbours; it opens the event: {link}").format(link=link))
