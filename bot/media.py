"""Files that cross transports.

A file a person sent is kept by handlers and the database as its transport's own id, carried
as an opaque string: a Telegram ``file_id``, or a Matrix ``mxc://`` URL (for a file from an
encrypted room, followed by ``#`` and the key to decrypt it, see ``bot.matrix.media``). The
shape tells the origin: ``mxc://`` is Matrix, anything else Telegram. When the outbox sends
such a file to a chat on the other transport, it fetches the bytes from the origin (its
deliverer's ``fetch``) and hands the destination a file to upload instead of an id.

Whatever crosses, and whatever a transport relays within itself, loses its metadata first
(``bot.scrub``): the destination is handed bytes drawn again, under a neutral name. The one file
passed on by id is a Telegram photo within Telegram: Telegram itself re-encoded it without
metadata when the person sent it as a photo (a picture sent as a file is a document, and is
scrubbed like any other).
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Protocol

from bot.scrub import scrubbed
from handlers.types import Attachment, Reply

log = logging.getLogger(__name__)
MATRIX_PREFIX = "mxc://"


class FileSource(Protocol):
    async def fetch(self, file_id: str) -> bytes:
        """The bytes of a file this transport knows by ``file_id``; raises ``DeliveryError``."""
        ...


def origin(file_id: str) -> str:
    """The transport that knows ``file_id``."""
    return "matrix" if file_id.startswith(MATRIX_PREFIX) else "telegram"


async def carried(reply: Reply, transport: str, sources: dict[str, object]) -> Reply:
    """``reply`` for ``transport``: an attachment known by another transport's id becomes
    its bytes, fetched from that transport (which raises ``DeliveryError`` if it cannot) and
    scrubbed; anything else is returned as it is (a transport scrubs its own files itself)."""
    attachment = reply.attachment
    if attachment is None or not attachment.file_id or attachment.content:
        return reply
    home = origin(attachment.file_id)
    if home == transport:
        return reply
    fetch = getattr(sources.get(home), "fetch", None)
    if fetch is None:  # not in this process (the console): the destination does what it can
        log.info("a file from %s cannot be fetched in this process", home)
        return reply
    return replace(reply, attachment=await safe_copy(attachment, fetch))


def passed_by_id(attachment: Attachment, transport: str) -> bool:
    """True for the one file a transport may pass on by its id: a Telegram photo to Telegram
    (re-encoded by Telegram without metadata when it was sent)."""
    file_id = attachment.file_id or ""
    return (
        transport == "telegram"
        and attachment.is_photo
        and bool(file_id)
        and origin(file_id) == "telegram"
    )


class SafeCopies:
    """Files already made safe, by file id, so that a picture sent to many people (a notice's,
    a case's photo to every mediator) is fetched and drawn once, not once per reader. Kept in
    this process's memory, the most recently used first, at most ``limit`` bytes."""

    def __init__(self, limit: int = 32 * 1024 * 1024) -> None:
        self.limit = limit
        self._copies: OrderedDict[tuple[str, bool], Attachment] = OrderedDict()
        self._size = 0

    def get(self, attachment: Attachment) -> Attachment | None:
        key = (attachment.file_id or "", attachment.is_photo)
        copy = self._copies.get(key)
        if copy is not None:
            self._copies.move_to_end(key)
        return copy

    def put(self, original: Attachment, copy: Attachment) -> None:
        key = (original.file_id or "", original.is_photo)
        if key in self._copies or len(copy.content) > self.limit:
            return
        self._copies[key] = copy
        self._size += len(copy.content)
        while self._size > self.limit:
            _, dropped = self._copies.popitem(last=False)
            self._size -= len(dropped.content)


#: One per process: the outbox and the replies of every transport share it (one event loop).
SAFE_COPIES = SafeCopies()


async def made_safe(attachment: Attachment, data: bytes) -> Attachment:
    """``attachment`` as ``data`` without metadata, under a neutral name (off the loop: a big
    picture takes a moment to draw)."""
    return await asyncio.to_thread(scrubbed, attachment, data)


async def safe_copy(attachment: Attachment, fetch: Callable[[str], Awaitable[bytes]]) -> Attachment:
    """The file a person sent (``attachment.file_id``), fetched with ``fetch`` and made safe;
    once made, the same copy again (``SAFE_COPIES``)."""
    copy = SAFE_COPIES.get(attachment)
    if copy is None:
        copy = await made_safe(attachment, await fetch(attachment.file_id or ""))
        SAFE_COPIES.put(attachment, copy)
    return replace(copy, make=None)
