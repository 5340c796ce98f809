"""Test helpers: a controllable clock, a resident who chats through the dispatcher (the
in-memory transport), the team's group chat, roles, and a post box for the real outbox worker."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.dispatcher import Dispatcher
from bot.flood import FloodGuard
from bot.outbox import OutboxWorker
from db.outbox_params import Params
from db.users import get_or_create_user, grant_role
from handlers import build_registry
from handlers.i18n import Language
from handlers.router import Registry, Router
from handlers.types import ChatRef, Inbound, Kind, Reply, Sender
from standin.people import Resident

#: An outbox template for tests whose text names its message: ``note <n>``.
NOTE = "test.note"


class Note(Params, template=NOTE):
    """The test template's one parameter: which note it is."""

    n: int = 0


def registry_with(*routers: Router) -> Registry:
    """The real routers plus test ones."""
    return Registry([*build_registry().routers, *routers])


def registry_with_notes() -> Registry:
    """The real routers plus the ``test.note`` template."""
    notes = Router("test-notes")

    @notes.template(Note)
    def render_note(lang: Language, params: Note) -> Reply:
        return Reply(f"note {params.n}")

    return registry_with(notes)


def loose_dispatcher(session_factory, registry, community, clock, limit: int = 1000) -> Dispatcher:
    """The dispatcher as in production, with flood control loosened: a burst of messages from
    one person (or threads racing) is what such a test exercises, not what flood control is
    for."""
    return Dispatcher(
        session_factory=session_factory,
        registry=registry,
        community=community,
        clock=clock,
        flood=FloodGuard(limit=limit),
    )


def step(person: Resident, number: int, total: int) -> str:
    """The "(2/6)" before a form's question: full-width brackets in Chinese."""
    if (person.language_code or "").startswith("zh"):
        return f"（{number}/{total}）"
    return f"({number}/{total})"


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 11, 26, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


def give_role(session_factory, clock: FakeClock, person: Resident, role: str) -> Resident:
    """``person`` says /start, then holds ``role`` (volunteer, mediator, organiser…)."""
    person.send("/start")
    with session_factory() as session, session.begin():
        user = get_or_create_user(
            session, transport=person.transport, external_id=person.user_id, now=clock()
        )
        grant_role(session, user, role, now=clock(), by="test")
    return person


#: The team's group chat (bound with /bind volunteers or /bind mediators).
GROUP = "-100777"


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


def group_command(dispatcher: Dispatcher, user_id: str, text: str, hint: str = "en") -> str:
    """A command in the team's group chat from "User <id>"; the answer's text."""
    replies = in_group(dispatcher, user_id, f"User {user_id}", command=text, hint=hint)
    return "\n".join(reply.text for reply in replies)


@dataclass
class Delivered:
    chat_id: str
    reply: Reply
    ref: str
    edited: bool = False


@dataclass
class PostBox:
    """A transport for the outbox that records every delivery; ``shown`` holds the current
    state of every message (by message ref), as the chat would show it after edits."""

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

    def ref_of(self, chat_id: str, containing: str) -> str:
        """The message ref of the last message to ``chat_id`` whose text contains ``containing``."""
        refs = [
            d.ref
            for d in self.received
            if d.chat_id == chat_id and not d.edited and containing in d.reply.text
        ]
        assert refs, f"no message with {containing!r} in chat {chat_id}"
        return refs[-1]

    def cards_in(self, chat_id: str) -> list[Reply]:
        """The current state of each message shown in the chat (after edits)."""
        refs = [d.ref for d in self.received if d.chat_id == chat_id and not d.edited]
        return [self.shown[ref] for ref in refs]


def run_outbox(session_factory, registry, community, clock, postbox: PostBox) -> int:
    """Send everything due through the real outbox worker into ``postbox``; returns how many."""
    worker = OutboxWorker(
        session_factory=session_factory,
        registry=registry,
        community=community,
        deliverers={"telegram": postbox},
        clock=clock,
    )
    return asyncio.run(worker.tick()).sent
