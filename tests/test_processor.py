"""Per-chat ordering of Telegram updates: chats run concurrently, one chat in order, and a chat
that floods the bot cannot make the others wait."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from telegram import Chat, Message, Update

from bot.telegram.processor import PerChatUpdateProcessor


def update(update_id: int, chat_id: int) -> Update:
    chat = Chat(chat_id, Chat.PRIVATE)
    return Update(update_id, message=Message(update_id, datetime.now(UTC), chat, text="hi"))


async def test_a_flooding_chat_does_not_hold_the_other_chats():
    processor = PerChatUpdateProcessor(max_concurrent_updates=4)
    release = asyncio.Event()
    order: list[int] = []

    async def slow(n: int) -> None:
        await release.wait()
        order.append(n)

    async def quick() -> None:
        order.append(-1)

    flood = [
        asyncio.create_task(processor.process_update(update(n, 1), slow(n))) for n in range(20)
    ]
    other = asyncio.create_task(processor.process_update(update(99, 2), quick()))
    await asyncio.wait_for(other, 2)  # the other chat is served while chat 1 is stuck
    assert order == [-1]
    release.set()
    await asyncio.gather(*flood)
    assert order[1:] == list(range(20)), "chat 1's updates keep their order"


async def test_no_more_than_the_limit_at_once():
    processor = PerChatUpdateProcessor(max_concurrent_updates=3)
    running = 0
    peak = 0

    async def work() -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.01)
        running -= 1

    await asyncio.gather(*(processor.process_update(update(n, 100 + n), work()) for n in range(12)))
    assert peak == 3
