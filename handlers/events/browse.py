"""Residents: the list of events, the card, signing up (party size, then confirm), cancelling,
answering an offer, and /myevents. Every press re-reads the event: payloads are not trusted."""

from __future__ import annotations

from db import events as ops
from db.models import Event, SignupStatus
from handlers import limits
from handlers.common import parse_id
from handlers.events.common import (
    ACTIONS,
    GONE,
    PREFIX,
    card_buttons,
    card_text,
    places_line,
    router,
    show_card,
    title,
    visible_event,
)
from handlers.i18n import N_
from handlers.start import show_menu
from handlers.types import Button, Ctx, keyboard

PAGE_SIZE = 5


def show_list(ctx: Ctx, page: int = 0, *, note: str | None = None, edit: bool = False) -> None:
    """Upcoming published events, soonest first, five a page with next/previous (which turn
    the page in place: ``edit``)."""
    total = ops.count_upcoming(ctx.session, now=ctx.now)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    events = ops.upcoming_events(ctx.session, now=ctx.now, offset=page * PAGE_SIZE, limit=PAGE_SIZE)
    lines = [note] if note else []
    if not events:
        lines.append(ctx._("There are no upcoming events right now. Please look again later."))
        ctx.reply("\n".join(lines), keyboard(Button(ctx._("« Menu"), "ev:menu")))
        return
    lines.append(
        ctx._("🗓 Upcoming events (page {page} of {pages}):").format(page=page + 1, pages=pages)
    )
    held = ops.places_held_by_event(ctx.session, [event.id for event in events])
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
            (Button(f"{number}. {title(ctx.lang, event)}"[:60], f"{PREFIX}:card:{event.id}"),)
        )
    navigation = []
    if page > 0:
        navigation.append(Button(ctx._("« Previous"), f"{PREFIX}:list:{page - 1}"))
    if page < pages - 1:
        navigation.append(Button(ctx._("Next »"), f"{PREFIX}:list:{page + 1}"))
    if navigation:
        rows.append(tuple(navigation))
    ctx.reply("\n".join(lines), tuple(rows), edit=edit)


@router.command("events", description=N_("Community events"))
def events_command(ctx: Ctx, args: str) -> None:
    """The list of upcoming events."""
    show_list(ctx)


@router.deep_link(PREFIX)
def deep_link(ctx: Ctx, rest: str) -> None:
    """``/start ev_42`` (a shared link) opens the card."""
    event = visible_event(ctx, parse_id(rest))
    if event is None:
        show_list(ctx, note=ctx._(GONE))
        return
    show_card(ctx, event)


def _list(ctx: Ctx, arg: str) -> None:
    """``ev:list:<page>``: a page of the list (Next/Previous turn the page in place)."""
    show_list(ctx, parse_id(arg) or 0, edit=bool(arg))


def _menu(ctx: Ctx, arg: str) -> None:
    """Back to the main menu."""
    show_menu(ctx)


def _event_or_list(ctx: Ctx, arg: str) -> Event | None:
    """The event named by the payload, or the list with “no longer available”."""
    event = visible_event(ctx, parse_id(arg.partition(":")[0]))
    if event is None:
        show_list(ctx, note=ctx._(GONE))
    return event


def _card(ctx: Ctx, arg: str) -> None:
    """``ev:card:<id>``: the event card."""
    event = _event_or_list(ctx, arg)
    if event is not None:
        show_card(ctx, event)


