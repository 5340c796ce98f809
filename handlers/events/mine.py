"""/myevents: the resident's upcoming signups as one list, each item opening its card in place
(and « My events back to the list)."""

from __future__ import annotations

from db import event_reads as ev_reads
from handlers.buttons.events import ListEvents, MyEvent, MyEvents
from handlers.events.browse import _event_or_list
from handlers.events.common import (
    router,
    show_card,
    status_line,
    title,
)
from handlers.i18n import N_
from handlers.types import Button, Ctx, keyboard, pressed


@router.command("myevents", description=N_("My events and signups"), private_only=True)
def my_events(ctx: Ctx, args: str) -> None:
    """The user's upcoming signups, offers and waiting-list places: one list, each item
    opening its card in place (with a way back to the list)."""
    signups = ev_reads.my_signups(ctx.session, ctx.user, now=ctx.now)
    if not signups:
        ctx.reply(
            ctx._("You have not signed up for any upcoming event."),
            keyboard(Button(ctx._("🗓 Events"), ListEvents().pack())),
            edit=pressed(ctx),
        )
        return
    lines = [ctx._("Your events:")]
    rows: list[tuple[Button, ...]] = []
    for number, signup in enumerate(signups, start=1):
        event = signup.event
        lines.append(
            ctx._("{number}. {title} — {when}").format(
                number=number, title=title(ctx.lang, event), when=ctx.lang.datetime(event.starts_at)
            )
        )
        mine = status_line(ctx, signup)
        if mine:
            lines.append(f"   {mine}")
        label = f"{number}. {title(ctx.lang, event)}"[:60]
        rows.append((Button(label, MyEvent(event.id).pack()),))
    ctx.reply("\n".join(lines), tuple(rows), edit=pressed(ctx))


@router.button(MyEvent, private_only=True)
def _mine(ctx: Ctx, payload: MyEvent) -> None:
    """A card opened from /myevents, with « My events to go back."""
    event = _event_or_list(ctx, payload.event)
    if event is None:
        return
    show_card(ctx, event, edit=pressed(ctx), back=Button(ctx._("« My events"), MyEvents().pack()))


@router.button(MyEvents, private_only=True)
def _my_events(ctx: Ctx, payload: MyEvents) -> None:
    my_events(ctx, "")
