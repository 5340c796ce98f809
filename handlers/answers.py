"""Where free text outside a form goes.

0. What a service knows by its form alone (a check-in code sent at the venue) goes there
   first (``Router.on_text_first``).
1. A reply to a message the bot relayed or asked (Telegram's reply-to, Matrix's
   ``in_reply_to``) goes to the conversation that message came from, while it still waits for
   this person's words.
2. Otherwise, to the one awaited answer (``db/awaiting.py``): the services record what they
   wait for when they ask (a mediator's question, a volunteer's conversation).
3. With several waiting, the person is asked which one they are answering: one button per
   conversation, labelled with its reference; their message is kept meanwhile and sent there
   once they pick.
4. Nothing waiting: the text handlers, in registry order (a typed language name…).
"""

from __future__ import annotations

from dataclasses import replace

from db import awaiting
from handlers.buttons.answers import PickConversation
from handlers.i18n import N_
from handlers.router import Awaits, Router
from handlers.types import Button, Ctx, Kind

router = Router("answers")

STALE_PICK = N_("That choice is no longer open. Please send your message again.")


def route(ctx: Ctx) -> bool:
    """Offer free text to its conversation; True if something took it."""
    registry = ctx.registry
    if any(handler(ctx) for handler in registry.first_text_handlers):
        return True
    if not ctx.inbound.chat.is_group:
        if to_replied(ctx):
            return True
        waiting = _waiting(ctx)
        if len(waiting) == 1:
            service, record_id, _ = waiting[0]
            if registry.awaits[service].take(ctx, record_id):
                return True
        elif waiting:
            _ask_which(ctx, waiting)
            return True
    return any(handler(ctx) for handler in registry.text_handlers)


def _accepts(ctx: Ctx, service: str) -> Awaits | None:
    """The service's registration, if it can take this kind of message."""
    awaits = ctx.registry.awaits.get(service)
    return awaits if awaits is not None and ctx.inbound.kind in awaits.kinds else None


def to_replied(ctx: Ctx) -> bool:
    """A reply to a relayed message goes to its conversation, if that still waits for them
    (a Matrix reply to a question, which has an Answer button, too); True if it went."""
    inbound = ctx.inbound
    if not inbound.reply_to or inbound.chat.is_group:
        return False
    thread = awaiting.relayed(
        ctx.session,
        transport=inbound.chat.transport,
        chat_id=inbound.chat.chat_id,
        message_ref=inbound.reply_to,
    )
    if thread is None:
        return False
    service, record_id = thread
    awaits = _accepts(ctx, service)
    if awaits is None or not awaiting.is_awaited(ctx.session, ctx.user, service, record_id):
        return False
    if awaits.label(ctx, record_id) is None:
        awaiting.forget(ctx.session, service, record_id, user=ctx.user)
        return False
    return awaits.take(ctx, record_id)


def _waiting(ctx: Ctx) -> list[tuple[str, int, str]]:
    """(service, record, label) of what awaits this person's message, oldest first; an awaited
    answer whose record has finished is dropped on the way."""
    by_service: dict[str, list[int]] = {}
    for row in awaiting.awaited(ctx.session, ctx.user):
        by_service.setdefault(row.service, []).append(row.record_id)
    found = []
    for service, record_ids in by_service.items():
        awaits = _accepts(ctx, service)
        if awaits is None:
            continue
        live = {}
        for record_id in record_ids:
            label = awaits.label(ctx, record_id)
            if label is None:
                awaiting.forget(ctx.session, service, record_id, user=ctx.user)
            else:
                live[record_id] = label
        chosen = awaits.narrow(ctx, list(live)) if awaits.narrow and live else list(live)
        found += [(service, record_id, live[record_id]) for record_id in chosen]
    return found


def _ask_which(ctx: Ctx, waiting: list[tuple[str, int, str]]) -> None:
    """Keep the message and ask which conversation it is for."""
    inbound = ctx.inbound
    kept = awaiting.keep(
        ctx.session,
        ctx.user,
        kind=inbound.kind.value,
        text=inbound.text,
        file_id=inbound.file_id,
        file_name=inbound.file_name,
        now=ctx.now,
    )
    ctx.reply(
        ctx._("Several conversations are waiting for you. Which one is this message for?"),
        tuple(
            (Button(label, PickConversation(kept.id, service, record_id).pack()),)
            for service, record_id, label in waiting
        ),
    )


@router.button(PickConversation, private_only=True)
def pressed(ctx: Ctx, payload: PickConversation) -> None:
    """Send the kept message to the conversation picked, once."""
    record_id = payload.record
    awaits = ctx.registry.awaits.get(payload.service)
    if (
        awaits is None
        or not awaiting.is_awaited(ctx.session, ctx.user, payload.service, record_id)
        or awaits.label(ctx, record_id) is None
    ):
        ctx.reply(ctx._(STALE_PICK))
        return
    kept = awaiting.take_kept(ctx.session, ctx.user, payload.kept)
    if kept is None:
        ctx.reply(ctx._(STALE_PICK))
        return
    ctx.inbound = replace(
        ctx.inbound,
        kind=Kind(kept.kind),
        text=kept.text,
        file_id=kept.file_id,
        file_name=kept.file_name,
        payload=None,
        message_ref=None,
    )
    if not awaits.take(ctx, record_id):
        ctx.reply(ctx._(STALE_PICK))
