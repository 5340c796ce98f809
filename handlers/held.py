"""A direct reply its transport could not send at once (the homeserver away, a 5xx, a long rate
limit), kept in the outbox as it was rendered, so that it goes out once the server is back —
once (the row's dedup key is the transaction id of the first try) and in order (the transport
holds that chat's later replies behind it until the outbox has sent it; ``bot/held.py``).

The person's message was handled once, when it came: only the sending waits. The reply is
stored as rendered, in the language it was written in; a file goes with it (its bytes in the
row, base64). An edit of an earlier message (a pressed card) keeps the id of the message it
edits (``edit_ref``, the key the outbox reads: ``db.outbox.EDIT_PARAM``): it edits that message
once the transport is back, or comes as a new message if the edit no longer can be made (the
message gone, or too old to edit).
"""

from __future__ import annotations

import base64
import binascii

from db.outbox_params import Params, Record
from handlers.i18n import Language
from handlers.router import Router
from handlers.types import Attachment, Button, Reply

router = Router("held")

#: A held reply's dedup key: this prefix and the transaction id its first try used.
KEY_PREFIX = "held:"


class HeldButton(Record):
    label: str
    payload: str | None = None
    url: str | None = None


class HeldFile(Record):
    filename: str
    mime_type: str = "application/octet-stream"
    content: str = ""  # base64
    file_id: str | None = None
    is_photo: bool = False
    is_voice: bool = False


class HeldReply(Params, template="held.reply"):
    text: str
    buttons: tuple[tuple[HeldButton, ...], ...] = ()
    attachment: HeldFile | None = None
    transient: bool = False
    commands: tuple[tuple[str, str], ...] | None = None  # the chat's menu (Telegram)
    edit_ref: str | None = None  # the message this reply edits (the key ``EDIT_PARAM``)

    @classmethod
    def of(cls, reply: Reply, *, edit_ref: str | None = None) -> HeldReply:
        """``reply`` as a row can keep it (a deferred file already made); ``edit_ref``: the
        message it was to edit (kept only when the reply is an edit)."""
        attachment = reply.attachment
        held_file = None
        if attachment is not None:
            held_file = HeldFile(
                filename=attachment.filename,
                mime_type=attachment.mime_type,
                content=base64.b64encode(attachment.content).decode("ascii"),
                file_id=attachment.file_id,
                is_photo=attachment.is_photo,
                is_voice=attachment.is_voice,
            )
        buttons = tuple(
            tuple(HeldButton(label=b.label, payload=b.payload, url=b.url) for b in row)
            for row in reply.buttons
        )
        text = reply.text or (reply.reaction or "")  # a reaction that could not be put
        return cls(
            text=text,
            buttons=buttons,
            attachment=held_file,
            transient=reply.transient,
            commands=reply.commands,
            edit_ref=edit_ref if reply.edit else None,
        )

    def reply(self) -> Reply:
        """The reply as it was rendered."""
        attachment = None
        if self.attachment is not None:
            held = self.attachment
            try:
                content = base64.b64decode(held.content, validate=True)
            except (binascii.Error, ValueError):
                content = b""
            attachment = Attachment(
                filename=held.filename,
                content=content,
                mime_type=held.mime_type,
                file_id=held.file_id,
                is_photo=held.is_photo,
                is_voice=held.is_voice,
            )
        buttons = tuple(
            tuple(Button(b.label, payload=b.payload, url=b.url) for b in row)
            for row in self.buttons
        )
        return Reply(
            self.text,
            buttons,
            attachment=attachment,
            transient=self.transient,
            commands=self.commands,
            edit=self.edit_ref is not None,
        )


@router.template(HeldReply)
def held_reply(lang: Language, params: HeldReply) -> Reply:
    """A direct reply sent late: as it was written (in the language it was written in)."""
    return params.reply()
