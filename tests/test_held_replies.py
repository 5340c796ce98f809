"""The chats with held replies (``bot/held.py``) are read from the database once, however many
replies of a crowd ask at the same moment, and a held reply is still seen after that."""

from __future__ import annotations

import asyncio

from bot.held import HeldReplies
from handlers.types import Reply
from tests.query_support import counting


async def test_a_crowd_of_first_replies_reads_the_held_chats_once(engine, session_factory, clock):
    held = HeldReplies("telegram", session_factory, clock)
    with counting(engine) as statements:
        answers = await asyncio.gather(*(held.waiting(str(1000 + n)) for n in range(50)))
    assert answers == [False] * 50
    assert len([s for s in statements if "FROM outbox" in s]) == 1, statements

    await held.hold("1007", Reply("Your request was filed."), "telegram-1-0")
    assert await held.waiting("1007"), "a chat with a held reply holds its next replies"
    assert not await held.waiting("1008")
