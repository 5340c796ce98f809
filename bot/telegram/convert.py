"""Telegram ``Update`` → ``Inbound``. Anything the bot does not act on (edits, service
messages, channel posts, other bots' commands in a group) becomes None and is ignored."""

from __future__ import annotations

from telegram import Message, Update
from telegram.constants import ChatType, MessageEntityType

from handlers.types import ChatRef, Inbound, Kind, Sender

TRANSPORT = "telegram"


def chat_key(update: Update) -> int | None:
    """The chat whose updates must be handled in order."""
    chat = update.effective_chat
    if chat is not None:
        return chat.id
    user = update.effective_user
    return user.id if user is not None else None


def _sender(user) -> Sender:  # telegram.User
    return Sender(
        transport=TRANSPORT,
        external_id=str(user.id),
        display_name=user.full_name or "",
        username=user.username,
        language_hint=user.language_code,
    )


def _chat(message: Message) -> ChatRef:
    return ChatRef(TRANSPORT, str(message.chat.id), is_group=message.chat.type != ChatType.PRIVATE)


def _command(message: Message, bot_username: str | None) -> tuple[str, str] | None:
    """("start", "ev_42") for "/start@linli_bot ev_42"; None if not a command for us."""
    text = message.text or ""
    entities = message.entities or ()
    if not text.startswith("/") or not any(
        e.type == MessageEntityType.BOT_COMMAND and e.offset == 0 for e in entities
    ):
        return None
    word, _, args = text[1:].partition(" ")
    name, _, addressee = word.partition("@")
    if addressee and bot_username and addressee.lower() != bot_username.lower():
        return None
    return name.lower(), args.strip()


def to_inbound(update: Update, *, bot_username: str | None) -> Inbound | None:
    query = update.callback_query
    if query is not None:
        message = query.message
        if message is None or query.data is None:
            return None
        return Inbound(
            chat=ChatRef(
                TRANSPORT, str(message.chat.id), is_group=message.chat.type != ChatType.PRIVATE
            ),
            sender=_sender(query.from_user),
            kind=Kind.BUTTON,
            payload=query.data,
            message_ref=str(message.message_id),
        )

    message = update.message
    if message is None or message.from_user is None or message.from_user.is_bot:
        return None
    chat, sender = _chat(message), _sender(message.from_user)
    command = _command(message, bot_username)
    if command is not None:
        return Inbound(
            chat, sender, Kind.COMMAND, text=message.text or "", command=command[0], args=command[1]
        )
    if chat.is_group:
        return None  # in groups the bot acts on commands and buttons only
    replied = message.reply_to_message  # a reply goes to that message's conversation
    reply_to = str(replied.message_id) if replied is not None else None
    if message.text is not None:
        return Inbound(chat, sender, Kind.TEXT, text=message.text, reply_to=reply_to)
    caption = message.caption or ""
    if message.photo:
        return Inbound(
            chat,
            sender,
            Kind.PHOTO,
            text=caption,
            file_id=message.photo[-1].file_id,
            reply_to=reply_to,
            album=message.media_group_id,
        )
    voice = message.voice or message.audio
    if voice is not None:
        return Inbound(
            chat,
            sender,
            Kind.VOICE,
            text=caption,
            file_id=voice.file_id,
            file_name=getattr(voice, "file_name", None) or "voice.ogg",
            reply_to=reply_to,
        )
    if message.document is not None:
        return Inbound(
            chat,
            sender,
            Kind.DOCUMENT,
            text=caption,
            file_id=message.document.file_id,
            file_name=message.document.file_name,
            reply_to=reply_to,
        )
    if message.location is not None:
        return Inbound(
            chat,
            sender,
            Kind.LOCATION,
            location=(message.location.latitude, message.location.longitude),
        )
    if message.sticker is not None:
        return Inbound(chat, sender, Kind.STICKER)
    if message.new_chat_members or message.left_chat_member or message.pinned_message:
        return None
    return Inbound(chat, sender, Kind.OTHER, text=caption)
