"""A Matrix room event (as matrix-nio parsed it: ``RoomMessageText``, ``RoomMessageImage``,
``RoomEncryptedFile``, ``ReactionEvent``, …; decrypted where nio could) → ``Inbound``.

What the bot does not act on becomes None: its own messages and any ``m.notice`` (a bot's
output, so two bots never answer each other), edits, redactions, reactions (the transport reads
nio's ``ReactionEvent`` against the card's options), membership and other state. In a room
with more people than the bot and one person, only commands and replies to the bot's cards
count, as in a Telegram group.
"""

from __future__ import annotations

import re
from typing import Any

from nio import (
    BadEvent,
    Event,
    RoomEncryptedAudio,
    RoomEncryptedFile,
    RoomEncryptedImage,
    RoomEncryptedMedia,
    RoomMessage,
    RoomMessageAudio,
    RoomMessageFile,
    RoomMessageImage,
    RoomMessageMedia,
    RoomMessageNotice,
    RoomMessageText,
    RoomMessageUnknown,
    StickerEvent,
    UnknownBadEvent,
    UnknownEvent,
)

from handlers.types import ChatRef, Inbound, Kind, Sender

TRANSPORT = "matrix"
#: Commands start with ``!`` on Matrix (Element keeps ``/`` for itself); ``/`` is read too.
COMMAND = re.compile(r"^[!/]([A-Za-z][A-Za-z0-9_]{0,31})(?:\s+(.*))?$", re.DOTALL)
POLLS = ("m.poll.start", "org.matrix.msc3381.poll.start")


def server_of(mxid: str) -> str:
    """The homeserver part of a Matrix id (``@li:example.org`` → ``example.org``), or of a
    room id; "" when there is none."""
    _, sep, server = mxid.partition(":")
    return server.lower() if sep else ""


def person_name(display_name: str | None, mxid: str) -> str:
    """The name others may see: the room member's display name, never the account (an MXID,
    or a display name that is only the MXID or its localpart); "" when there is none."""
    name = (display_name or "").strip()
    localpart = mxid.partition(":")[0]
    if not name or name in (mxid, localpart, localpart.lstrip("@")) or _MXID_LIKE.search(name):
        return ""
    return name


_MXID_LIKE = re.compile(r"@[^\s:]+:[A-Za-z0-9.-]+")


def strip_reply_fallback(body: str) -> str:
    """Drop the ``> <@who> quoted`` lines a client puts before the text of a reply."""
    lines = body.split("\n")
    index = 0
    while index < len(lines) and lines[index].startswith(">"):
        index += 1
    if index and index < len(lines) and not lines[index].strip():
        index += 1
    return "\n".join(lines[index:]) if index else body


def _relates(event: Event | BadEvent) -> dict[str, Any]:
    """The event's ``m.relates_to``. Raw: nio parses no relations on room messages (only
    ``ReactionEvent`` has its target), so replies and edits are read from the source."""
    content = event.source.get("content")
    relates = content.get("m.relates_to") if isinstance(content, dict) else None
    return relates if isinstance(relates, dict) else {}


def reply_target(event: Event | BadEvent) -> str | None:
    """The event id a message replies to, if it is a reply."""
    in_reply = _relates(event).get("m.in_reply_to")
    if isinstance(in_reply, dict) and isinstance(in_reply.get("event_id"), str):
        return in_reply["event_id"]
    return None


def is_edit(event: Event | BadEvent) -> bool:
    return _relates(event).get("rel_type") == "m.replace"


def _geo(uri: object) -> tuple[float, float] | None:
    text = uri if isinstance(uri, str) else ""
    match = re.match(r"^geo:(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)", text)
    return (float(match[1]), float(match[2])) if match else None


def file_ref(event: RoomMessageMedia | RoomEncryptedMedia) -> str | None:
    """The file id of an image, file or audio message: its ``mxc://`` URL, or for a file from
    an encrypted room (nio's ``RoomEncrypted*``) the URL, ``#`` and what decrypts it:
    ``key.iv.sha256``."""
    if not event.url.startswith("mxc://"):
        return None
    if isinstance(event, RoomMessageMedia):
        return event.url
    parts = (event.key.get("k"), event.iv, event.hashes.get("sha256"))
    if not all(isinstance(part, str) for part in parts):
        return None
    return event.url + "#" + ".".join(parts)  # type: ignore[arg-type]


