"""An update processor that handles different chats concurrently and each chat in order."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.telegram.convert import chat_key


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Up to ``max_concurrent_updates`` at once, but one at a time per chat, in arrival order.

    python-telegram-bot starts one task per update, in order; each waits here on its chat's
    lock (``asyncio.Lock`` wakes waiters first come, first served) and only then takes one of
    the ``max_concurrent_updates`` slots. The base class would take the slot first, so one chat
    sending hundreds of updates could hold every slot while its updates queue behind each other,
    and every other chat would wait.
    """

    def __init__(self, max_concurrent_updates: int = 256) -> None:
        super().__init__(max_concurrent_updates)
        self._slots = asyncio.BoundedSemaphore(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._holders: dict[int, int] = {}

    async def process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Skip the base class's semaphore: ``do_process_update`` takes a slot itself, after
        the chat's turn has come."""
        await self.do_process_update(update, coroutine)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = chat_key(update) if isinstance(update, Update) else None
        if key is None:
            async with self._slots:
                await coroutine
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._holders[key] = self._holders.get(key, 0) + 1
        try:
            async with lock, self._slots:
                await coroutine
        finally:
            self._holders[key] -= 1
            if not self._holders[key]:
                del self._holders[key]
                del self._locks[key]

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass
