"""The console transport: a chat in the terminal, or a scripted one.

Buttons are listed numbered; type the number or the label to press one. Buttons on messages
the bot sent on its own (a reminder, an offer, a card in a team's group) are lettered: type the
letter. ``:as NAME [zh|zh-hant|en]`` switches to another simulated person in their private
chat (their language hint is set the way Telegram's app would); ``:in GROUP`` makes the current
person write in the group chat ``#GROUP`` instead, where — as on Telegram — only commands and
buttons count. When stdin is not a terminal, each line is one message and the replies are
printed, so a whole conversation can be scripted: ``printf '/start\\n1\\n' | linli shell``.
"""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from bot.dispatcher import Dispatcher
from bot.outage import patiently
from bot.outbox import OutboxWorker
from bot.sweeper import Sweeper
from handlers.types import ChatRef, Inbound, Kind, Reply, Sender

TRANSPORT = "console"


LETTERS = "abcdefghijklmnopqrstuvwxyz"


class ConsoleDeliverer:
    """Outbox messages to console users are printed, marked with whom they are for; their
    buttons get letters, which the person in that chat types to press them."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.sent = 0
        #: chat → letter → payload, for the buttons of messages delivered to that chat.
        self.buttons: dict[str, dict[str, str]] = {}
        self._next_letter: dict[str, int] = {}

    def min_interval(self, chat_id: str) -> float:
        return 0.0

    async def deliver(
        self, chat_id: str, reply: Reply, *, edit_ref: str | None = None
    ) -> str | None:
        """Print the message; a card that changed is printed again, marked as updated."""
        if edit_ref is not None:
            self.out.write(f"\n📨 (to {chat_id}, card updated)\n")
        else:
            self.out.write(f"\n📨 (to {chat_id})\n")
            self.sent += 1
            edit_ref = str(self.sent)
        self.out.write(render(reply, letters=self._letters(chat_id, reply)))
        self.out.flush()
        return edit_ref

    def _letters(self, chat_id: str, reply: Reply) -> list[str]:
        """Give each payload button a letter in this chat (a–z, then again from a)."""
        letters = []
        pressable = self.buttons.setdefault(chat_id, {})
        for row in reply.buttons:
            for button in row:
                if button.payload is None:
                    continue
                index = self._next_letter.get(chat_id, 0)
                self._next_letter[chat_id] = (index + 1) % len(LETTERS)
                pressable[LETTERS[index]] = button.payload
                letters.append(LETTERS[index])
        return letters


def render(reply: Reply, *, numbered: bool = True, letters: list[str] | None = None) -> str:
    """A reply as terminal text: the message, any file, then its buttons — numbered when they
    are the ones a typed number presses (the last keyboard shown), or with the ``letters`` that
    press them. A reaction on the person's message is a short mark under it."""
    if reply.reaction:
        return f"   ↳ {reply.reaction}\n"
    lines = [reply.text]
    if reply.attachment is not None:
        size = len(reply.attachment.content)
        lines.append(f"📎 {reply.attachment.filename} ({size} bytes)")
    number = 1
    for row in reply.buttons:
        cells = []
        for button in row:
            if button.url:
                cells.append(f"🔗 {button.label}: {button.url}")
            elif letters:
                cells.append(f"[{letters.pop(0)}] {button.label}")
            elif numbered:
                cells.append(f"[{number}] {button.label}")
                number += 1
            else:
                cells.append(f"· {button.label}")
        lines.append("   " + "   ".join(cells))
    return "\n".join(lines) + "\n"


def parse_line(line: str, chat: ChatRef, sender: Sender) -> Inbound:
    text = line.rstrip("\r\n")
    if text.startswith("/") and len(text) > 1:
        word, _, args = text[1:].partition(" ")
        return Inbound(
            chat,
            sender,
            Kind.COMMAND,
            text=text,
            command=word.lower(),
            args=args.strip(),
            numbered_buttons=True,
        )
    return Inbound(chat, sender, Kind.TEXT, text=text, numbered_buttons=True)


class ConsoleChat:
    """Reads messages, hands them to the dispatcher, prints the replies and what the outbox
    sends to console users."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        worker: OutboxWorker,
        *,
        name: str = "resident",
        language_hint: str | None = None,
        stdin: TextIO = sys.stdin,
        out: TextIO = sys.stdout,
        sweeper: Sweeper | None = None,
    ) -> None:
        self.dispatcher = dispatcher
        self.worker = worker
        self.sweeper = sweeper
        self.stdin = stdin
        self.out = out
        self.interactive = stdin.isatty()
        self.switch(name, language_hint)
        self.deliverer = ConsoleDeliverer(out)
        worker.deliverers[TRANSPORT] = self.deliverer

    def switch(self, name: str, language_hint: str | None) -> None:
        self.chat = ChatRef(TRANSPORT, name)
        self.sender = Sender(TRANSPORT, name, name, None, language_hint)

    def _inbound(self, text: str) -> Inbound | None:
        """The message for ``text``: a lettered button of a delivered message, a command, or
        (in a private chat) text; None for plain text in a group, which the bot ignores."""
        payload = self.deliverer.buttons.get(self.chat.chat_id, {}).get(text.lower())
        if payload is not None:
            return Inbound(
                self.chat, self.sender, Kind.BUTTON, payload=payload, numbered_buttons=True
            )
        inbound = parse_line(text, self.chat, self.sender)
        if self.chat.is_group and inbound.kind is not Kind.COMMAND:
            return None
        return inbound

    async def run(self) -> None:
        while True:
            if self.interactive:
                self.out.write(f"{self.sender.external_id}> ")
                self.out.flush()
            line = await asyncio.to_thread(self.stdin.readline)
            if not line:
                break
            await self.say(line)
        await self.worker.tick()

    async def say(self, line: str) -> None:
        """One line typed by the current person."""
        text = line.strip()
        if not text:
            return
        if not self.interactive:
            self.out.write(f"\n{self.sender.external_id}> {text}\n")
        if text.startswith(":as "):
            parts = text.split()
            hint = parts[2] if len(parts) > 2 else None
            self.switch(parts[1], hint)
            self.out.write(f"(now chatting as {parts[1]}{', ' + hint if hint else ''})\n")
            return
        if text.startswith(":in ") and text[4:].strip():
            group = text[4:].strip().lstrip("#")
            self.chat = ChatRef(TRANSPORT, f"#{group}", is_group=True)
            self.out.write(f"(now writing in the group #{group}; :as NAME goes back)\n")
            return
        inbound = self._inbound(text)
        if inbound is None:
            self.out.write("(in a group the bot hears only commands and buttons)\n")
            return
        replies = await patiently("the console", self.dispatcher.handle, inbound)
        active = max((i for i, r in enumerate(replies) if r.buttons), default=-1)
        for index, reply in enumerate(replies):
            self.out.write(render(reply, numbered=index == active))
        self.out.flush()
        if self.sweeper is not None and not self.interactive:  # interactive: the scheduler's
            await asyncio.to_thread(self.sweeper.run)
        await self.worker.tick()
