"""The console chat as a person uses it: groups with :in, and lettered buttons on messages the
bot sent on its own (pressed by typing the letter)."""

from __future__ import annotations

import io
from typing import Literal

from bot.console import ConsoleChat
from bot.dispatcher import Dispatcher
from bot.outbox import OutboxWorker
from db import outbox
from db.outbox_params import Params
from db.users import get_or_create_user, grant_role
from handlers.i18n import Language
from handlers.payloads import Payload
from handlers.router import Router
from handlers.types import Button, Ctx, Reply, keyboard
from tests.support import registry_with


class Answer(Payload, prefix="tof", action="answer"):
    answer: Literal["yes", "no"]


class Offered(Params, template="test.offer"):
    """A place is free (the test's offer carries nothing)."""


def offer_router() -> Router:
    router = Router("test-offer")

    @router.command("offer", description=None)
    def offer(ctx: Ctx, args: str) -> None:
        outbox.enqueue(
            ctx.session,
            transport="console",
            chat_id=args,
            params=Offered(),
            now=ctx.now,
        )
        ctx.reply("offered")

    @router.template(Offered)
    def render(lang: Language, params: Offered) -> Reply:
        return Reply(
            "A place is free.",
            keyboard(
                Button("Confirm", Answer("yes").pack()), Button("Decline", Answer("no").pack())
            ),
        )

    @router.button(Answer)
    def answer(ctx: Ctx, payload: Answer) -> None:
        ctx.reply(f"{ctx.user.external_id} answered {payload.answer}")

    return router


async def test_lettered_buttons_and_groups(session_factory, community, clock):
    registry = registry_with(offer_router())
    dispatcher = Dispatcher(
        session_factory=session_factory, registry=registry, community=community, clock=clock
    )
    worker = OutboxWorker(
        session_factory=session_factory, registry=registry, community=community, clock=clock
    )
    with session_factory() as session, session.begin():
        boss = get_or_create_user(session, transport="console", external_id="boss", now=clock())
        grant_role(session, boss, "admin", now=clock(), by="test")
    out = io.StringIO()
    chat = ConsoleChat(dispatcher, worker, name="alice", language_hint="en", out=out)
    for line in ("/start", ":as boss en", "/offer alice", ":as alice en", "b"):
        await chat.say(line)
    text = out.getvalue()
    assert "📨 (to alice)\nA place is free.\n   [a] Confirm\n   [b] Decline" in text
    assert "alice answered no" in text

    for line in (":as boss en", ":in team", "hello team", "/bind volunteers"):
        await chat.say(line)
    text = out.getvalue()
    assert "(in a group the bot hears only commands and buttons)" in text
    assert "this group is now the room of the volunteer team" in text
