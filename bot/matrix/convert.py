"""A Matrix room event (its JSON, as the homeserver sent it or as decrypted) → ``Inbound``.

What the bot does not act on becomes None: its own messages and any ``m.notice`` (a bot's
output, so two bots never answer each other), edits, redactions, reactions (the transport reads
those separately), membership and other state. In a room with more people than the bot and one
person, only commands and replies to the bot's cards count, as in a Telegram group.
"""

from __future__ import annotations

import re
from typing import Any

from handlers.types import ChatRef, Inbound, Kind, Sender

TRANSPORT = "matrix"
#: Commands start with ``!`` on Matrix (Element keeps ``/`` for itself); ``/`` is read too.
COMMAND = re.compile(r"^[!/]([A-Za-z][A-Za-z0-9_]{0,31})(?:\s+(.*))?$", re.DOTALL)
POLLS = ("m.poll.start", "org.matrix.msc3381.poll.start")
OTHER_MSGTYPES = ("m.video", "m.emote", "m.key.verification.request")


def strip_reply_fallback(body: str) -> str:
    """Drop the ``> <@who> quoted`` lines a client puts before the text of a reply."""
    lines = body.split("\n")
    index = 0
    while index < len(lines) and lines[index].startswith(">"):
        index += 1
    if index and index < len(lines) and not lines[index].strip():
        index += 1
    return "\n".join(lines[index:]) if index else body


def reply_target(content: dict[str, Any]) -> str | None:
    """The event id a message replies to, if it is a reply."""
    relates = content.get("m.relates_to")
    if not isinstance(relates, dict):
        return None
    in_reply = relates.get("m.in_reply_to")
    if isinstance(in_reply, dict) and isinstance(in_reply.get("event_id"), str):
        return in_reply["event_id"]
    return None


def is_edit(content: dict[str, Any]) -> bool:
    relates = content.get("m.relates_to")
    return isinstance(relates, dict) and relates.get("rel_type") == "m.replace"


def _geo(uri: str) -> tuple[float, float] | None:
    match = re.match(r"^geo:(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)", uri or "")
    return (float(match[1]), float(match[2])) if match else None


def file_ref(content: dict[str, Any]) -> str | None:
    """The file id of an ``m.image``/``m.file``: its ``mxc://`` URL, or for a file from an
    encrypted room (``file``) the URL, ``#`` and what decrypts it: ``key.iv.sha256``."""
    url = content.get("url")
    if isinstance(url, str) and url.startswith("mxc://"):
        return url
    encrypted = content.get("file")
    if not isinstance(encrypted, dict) or not isinstance(encrypted.get("url"), str):
        return None
    try:
        parts = (encrypted["key"]["k"], encrypted["iv"], encrypted["hashes"]["sha256"])
    except (KeyError, TypeError):
        return None
    if not encrypted["url"].startswith("mxc://") or not all(isinstance(p, str) for p in parts):
        return None
    return encrypted["url"] + "#" + ".".join(parts)


def to_inbound(
    event: dict[str, Any],
    *,
    room_id: str,
    is_group: bool,
    bot_user_id: str,
    display_name: str = "",
    reply_buttons: tuple[tuple[str, str], ...] = (),
) -> Inbound | None:
    """The ``Inbound`` for one timeline event, or None if the bot ignores it.

    ``reply_buttons`` are the buttons of the bot's message this one replies to (the transport
    looks them up): the text then counts as choosing one of them.
    """
    sender_id = event.get("sender")
    if not isinstance(sender_id, str) or sender_id == bot_user_id:
        return None
    kind = event.get("type")
    content = event.get("content")
    if not isinstance(content, dict):
        return None
    chat = ChatRef(TRANSPORT, room_id, is_group=is_group)
    sender = Sender(TRANSPORT, sender_id, display_name or sender_id)
    if kind == "m.sticker":
        return None if is_group else Inbound(chat, sender, Kind.STICKER, numbered_buttons=True)
    if kind in POLLS:
        return None if is_group else Inbound(chat, sender, Kind.OTHER, numbered_buttons=True)
    if kind != "m.room.message" or is_edit(content):
        return None
    msgtype = content.get("msgtype")
    body = content.get("body") if isinstance(content.get("body"), str) else ""
    reply_to = reply_target(content)
    if msgtype == "m.notice":
        return None  # another bot's output: answering it could start a loop
    if msgtype == "m.text":
        text = strip_reply_fallback(body) if reply_to else body
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
    url = file_ref(content)
    if msgtype == "m.image" and url:
        return Inbound(
            chat, sender, Kind.PHOTO, file_id=url, numbered_buttons=True, reply_to=reply_to
        )
    if msgtype == "m.file" and url:
        return Inbound(
            chat,
            sender,
            Kind.DOCUMENT,
            file_id=url,
            file_name=body,
            numbered_buttons=True,
            reply_to=reply_to,
        )
    if msgtype == "m.audio" and url:  # a voice message (Element's has ``org.matrix.msc3245.voice``)
        return Inbound(
            chat,
            sender,
            Kind.VOICE,
            file_id=url,
            file_name=body or "voice.ogg",
            numbered_buttons=True,
            reply_to=reply_to,
        )
    if msgtype == "m.location":
        where = _geo(content.get("geo_uri", ""))
        if where is not None:
            return Inbound(chat, sender, Kind.LOCATION, location=where, numbered_buttons=True)
    return Inbound(chat, sender, Kind.OTHER, numbered_buttons=True)


def reaction(event: dict[str, Any], *, bot_user_id: str) -> tuple[str, str] | None:
    """(event id reacted to, key) for someone else's ``m.reaction``."""
    if event.get("type") != "m.reaction" or event.get("sender") == bot_user_id:
        return None
    relates = (event.get("content") or {}).get("m.relates_to") or {}
    if relates.get("rel_type") != "m.annotation":
        return None
    target, key = relates.get("event_id"), relates.get("key")
    if isinstance(target, str) and isinstance(key, str):
        return target, key
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