def to_inbound(
    event: Event | BadEvent | UnknownBadEvent,
    *,
    room_id: str,
    is_group: bool,
    bot_user_id: str,
    display_name: str = "",
    reply_buttons: tuple[tuple[str, str], ...] = (),
) -> Inbound | None:
    """The ``Inbound`` for one timeline event (as nio parsed it, decrypted where it could),
    or None if the bot ignores it.

    ``reply_buttons`` are the buttons of the bot's message this one replies to (the transport
    looks them up): the text then counts as choosing one of them.
    """
    if isinstance(event, UnknownBadEvent):
        return None  # no sender or id: nothing to answer
    sender_id = event.sender
    if not isinstance(sender_id, str) or sender_id == bot_user_id:
        return None
    chat = ChatRef(TRANSPORT, room_id, is_group=is_group)
    sender = Sender(TRANSPORT, sender_id, person_name(display_name, sender_id))
    if isinstance(event, BadEvent):
        event = _plain(event)
    if isinstance(event, BadEvent):
        return _unreadable(event, chat, sender)
    if isinstance(event, StickerEvent):
        return None if is_group else Inbound(chat, sender, Kind.STICKER, numbered_buttons=True)
    if isinstance(event, UnknownEvent) and event.type in POLLS:  # nio has no poll type
        return None if is_group else Inbound(chat, sender, Kind.OTHER, numbered_buttons=True)
    if not isinstance(event, RoomMessage) or is_edit(event):
        return None
    if isinstance(event, RoomMessageNotice):
        return None  # another bot's output: answering it could start a loop
    reply_to = reply_target(event)
    if isinstance(event, RoomMessageText):
        text = strip_reply_fallback(event.body) if reply_to else event.body
        command = COMMAND.match(text.strip())
        if command:
            return Inbound(
                chat,
                sender,
                Kind.COMMAND,
                text=text,
                command=command[1].lower(),
                args=(command[2] or "").strip(),
                numbered_buttons=True,
            )
        if is_group and not reply_buttons:
            return None  # in a team room: commands and replies to cards only
        return Inbound(
            chat,
            sender,
            Kind.TEXT,
            text=text,
            numbered_buttons=True,
            reply_to=reply_to,
            reply_buttons=reply_buttons,
        )
    if is_group:
        return None
    if isinstance(event, (RoomMessageMedia, RoomEncryptedMedia)):
        return _file(event, chat, sender, reply_to)
    if isinstance(event, RoomMessageUnknown) and event.msgtype == "m.location":
        where = _geo(event.content.get("geo_uri"))  # nio has no location type
        if where is not None:
            return Inbound(chat, sender, Kind.LOCATION, location=where, numbered_buttons=True)
    return Inbound(chat, sender, Kind.OTHER, numbered_buttons=True)  # emote, video, …


def _file(
    event: RoomMessageMedia | RoomEncryptedMedia,
    chat: ChatRef,
    sender: Sender,
    reply_to: str | None,
) -> Inbound:
    """A photo, a file or a voice message (Element's has ``org.matrix.msc3245.voice``)."""
    url = file_ref(event)
    if url and isinstance(event, (RoomMessageImage, RoomEncryptedImage)):
        return Inbound(
            chat, sender, Kind.PHOTO, file_id=url, numbered_buttons=True, reply_to=reply_to
        )
    if url and isinstance(event, (RoomMessageFile, RoomEncryptedFile)):
        return Inbound(
            chat,
            sender,
            Kind.DOCUMENT,
            file_id=url,
            file_name=event.body,
            numbered_buttons=True,
            reply_to=reply_to,
        )
    if url and isinstance(event, (RoomMessageAudio, RoomEncryptedAudio)):
        return Inbound(
            chat,
            sender,
            Kind.VOICE,
            file_id=url,
            file_name=event.body or "voice.ogg",
            numbered_buttons=True,
            reply_to=reply_to,
        )
    return Inbound(chat, sender, Kind.OTHER, numbered_buttons=True)  # a video


def _plain(event: BadEvent) -> Event | BadEvent:
    """nio parses a decrypted image, file or audio only as ``RoomEncrypted*`` (which wants the
    ``file`` key): one sent in an encrypted room with a plain ``url`` comes as a ``BadEvent``,
    and is parsed again the way nio parses a message from an unencrypted room."""
    if not event.decrypted or event.type != "m.room.message":
        return event
    again = RoomMessage.parse_event(event.source)
    return again if isinstance(again, RoomMessage) else event


def _unreadable(event: BadEvent, chat: ChatRef, sender: Sender) -> Inbound | None:
    """A message nio could not parse (a file without its URL, a sticker without a body) in a
    private chat: "I cannot use that", as for any message the bot cannot use."""
    if chat.is_group or is_edit(event) or not isinstance(event.source.get("content"), dict):
        return None
    if event.type == "m.sticker":
        return Inbound(chat, sender, Kind.STICKER, numbered_buttons=True)
    if event.type == "m.room.message":
        content = event.source["content"]
        if content.get("msgtype") == "m.notice":
            return None
        return Inbound(chat, sender, Kind.OTHER, numbered_buttons=True)
    return None


KEYCAPS = ("1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣", "6️⃣", "7️⃣", "8️⃣", "9️⃣", "🔟")


def reacted_payload(key: str, buttons: tuple[tuple[str, str], ...]) -> str | None:
    """The button a reaction chooses: a keycap number (1️⃣ is the first option) or the emoji
    a label starts with (✋ for "✋ Claim")."""
    key = key.strip()
    if key in KEYCAPS:
        index = KEYCAPS.index(key)
        return buttons[index][1] if index < len(buttons) else None
    bare = key.replace("\ufe0f", "")
    for label, payload in buttons:
        if bare and label.replace("\ufe0f", "").startswith(bare):
            return payload
    return None
