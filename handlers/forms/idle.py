"""Forms never take over later messages: ``/start``, ``/menu`` or a menu button
*leave* an open form ([Continue] [Discard]), and so does a message sent ``IDLE_LEAVE`` after the
last answer; until Continue (``FormContinue``) or another of its buttons, the person's messages
go where they would without a form. A form idle for ``Form.ttl`` (a day) is dropped with a note
the next time the person writes (``engine.expire``, called by the dispatcher) — not by a sweep:
nobody is written to at night about a form they walked away from, and no job is needed."""

from __future__ import annotations

from datetime import timedelta

from handlers.buttons.forms import FormCancel, FormContinue
from handlers.forms import state
from handlers.forms.engine import Form
from handlers.types import Button, Ctx

#: A message this long after the last answer is not taken as an answer.
IDLE_LEAVE = timedelta(hours=1)


def takes_input(ctx: Ctx, form: Form) -> bool:
    """True if the inbound message is an answer: the form was not left, and the last answer
    was less than ``IDLE_LEAVE`` ago (``expires_at`` is the last answer plus ``form.ttl``)."""
    if state.load(ctx.conversation).left:
        return False
    expires = ctx.conversation.expires_at
    return expires is None or ctx.now - (expires - form.ttl) < IDLE_LEAVE


def is_left(ctx: Ctx) -> bool:
    return state.load(ctx.conversation).left


def leave(ctx: Ctx, form: Form) -> None:
    """Set the form aside (its answers kept) and offer [Continue] [Discard]."""
    now = state.load(ctx.conversation)
    now.left = True
    state.save(ctx.conversation, now)
    token = ctx.conversation.token
    ctx.reply(
        ctx._("Your form “{form}” is waiting where you left it.").format(form=ctx._(form.title)),
        (
            (
                Button(ctx._("▶️ Continue"), FormContinue(token).pack()),
                Button(ctx._("🗑 Discard"), FormCancel(token).pack()),
            ),
        ),
    )
