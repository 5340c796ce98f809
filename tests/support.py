"""Test helpers: a controllable clock and a resident who chats through the dispatcher
(the in-memory transport)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.dispatcher import Dispatcher
from bot.outbox import OutboxWorker
from bot.telegram.app import Webhook, build_application, serve
from handlers import build_registry
from handlers.i18n import Language
from handlers.router import Registry, Router
from handlers.types import Button, ChatRef, Inbound, Kind, Reply, Sender
from tests.standin import BotApiStandin

#: An outbox template for tests whose text names its message: ``note <n>``.
NOTE = "test.note"


def registry_with(*routers: Router) -> Registry:
    """The real routers plus test ones."""
    return Registry([*build_registry().routers, *routers])


def registry_with_notes() -> Registry:
    """The real routers plus the ``test.note`` template."""
    notes = Router("test-notes")

    @notes.template(NOTE)
    def render_note(lang: Language, params: dict[str, Any]) -> Reply:
        return Reply(f"note {params['n']}")

    return registry_with(notes)


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 11, 26, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


@dataclass
class Resident:
    """A person in a private chat with the bot, through the in-memory transport."""

    dispatcher: Dispatcher
    name: str
    language_code: str | None = "en"
    transport: str = "telegram"
    user_id: str = "1001"
    numbered_buttons: bool = False
    replies: list[Reply] = field(default_factory=list)
    history: list[Reply] = field(default_factory=list)

    @property
    def chat(self) -> ChatRef:
        return ChatRef(self.transport, self.user_id)

    @property
    def sender(self) -> Sender:
        return Sender(self.transport, self.user_id, self.name, None, self.language_code)

    def _do(self, inbound: Inbound) -> list[Reply]:
        self.replies = self.dispatcher.handle(inbound)
        self.history.extend(self.replies)
        return self.replies

    def send(self, text: str) -> list[Reply]:
        """Type ``text`` (a command if it starts with a slash)."""
        if text.startswith("/"):
            word, _, args = text[1:].partition(" ")
            return self._do(
                Inbound(
                    self.chat,
                    self.sender,
                    Kind.COMMAND,
                    text=text,
                    command=word.split("@")[0].lower(),
                    args=args.strip(),
                    numbered_buttons=self.numbered_buttons,
                )
            )
        return self._do(
            Inbound(
                self.chat, self.sender, Kind.TEXT, text=text, numbered_buttons=self.numbered_buttons
            )
        )

    def send_kind(self, kind: Kind, **values: object) -> list[Reply]:
        """Send a photo, sticker, location, document…"""
        return self._do(Inbound(self.chat, self.sender, kind, **values))  # type: ignore[arg-type]

    def press_payload(self, payload: str) -> list[Reply]:
        return self._do(Inbound(self.chat, self.sender, Kind.BUTTON, payload=payload))

    def buttons(self) -> list[Button]:
        """The buttons of the last replies, in order."""
        return [button for reply in self.replies for row in reply.buttons for button in row]

    def press(self, label: str) -> list[Reply]:
        """Press the button whose label contains ``label`` in the last replies."""
        matches = [b for b in self.buttons() if label in b.label and b.payload]
        assert matches, f"no button {label!r} among {[b.label for b in self.buttons()]}"
        return self.press_payload(matches[0].payload or "")

    @property
    def text(self) -> str:
        """All text of the last replies, joined."""
        return "\n".join(reply.text for reply in self.replies)


@asynccontextmanager
async def serving(
    api: BotApiStandin,
    dispatcher: Dispatcher,
    worker: OutboxWorker,
    *,
    webhook: Webhook | None = None,
    max_concurrent_updates: int = 256,
) -> AsyncIterator[None]:
    """The application on the stand-in, started by ``serve`` as ``linli run`` starts it (the
    outbox job is left to the test, which ticks the worker itself), stopped on exit."""
    application = build_application(
        token=api.token,
        base_url=api.base_url.removesuffix("/bot"),
        dispatcher=dispatcher,
        worker=worker,
        outbox_interval=3600,
        max_concurrent_updates=max_concurrent_updates,
    )
    stop = asyncio.Event()
    task = asyncio.create_task(serve(application, stop=stop, webhook=webhook, poll_timeout=1))
    await api.wait_for(lambda c: c.method in ("getUpdates", "setWebhook"), timeout=30)
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(task, 20)
