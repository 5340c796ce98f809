"""A person talking to the bot through the in-memory transport (``Resident``): what the tests
and the benchmarks use to send messages and press buttons through the dispatcher."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.dispatcher import Dispatcher
from handlers.types import Button, ChatRef, Inbound, Kind, Reply, Sender


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

    def reply_to(self, message_ref: str, text: str) -> list[Reply]:
        """Reply to the message ``message_ref`` of this chat (Telegram's reply-to) with ``text``."""
        return self._do(
            Inbound(
                self.chat,
                self.sender,
                Kind.TEXT,
                text=text,
                reply_to=message_ref,
                numbered_buttons=self.numbered_buttons,
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
