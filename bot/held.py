"""Direct replies a transport could not send at once, handed to the outbox (``handlers/held.py``).

A direct reply answers a person's message while its batch is handled; the batch's position (the
Matrix sync token) moves on after it. If the server does not take the reply (it is away, a 5xx,
a rate limit longer than a reply waits), the reply is queued as an outbox row for that chat, as
it was rendered, and the outbox sends it once the server is back. The person's message is not
handled again: only the sending waits.

Order: while a chat has a held reply not yet sent, its later direct replies are held behind it
(the outbox sends one chat's rows in order); once the outbox has sent them, replies go direct
again. The chats with held replies are read from the database at start (a restart in the middle
of an outage) and checked there before each reply to such a chat.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from bot.outage import patiently
from db import outbox
from handlers.held import KEY_PREFIX, HeldReply
from handlers.types import Reply

log = logging.getLogger(__name__)


class HeldReplies:
    """The held replies of one transport."""

    def __init__(
        self,
        transport: str,
        session_factory: sessionmaker[Session],
        clock: Callable[[], datetime],
        wake: Callable[[], None] | None = None,
    ) -> None:
        self.transport = transport
        self.session_factory = session_factory
        self.clock = clock
        self.wake = wake
        self._chats: set[str] | None = None  # None: not read from the database yet
        #: The first replies of a crowd all ask at once: one of them reads, the others wait.
        self._reading = asyncio.Lock()

    async def waiting(self, chat_id: str) -> bool:
        """Whether ``chat_id`` has held replies the outbox has not sent yet (a new reply to it
        is held behind them)."""
        if self._chats is None:
            async with self._reading:
                if self._chats is None:
                    self._chats = await patiently(self.transport, self._unsent, None)
        if chat_id not in self._chats:
            return False
        if await patiently(self.transport, self._unsent, chat_id):
            return True
        self._chats.discard(chat_id)
        return False

    async def hold(
        self, chat_id: str, reply: Reply, txn: str, *, edit_ref: str | None = None
    ) -> None:
        """Queue ``reply`` for ``chat_id``; ``txn`` is the transaction id its first try used
        (the outbox sends it with the same one, and queues it only once). ``edit_ref``: the
        message an edit was to change (the outbox edits it, or sends anew if it no longer can)."""
        await patiently(self.transport, self._hold, chat_id, reply, txn, edit_ref)
        if self._chats is not None:
            self._chats.add(chat_id)
        if self.wake is not None:  # the outbox worker, if it is idle
            self.wake()

    def _unsent(self, chat_id: str | None) -> set[str]:
        with self.session_factory() as session:
            return outbox.unsent_chats(
                session, transport=self.transport, template=HeldReply.template, chat_id=chat_id
            )

    def _hold(self, chat_id: str, reply: Reply, txn: str, edit_ref: str | None) -> None:
        now = self.clock()
        with self.session_factory() as session, session.begin():
            ahead = outbox.last_due(
                session, transport=self.transport, chat_id=chat_id, template=HeldReply.template
            )
            outbox.enqueue(
                session,
                transport=self.transport,
                chat_id=chat_id,
                params=HeldReply.of(reply, edit_ref=edit_ref),
                now=now,
                due_at=max(now, ahead) if ahead is not None else now,  # never before those
                dedup_key=KEY_PREFIX + txn,
            )


def held_txn(key: str | None) -> str | None:
    """The transaction id a held reply's first try used, from its row's dedup key."""
    if key is not None and key.startswith(KEY_PREFIX):
        return key[len(KEY_PREFIX) :]
    return None
