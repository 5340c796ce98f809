"""``Reply`` → Bot API calls: inline keyboards, edits of the card a button was on, files, and
splitting text over Telegram's 4,096-character limit."""

from __future__ import annotations

import logging
from dataclasses import replace
from functools import lru_cache

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram._utils.types import JSONDict
from telegram.error import BadRequest

from bot.media import origin, passed_by_id, safe_copy
from handlers.types import MAX_MESSAGE_LENGTH, Attachment, Keyboard, Reply

log = logging.getLogger(__name__)


class _Keyboard(InlineKeyboardMarkup):
    """An inline keyboard put into the Bot API's JSON once, when it is made: python-telegram-bot
    would do it again for every message it goes under (a tenth of the CPU of sending a reply)."""

    __slots__ = ("_json",)

    def __init__(self, rows: list[list[InlineKeyboardButton]]) -> None:
        super().__init__(rows)
        with self._unfrozen():
            self._json = super().to_dict()

    def to_dict(self, recursive: bool = True) -> JSONDict:
        return self._json if recursive else super().to_dict(recursive=False)


def markup(buttons: Keyboard) -> InlineKeyboardMarkup | None:
    """The inline keyboard of ``buttons``; the same keyboard made lately is used again (the
    main menu, a form's choices go under many messages, and a keyboard never changes)."""
    if not buttons:
        return None
    return _made(tuple(tuple(row) for row in buttons))


@lru_cache(maxsize=512)
def _made(buttons: Keyboard) -> InlineKeyboardMarkup:
    return _Keyboard(
        [
            [
                InlineKeyboardButton(b.label, url=b.url)
                if b.url
                else InlineKeyboardButton(b.label, callback_data=b.payload)
                for b in row
            ]
            for row in buttons
        ]
    )


def split_text(text: str, limit: int = MAX_MESSAGE_LENGTH) -> list[str]:
    """Cut ``text`` into pieces Telegram accepts, at line breaks where possible."""
    pieces: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        cut = cut if cut > limit // 2 else limit
        pieces.append(text[:cut])
        text = text[cut:].lstrip("\n")
    pieces.append(text)
    return [piece for piece in pieces if piece.strip()] or ["…"]


async def react(bot: Bot, chat_id: int | str, reply: Reply, message_id: int | None) -> int | None:
    """Put ``reply.reaction`` on the person's message ``message_id`` (``setMessageReaction``);
    where that cannot be done (no such message, reactions turned off in the chat), send
    ``reply.text`` as a message instead. Returns the id of a message sent, or None."""
    if reply.reaction and message_id is not None:
        try:
            await bot.set_message_reaction(chat_id, message_id, reaction=reply.reaction)
            return None
        except BadRequest as exc:
            log.info("could not react to a message, answering with text: %s", exc)
    return await send(bot, chat_id, replace(reply, reaction=None))


async def _safe(bot: Bot, attachment: Attachment) -> Attachment:
    """A file a Telegram user sent, downloaded and scrubbed (``bot.media``) unless Telegram
    made it itself (a photo); anything else as it is."""
    file_id = attachment.file_id
    if not file_id or attachment.content or passed_by_id(attachment, "telegram"):
        return attachment
    if origin(file_id) != "telegram":  # the outbox fetches other transports' files first
        return attachment

    async def fetch(known: str) -> bytes:
        telegram_file = await bot.get_file(known)
        return bytes(await telegram_file.download_as_bytearray())

    return await safe_copy(attachment, fetch)


async def send(
    bot: Bot, chat_id: int | str, reply: Reply, *, edit_message_id: int | None = None
) -> int:
    """Send one reply; with ``edit_message_id`` and ``reply.edit``, edit that message instead.
    Returns the id of the (last) message that now shows it. A reaction is rendered by
    :func:`react`, which knows the person's message; here its ``text`` is sent."""
    keyboard = markup(reply.buttons)
    if reply.edit and edit_message_id is not None and reply.attachment is None:
        try:
            await bot.edit_message_text(
                reply.text[:MAX_MESSAGE_LENGTH],
                chat_id=chat_id,
                message_id=edit_message_id,
                reply_markup=keyboard,
            )
            return edit_message_id
        except BadRequest as exc:
            if "not modified" in str(exc).lower():
                return edit_message_id
            log.info("could not edit message, sending a new one: %s", exc)
    attachment = reply.attachment
    if attachment is not None:
        attachment = await _safe(bot, attachment)
        caption = reply.text[:1024] or None
        if attachment.is_photo:
            sent = await bot.send_photo(
                chat_id,
                attachment.file_id or attachment.content,
                caption=caption,
                reply_markup=keyboard,
            )
        elif attachment.is_voice:
            sent = await bot.send_voice(
                chat_id,
                attachment.file_id or attachment.content,
                caption=caption,
                reply_markup=keyboard,
            )
        else:
            document = attachment.file_id or attachment.content
            sent = await bot.send_document(
                chat_id,
                document,
                filename=attachment.filename,
                caption=caption,
                reply_markup=keyboard,
            )
        return sent.message_id
    pieces = split_text(reply.text)
    for index, piece in enumerate(pieces):
        last = index == len(pieces) - 1
        sent = await bot.send_message(chat_id, piece, reply_markup=keyboard if last else None)
    return sent.message_id
