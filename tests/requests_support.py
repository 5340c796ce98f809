"""Helpers for the help-request tests: volunteers, the team's room, and a post box that runs the
real outbox worker and keeps what each chat received (cards edited in place)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from bot.dispatcher import Dispatcher
from bot.outbox import OutboxWorker
from db.users import get_or_create_user, grant_role
from handlers.types import ChatRef, Inbound, Kind, Reply, Sender
from tests.support import Resident

GROUP = "-100777"


@dataclass
class Delivered:
    chat_id: str
    reply: Reply
    ref: str
    edited: bool = False


@dataclass
class PostBox:
    """A transport for the outbox that records every delivery; ``cards`` holds the current
    text of every card (by message ref), as the chat would show it after edits."""

    received: list[Delivered] = field(default_factory=list)
    shown: dict[str, Reply] = field(default_factory=dict)
    counter: int = 0

    async def deliver(self, chat_id: str, reply: Reply, *, edit_ref: str | None = None) -> str:
        if edit_ref is not None:
            self.shown[edit_ref] = reply
            self.received.append(Delivered(chat_id, reply, edit_ref, edited=True))
            return edit_ref
        self.counter += 1
        ref = str(self.counter)
        self.shown[ref] = reply
        self.received.append(Delivered(chat_id, reply, ref))
        return ref

    def min_interval(self, chat_id: str) -> float:
        return 0.0

    def to(self, chat_id: str) -> list[Reply]:
        """New messages (not edits) a chat received, oldest first."""
        return [d.reply for d in self.received if d.chat_id == chat_id and not d.edited]

    def texts(self, chat_id: str) -> list[str]:
        return [reply.text for reply in self.to(chat_id)]

    def cards_in(self, chat_id: str) -> list[Reply]:
        """The current state of each message shown in the chat (after edits)."""
        refs = [d.ref for d in self.received if d.chat_id == chat_id and not d.edited]
        return [self.shown[ref] for ref in refs]


def run_outbox(session_factory, registry, community, clock, postbox: PostBox) -> int:
    """Send everything due through the real outbox worker into ``postbox``."""
    worker = OutboxWorker(
        session_factory=session_factory,
        registry=registry,
        community=community,
        deliverers={"telegram": postbox},
        clock=clock,
    )
    return asyncio.run(worker.tick()).sent


def make_volunteer(session_factory, clock, person: Resident) -> Resident:
    """Grant ``person`` the volunteer role (they have written to the bot before)."""
    person.send("/start")
    with session_factory() as session, session.begin():
        user = get_or_create_user(
            session, transport=person.transport, external_id=person.user_id, now=clock()
        )
        grant_role(session, user, "volunteer", now=clock(), by="test")
    return person


def in_group(
    dispatcher: Dispatcher,
    user_id: str,
    name: str,
    *,
    command: str = "",
    payload: str = "",
    hint: str = "en",
) -> list[Reply]:
    """A command or a button press in the team's group chat."""
    chat = ChatRef("telegram", GROUP, is_group=True)
    sender = Sender("telegram", user_id, name, None, hint)
    if payload:
        inbound = Inbound(chat, sender, Kind.BUTTON, payload=payload)
    else:
        word, _, args = command[1:].partition(" ")
        inbound = Inbound(chat, sender, Kind.COMMAND, text=command, command=word, args=args)
    return dispatcher.handle(inbound)


def file_request(
    person: Resident,
    *,
    category: str = "Translation",
    description: str = "Please translate the letter from my landlord.",
    photo: str | None = None,
    urgent: bool = False,
    share_name: bool = False,
) -> None:
    """Go through /ask as an English speaker and send the request."""
    person.send("/ask")
    person.press(category)
    if category == "Hospital visit":
        person.press("Yes")
    person.send(description)
    if photo:
        person.send_kind(Kind.PHOTO, file_id=photo)
    else:
        person.press("Skip")
    person.press("As soon as possible")
    person.press("Yes" if urgent else "No")
    person.press("Yes" if share_name else "No")
    person.press("Send request")