def _join(ctx: Ctx, arg: str) -> None:
    """Sign up pressed: ask the party size (when more than one may come), else confirm."""
    event = _event_or_list(ctx, arg)
    if event is None:
        return
    signup = ops.find_signup(ctx.session, event.id, ctx.user.id)
    if signup is not None and signup.status != SignupStatus.CANCELLED:
        show_card(ctx, event, note=ctx._("You have already signed up for this event."))
        return
    if not ops.is_open(event, ctx.now):
        show_card(ctx, event, note=ctx._("Sorry, signups for this event are closed."))
        return
    over_limit = limits.signups_message(ctx)
    if over_limit is not None:
        show_card(ctx, event, note=over_limit.text(ctx))
        return
    if event.max_party == 1:
        _ask_confirm(ctx, event, 1)
        return
    sizes = [Button(str(n), f"{PREFIX}:size:{event.id}:{n}") for n in range(1, event.max_party + 1)]
    rows = [tuple(sizes[i : i + 5]) for i in range(0, len(sizes), 5)]
    rows.append((Button(ctx._("Back"), f"{PREFIX}:card:{event.id}"),))
    ctx.reply(
        ctx._("How many people are coming, you included? (at most {maximum})").format(
            maximum=event.max_party
        ),
        tuple(rows),
    )


def _party(ctx: Ctx, arg: str) -> int | None:
    """The party size after the event id (``42:3``), or None."""
    _, _, size = arg.partition(":")
    return parse_id(size)


def _size(ctx: Ctx, arg: str) -> None:
    """A party size chosen: ask to confirm it."""
    event = _event_or_list(ctx, arg)
    if event is None:
        return
    party = _party(ctx, arg)
    if party is None or not 1 <= party <= event.max_party:
        show_card(
            ctx,
            event,
            note=ctx._("Please choose from 1 to {maximum} people.").format(maximum=event.max_party),
        )
        return
    _ask_confirm(ctx, event, party)


def _ask_confirm(ctx: Ctx, event: Event, party: int) -> None:
    """Show what will be signed up, with Confirm and Back."""
    ctx.reply(
        ctx.lang.ngettext(
            "Sign up for “{title}” on {when}, for {count} person?",
            "Sign up for “{title}” on {when}, for {count} people?",
            party,
        ).format(
            title=title(ctx.lang, event), when=ctx.lang.datetime(event.starts_at), count=party
        ),
        keyboard(
            (
                Button(ctx._("✅ Confirm"), f"{PREFIX}:ok:{event.id}:{party}"),
                Button(ctx._("Back"), f"{PREFIX}:card:{event.id}"),
            )
        ),
    )


SIGNUP_NOTES = {
    ops.R_CLOSED: N_("Sorry, signups for this event are closed."),
    ops.R_EXISTS: N_("You have already signed up for this event."),
    ops.R_BAD_PARTY: N_("Please choose from 1 to {maximum} people."),
}


def _ok(ctx: Ctx, arg: str) -> None:
    """Confirm pressed: sign up under the event's lock; confirmed or on the waiting list."""
    event_id, party = parse_id(arg.partition(":")[0]), _party(ctx, arg)
    if event_id is None or party is None:
        show_list(ctx, note=ctx._(GONE))
        return
    over_limit = limits.signups_message(ctx)
    signup = ops.find_signup(ctx.session, event_id, ctx.user.id) if over_limit else None
    if over_limit is not None and (signup is None or signup.status == SignupStatus.CANCELLED):
        show_list(ctx, note=over_limit.text(ctx))
        return
    outcome = ops.sign_up(
        ctx.session,
        event_id,
        ctx.user,
        party,
        now=ctx.now,
        reminders=ctx.community.event_reminders,
    )
    event = outcome.event
    if outcome.result == ops.R_NOT_FOUND or event is None:
        show_list(ctx, note=ctx._(GONE))
        return
    if outcome.result == ops.R_CONFIRMED:
        note = ctx.lang.ngettext(
            "🎉 You are signed up for “{title}” ({count} person). "
            "I will remind you before it starts.",
            "🎉 You are signed up for “{title}” ({count} people). "
            "I will remind you before it starts.",
            party,
        ).format(title=title(ctx.lang, event), count=party)
    elif outcome.result == ops.R_WAITING:
        note = ctx._(
            "The event is full. You are number {position} on the waiting list; "
            "I will tell you when a place is free."
        ).format(position=outcome.position)
    else:
        note = ctx._(SIGNUP_NOTES[outcome.result]).format(maximum=event.max_party)
    show_card(ctx, event, note=note)


