"""Answering an offer of places: Confirm, Decline — and Undo after declining: within a minute,
and while the places are still free, the offer comes back; otherwise the person is told why."""

from __future__ import annotations

from db import event_undo
from db import events as ops
from db.event_models import Event
from db.event_reads import places_held
from handlers.buttons.events import AcceptOffer, DeclineOffer, UndoDecline
from handlers.events.browse import _show, show_list
from handlers.events.common import (
    GONE,
    card_buttons,
    card_text,
    router,
    title,
    visible_event,
)
from handlers.events.offers import offer_clock
from handlers.i18n import N_
from handlers.types import Button, Ctx, pressed

UNDO_NOTE = N_(
    "You declined the place. If that was a mistake, press Undo within a minute; then it goes "
    "to the next person in line."
)
OFFER_NOTES = {
    ops.Outcome.DECLINED: N_("You declined the place. It goes to the next person in line."),
    ops.Outcome.EXPIRED: N_(
        "Sorry, this offer has expired and the place went to the next in line."
    ),
}


@router.button(AcceptOffer)
def accept_offer(ctx: Ctx, payload: AcceptOffer) -> None:
    _answer(ctx, payload.signup, accept=True)


@router.button(DeclineOffer)
def decline_offer(ctx: Ctx, payload: DeclineOffer) -> None:
    _answer(ctx, payload.signup, accept=False)


def _answer(ctx: Ctx, signup_id: int, *, accept: bool) -> None:
    """Confirm or Decline on an offer (only the person offered may answer it)."""
    result = ops.answer_offer(
        ctx.session,
        signup_id,
        ctx.user,
        accept=accept,
        now=ctx.now,
        reminders=ctx.community.event_reminders,
        deadline=offer_clock(ctx.community),
    )
    event = result.event
    if event is None or result.outcome == ops.Outcome.NOT_FOUND:
        show_list(ctx, note=ctx._(GONE))
        return
    if result.outcome == ops.Outcome.CONFIRMED:
        note = ctx._("🎉 Your place at “{title}” is confirmed.").format(
            title=title(ctx.lang, event)
        )
    elif result.outcome == ops.Outcome.NOT_OFFERED:
        note = ctx._("This offer is no longer open. This is your signup now:")
    elif result.outcome == ops.Outcome.DECLINED and result.signup is not None:
        show_declined(ctx, event, result.signup.id)
        return
    else:
        note = ctx._(OFFER_NOTES[result.outcome])
    _show(ctx, event, note=note)


def show_declined(ctx: Ctx, event: Event, signup_id: int) -> None:
    """The card after a decline, with Undo (for a minute: ``UndoDecline``)."""
    held = places_held(ctx.session, event.id)
    text = f"{ctx._(UNDO_NOTE)}\n\n{card_text(ctx, event, None, held)}"
    undo = ((Button(ctx._("↩️ Undo"), UndoDecline(signup_id).pack()),),)
    ctx.reply(text, undo + card_buttons(ctx, event, None, held), edit=pressed(ctx))


UNDO_NOTES = {
    ops.Outcome.UNDONE: N_("Undone: the place is offered to you again."),
    ops.Outcome.TOO_LATE: N_(
        "Sorry, a decline can be undone for one minute only, and that minute is over."
    ),
    ops.Outcome.TAKEN: N_("Sorry, the place has already gone to the next person in line."),
}


@router.button(UndoDecline)
def undo_decline(ctx: Ctx, payload: UndoDecline) -> None:
    """The offer again, if it is not too late."""
    result = event_undo.undo_decline(
        ctx.session,
        payload.signup,
        ctx.user,
        now=ctx.now,
        deadline=offer_clock(ctx.community),
    )
    event = visible_event(ctx, result.event.id) if result.event is not None else None
    if event is None:
        show_list(ctx, note=ctx._(GONE))
        return
    note = UNDO_NOTES.get(result.outcome, N_("Sorry, signups for this event are closed."))
    _show(ctx, event, note=ctx._(note))
