"""``Reply`` → Matrix event content: an ``m.notice`` with a plain ``body`` and an HTML
``formatted_body``, the buttons as a numbered list under the text, edits as ``m.replace``.

The buttons' payloads travel in the event under ``BUTTONS_KEY`` so that a reply to the card
(or a reaction on it), even after a restart or on another worker, can be read as pressing one;
they are re-checked by the handlers like any payload, and only the bot's own events are read.
Texts written for every transport name commands with ``/``; here they are shown with ``!``,
and a Telegram deep link becomes the ``!start`` command that does the same.
"""

from __future__ import annotations

import html
import re
from typing import Any

from handlers.types import Reply

BUTTONS_KEY = "org.linli.buttons"
_DEEP_LINK = re.compile(r"https://t\.me/[A-Za-z0-9_]+\?start=([A-Za-z0-9_-]+)")


class Renderer:
    """Renders replies; ``commands`` are the command names whose ``/`` becomes ``!``."""

    def __init__(self, commands: frozenset[str] = frozenset()) -> None:
        names = "|".join(sorted((re.escape(c) for c in commands), key=len, reverse=True))
        self._command = re.compile(rf"(^|[^\w/.])/({names})\b") if names else None

    def bang(self, text: str) -> str:
        """``/events`` → ``!events``; a t.me deep link → ``!start ev_42``."""
        text = _DEEP_LINK.sub(lambda m: f"!start {m[1]}", text)
        if self._command is None:
            return text
        return self._command.sub(lambda m: f"{m[1]}!{m[2]}", text)

    def buttons(self, reply: Reply) -> list[tuple[str, str]]:
        """The pressable buttons, in the order they are numbered."""
        return [(b.label, b.payload) for row in reply.buttons for b in row if b.payload]

    def content(self, reply: Reply) -> dict[str, Any]:
        """The ``m.notice`` for the text and buttons of ``reply``."""
        text = self.bang(reply.text)
        numbered, numbered_html, links, links_html = [], [], [], []
        for row in reply.buttons:
            for button in row:
                if button.payload is not None:
                    numbered.append(f"{len(numbered) + 1}. {button.label}")
                    numbered_html.append(f"<b>{len(numbered)}.</b> {html.escape(button.label)}")
                elif button.url:
                    target = self.bang(button.url)
                    links.append(f"🔗 {button.label}: {target}")
                    label = html.escape(button.label)
                    links_html.append(
                        f"🔗 {label}: <code>{html.escape(target)}</code>"
                        if target.startswith("!")
                        else f'🔗 <a href="{html.escape(target)}">{label}</a>'
                    )
        extra, extra_html = [*links, *numbered], [*links_html, *numbered_html]
        body = text + ("\n\n" + "\n".join(extra) if extra else "")
        formatted = html.escape(text).replace("\n", "<br>")
        if extra_html:
            formatted += "<br><br>" + "<br>".join(extra_html)
        content: dict[str, Any] = {
            "msgtype": "m.notice",
            "body": body,
            "format": "org.matrix.custom.html",
            "formatted_body": formatted,
        }
        buttons = self.buttons(reply)
        if buttons:
            content[BUTTONS_KEY] = [[label, payload] for label, payload in buttons]
        return content

    def edit(self, reply: Reply, event_id: str) -> dict[str, Any]:
        """An ``m.replace`` of ``event_id`` with the new text and buttons."""
        new = self.content(reply)
        content = {
            "msgtype": new["msgtype"],
            "body": "* " + new["body"],
            "format": new["format"],
            "formatted_body": "* " + new["formatted_body"],
            "m.new_content": new,
            "m.relates_to": {"rel_type": "m.replace", "event_id": event_id},
        }
        if BUTTONS_KEY in new:
            content[BUTTONS_KEY] = new[BUTTONS_KEY]
        return content


def buttons_of(content: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """The buttons a bot's event carries (its latest edit's, if ``content`` is an edit)."""
    source = content.get("m.new_content") if isinstance(content.get("m.new_content"), dict) else {}
    raw = (source or content).get(BUTTONS_KEY)
    if not isinstance(raw, list):
        return ()
    pairs = []
    for item in raw:
        if (
            isinstance(item, list)
            and len(item) == 2
            and all(isinstance(part, str) for part in item)
        ):
            pairs.append((item[0], item[1]))
    return tuple(pairs)


#: The event type of a reaction.
REACTION = "m.reaction"


def reaction_content(reply: Reply, event_id: str) -> dict[str, Any]:
    """An ``m.annotation`` with ``reply.reaction`` on the person's event ``event_id``."""
    return {
        "m.relates_to": {"rel_type": "m.annotation", "event_id": event_id, "key": reply.reaction}
    }