def _cancel(ctx: Ctx, arg: str) -> None:
    """Cancel my signup pressed: ask first."""
    event = _event_or_list(ctx, arg)
    if event is None:
        return
    signup = ops.find_signup(ctx.session, event.id, ctx.user.id)
    if signup is None or signup.status == SignupStatus.CANCELLED:
        show_card(ctx, event, note=ctx._("You are not signed up for this event."))
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
                Button(yes, f"{PREFIX}:cx:{event.id}"),
                Button(ctx._("Back"), f"{PREFIX}:card:{event.id}"),
            )
        ),
    )


def _cancel_confirmed(ctx: Ctx, arg: str) -> None:
    """Yes pressed: cancel under the event's lock; freed places are offered."""
    event_id = parse_id(arg)
    outcome = ops.cancel_signup(ctx.session, event_id or 0, ctx.user, now=ctx.now)
    event = visible_event(ctx, event_id)
    if event is None:
        show_list(ctx, note=ctx._(GONE))
        return
    if outcome.result != ops.R_CANCELLED:
        show_card(ctx, event, note=ctx._("You are not signed up for this event."))
        return
    show_card(ctx, event, note=ctx._("Your signup is cancelled. Thank you for letting us know."))


OFFER_NOTES = {
    ops.R_DECLINED: N_("You declined the place. It goes to the next person in line."),
    ops.R_EXPIRED: N_("Sorry, this offer has expired and the place went to the next in line."),
}


def _answer(ctx: Ctx, arg: str, *, accept: bool) -> None:
    """Confirm or Decline on an offer (only the person offered may answer it)."""
    signup_id = parse_id(arg)
    outcome = ops.answer_offer(
        ctx.session,
        signup_id or 0,
        ctx.user,
        accept=accept,
        now=ctx.now,
        reminders=ctx.community.event_reminders,
    )
    event = outcome.event
    if event is None or outcome.result == ops.R_NOT_FOUND:
        show_list(ctx, note=ctx._(GONE))
        return
    if outcome.result == ops.R_CONFIRMED:
        note = ctx._("🎉 Your place at “{title}” is confirmed.").format(
            title=title(ctx.lang, event)
        )
    elif outcome.result == ops.R_NOT_OFFERED:
        note = ctx._("This offer is no longer open. This is your signup now:")
    else:
        note = ctx._(OFFER_NOTES[outcome.result])
    show_card(ctx, event, note=note)


def _share(ctx: Ctx, arg: str) -> None:
    """Where the transport has no links (the console): the command that opens the card."""
    event = _event_or_list(ctx, arg)
    if event is None:
        return
    link = ctx.community.start_link(f"{PREFIX}_{event.id}")
    ctx.reply(ctx._("Send this to your neighbours; it opens the event: {link}").format(link=link))


@router.command("myevents", description=N_("My events and signups"))
def my_events(ctx: Ctx, args: str) -> None:
    """The user's upcoming signups, offers and waiting-list places, each with its card."""
    signups = ops.my_signups(ctx.session, ctx.user, now=ctx.now)
    if not signups:
        ctx.reply(
            ctx._("You have not signed up for any upcoming event."),
            keyboard(Button(ctx._("🗓 Events"), f"{PREFIX}:list")),
        )
        return
    held = ops.places_held_by_event(ctx.session, [signup.event_id for signup in signups])
    ctx.reply(ctx._("Your events:"))
    for signup in signups:
        event = signup.event
        ctx.reply(card_text(ctx, event, signup, held[event.id]), card_buttons(ctx, event, signup))


ACTIONS.update(
    {
        "list": _list,
        "menu": _menu,
        "card": _card,
        "join": _join,
        "size": _size,
        "ok": _ok,
        "cancel": _cancel,
        "cx": _cancel_confirmed,
        "acc": lambda ctx, arg: _answer(ctx, arg, accept=True),
        "dec": lambda ctx, arg: _answer(ctx, arg, accept=False),
        "share": _share,
    }
)
