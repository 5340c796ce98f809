"""A coordinator moves a shift (🕒 Move on the shift's view): everyone in it is told the new
time and asked to confirm within 48 hours; the ``vs.reconfirm`` sweep frees the places nobody
confirmed for the first on each role's waiting list."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from db import shift_moves as moves
from db import shifts as ops
from db.shift_moves import Moved, Released
from handlers.buttons.volunteering import AskToLeaveShift, MoveShift, ReconfirmShift
from handlers.forms import engine
from handlers.forms.fields import Invalid
from handlers.forms.time_fields import future_times
from handlers.i18n import N_, Language
from handlers.types import Button, Community, Ctx, Reply, keyboard
from handlers.volunteering.common import COORDINATOR, router
from handlers.volunteering.fields import SHIFT_FIELDS
from handlers.volunteering.hours import shift_or_refuse, show_shift
from handlers.volunteering.notices import card_button, start_of, title_of


def _submit(ctx: Ctx, data: dict[str, Any]) -> None:
    shift = shift_or_refuse(ctx, int(data["shift_id"]))
    if shift is None:
        return
    starts_at, ends_at = future_times(ctx, data)
    result = moves.move_shift(
        ctx.session,
        shift.id,
        starts_at=starts_at,
        ends_at=ends_at,
        now=ctx.now,
        reminders=ctx.community.event_reminders,
    )
    if result.outcome != ops.Outcome.OK:
        raise Invalid(N_("Sorry, this shift can no longer be moved."))
    note = ctx.lang.ngettext(
        "Shift moved. {count} person signed up is asked to confirm within 48 hours.",
        "Shift moved. {count} people signed up are asked to confirm within 48 hours.",
        result.count,
    ).format(count=result.count)
    show_shift(ctx, shift, note=note)


MOVE = router.form(
    engine.Form(
        name="vs.move", title=N_("Move the shift"), fields=SHIFT_FIELDS[:2], on_submit=_submit
    )
)


@router.button(MoveShift, role=COORDINATOR, private_only=True)
def _move(ctx: Ctx, payload: MoveShift) -> None:
    shift = shift_or_refuse(ctx, payload.shift)
    if shift is None:
        return
    if shift.starts_at <= ctx.now:
        show_shift(ctx, shift, note=ctx._("Sorry, this shift can no longer be moved."))
        return
    engine.start(ctx, MOVE, initial={"shift_id": shift.id})


@router.button(ReconfirmShift)
def _reconfirm(ctx: Ctx, payload: ReconfirmShift) -> None:
    result = moves.reconfirm(ctx.session, payload.signup, ctx.user, now=ctx.now)
    if result.outcome in (ops.Outcome.CONFIRMED, ops.Outcome.EXISTS):
        ctx.reply(ctx._("✅ Thank you: your place at the new time is kept."), edit=True)
    elif result.outcome == ops.Outcome.CLOSED:
        ctx.reply(ctx._("Sorry, the time to confirm has passed and the place was freed."))
    else:
        ctx.reply(ctx._("You are not signed up for that shift."))


@router.template(Moved)
def moved(lang: Language, params: Moved) -> Reply:
    return Reply(
        lang.gettext(
            "🕒 The shift of “{title}” you signed up for has moved to {when}. Can you still "
            "come? Please confirm by {by}; otherwise your place goes to someone else."
        ).format(
            title=title_of(lang, params),
            when=start_of(lang, params),
            by=lang.datetime(params.by),
        ),
        keyboard(
            (
                Button(lang.gettext("✅ I can come"), ReconfirmShift(params.signup_id).pack()),
                Button(
                    lang.gettext("❌ Cancel my signup"), AskToLeaveShift(params.shift_id).pack()
                ),
            )
        ),
    )


@router.template(Released)
def released(lang: Language, params: Released) -> Reply:
    return Reply(
        lang.gettext(
            "Your place in the moved shift of “{title}” ({when}) was not confirmed in time, so "
            "it went to someone else. You can sign up again if places are free."
        ).format(title=title_of(lang, params), when=start_of(lang, params)),
        keyboard(card_button(lang, params)),
    )


@router.sweep("vs.reconfirm")
def release_unconfirmed(session: Session, community: Community, now: datetime) -> None:
    moves.release_unconfirmed(session, now=now, reminders=community.event_reminders)
