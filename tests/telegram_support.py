"""The bot on the Bot API stand-in, as the Telegram tests drive it: ``running_bot`` (the
application by long polling or by webhook), and what to wait for in the stand-in's calls."""

from __future__ import annotations

import socket
from contextlib import asynccontextmanager

from bot.dispatcher import Dispatcher
from bot.outbox import OutboxWorker
from bot.telegram.app import Webhook
from handlers import build_registry
from handlers.router import Registry
from standin.botapi import BotApiStandin
from standin.serving import serving


def sent_to(api: BotApiStandin, chat_id: int):
    return lambda call: (
        call.method in ("sendMessage", "editMessageText")
        and int(call.params.get("chat_id", 0)) == chat_id
    )


def keyboard_labels(call) -> list[str]:
    markup = call.params.get("reply_markup") or {}
    return [button["text"] for row in markup.get("inline_keyboard", []) for button in row]


@asynccontextmanager
async def running_bot(
    session_factory,
    community,
    *,
    registry: Registry | None = None,
    latency: float = 0.0,
    webhook: bool = False,
):
    """The stand-in, then the application on it (by long polling, or with ``webhook`` on a
    free port of its own); yields (api, dispatcher, worker)."""
    registry = registry or build_registry()
    dispatcher = Dispatcher(session_factory=session_factory, registry=registry, community=community)
    worker = OutboxWorker(session_factory=session_factory, registry=registry, community=community)
    async with BotApiStandin(latency=latency) as api:
        hook = None
        if webhook:
            # Chosen once the stand-in holds its own port, so the two can never be the same.
            port = free_port(besides=api.port)
            hook = Webhook(
                url=f"http://127.0.0.1:{port}/telegram",
                listen="127.0.0.1",
                port=port,
                secret="s3cret-Token",
            )
        async with serving(api, dispatcher, worker, webhook=hook):
            yield api, dispatcher, worker


def free_port(*, besides: int | None) -> int:
    """A port nothing listens on now, other than ``besides``."""
    while True:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if port != besides:
            return port
