"""Coming with fewer people: a signup for 2 becomes a signup for 1 without cancelling it; the
places let go are offered to the waiting list (``db.events.fewer_places``)."""

from __future__ import annotations

from db import event_reads as ev_reads
from db import events as ops
from db.event_models import SignupStatus
from handlers.buttons.events import AskFewerPlaces, SetFewerPlaces, ShowEvent
from handlers.events.browse import _event_or_list, _show
from handlers.events.common import router, title
from handlers.events.offers import offer_clock
from handlers.types import Button, Ctx, pressed, rows_of


@router.button(AskFewerPlaces)
def ask_how_many(ctx: Ctx, payload: AskFewerPlaces) -> None:
    """👥 Fewer people pressed: how many are coming now?"""
    event = _event_or_list(ctx, payload.event)
    if event is None:
        return
    signup = ev_reads.find_signup(ctx.session, event.id, ctx.user.id)
    if signup is None or signup.status != SignupStatus.CONFIRMED or signup.party_size < 2:
        _show(ctx, event, note=ctx._("Your signup has no places to give back."))
        return
    sizes = [
        Button(str(n), SetFewerPlaces(event.id, n).pack()) for n in range(1, signup.party_size)
    ]
    rows = rows_of(sizes, 5)
    rows.append((Button(ctx._("Back"), ShowEvent(event.id).pack()),))
    ctx.reply(
        ctx._(
            "How many people are coming to “{title}” now, you included? The places you let go "
            "are offered to the waiting list."
        ).format(title=title(ctx.lang, event)),
        tuple(rows),
        edit=pressed(ctx),
    )


@router.button(SetFewerPlaces)
def set_fewer(ctx: Ctx, payload: SetFewerPlaces) -> None:
    """A smaller party chosen: kept under the event's lock; freed places are offered."""
    result = ops.fewer_places(
        ctx.session,
        payload.event,
        ctx.user,
        payload.places,
        now=ctx.now,
        deadline=offer_clock(ctx.community),
    )
    event = _event_or_list(ctx, payload.event)
    if event is None:
        return
    if result.outcome is not ops.Outcome.OK:
        _show(ctx, event, note=ctx._("Your signup has no places to give back."))
        return
    note = ctx.lang.ngettext(
        "Done: you are signed up for {count} person now.",
        "Done: you are signed up for {count} people now.",
        payload.places,
    ).format(count=payload.places)
    _show(ctx, event, note=note)
