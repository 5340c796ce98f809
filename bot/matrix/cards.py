"""Which options each of the bot's cards shows, so that a reply "1" or a ✋ reaction to a card
is read against *that card's* buttons.

The buttons travel in the card itself (``render.BUTTONS_KEY``), so the homeserver is the memory
that outlives a restart or serves another worker; this keeps the cards seen lately (sent, edited
or looked up) in memory, at most ``KEPT`` of them, least recently used dropped first. A card
dropped here is read again from the homeserver. One the homeserver no longer gives (redacted,
purged, or never visible to the bot) has options nobody knows any more: ``options`` returns None,
and the transport answers a choice made on it with one polite line instead of guessing.
"""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from typing import Any

from nio import AsyncClient, EncryptionError, MegolmEvent, RedactedEvent, RoomGetEventResponse
from nio.api import RelationshipType

from bot.matrix.render import buttons_of

Options = tuple[tuple[str, str], ...]

#: The most cards whose options are kept in memory (a card's entry is a few hundred bytes).
KEPT = 2048


class Cards:
    """The options of the bot's cards: the ``KEPT`` used last in memory, the rest read back
    from the homeserver."""

    def __init__(self, client: AsyncClient, kept: int = KEPT) -> None:
        self.client = client
        self.kept = kept
        self._options: OrderedDict[str, Options] = OrderedDict()

    def __len__(self) -> int:
        return len(self._options)

    def __contains__(self, event_id: object) -> bool:
        return event_id in self._options

    def sent(self, event_id: str, options: Options) -> None:
        """The bot has just sent the card ``event_id`` with ``options``."""
        self._options[event_id] = options
        self._options.move_to_end(event_id)
        while len(self._options) > self.kept:
            self._options.popitem(last=False)

    def edited(self, event_id: str, options: Options) -> None:
        """The card was edited to show ``options``. One edited to show none (a request just
        claimed) keeps its last ones: whoever replied to what they saw a moment ago is answered
        by the handler, which checks again ("already taken by …"), as a stale button is on
        Telegram."""
        if options or event_id not in self._options:
            self.sent(event_id, options)
        else:
            self._options.move_to_end(event_id)

    def known(self, event_id: str) -> Options | None:
        """The options in memory (None: not in memory)."""
        options = self._options.get(event_id)
        if options is not None:
            self._options.move_to_end(event_id)
        return options

    async def options(self, room_id: str, event_id: str) -> Options | None:
        """The buttons now on the bot's message ``event_id`` (its latest edit's), from memory
        or else from the homeserver; () if it is not the bot's or has none; None if the
        homeserver no longer gives it (its options are forgotten)."""
        known = self.known(event_id)
        if known is not None:
            return known
        response = await self.client.room_get_event(room_id, event_id)
        if not isinstance(response, RoomGetEventResponse):
            return None  # M_NOT_FOUND / M_FORBIDDEN: gone, or never ours to see
        event = self._readable(response.event)
        if getattr(event, "sender", None) != self.client.user_id:
            return ()
        if isinstance(event, (RedactedEvent, MegolmEvent)):
            return None  # redacted, or a key the device no longer has
        # Raw: our buttons are a key of our own in the content; nio has no type for it.
        options = buttons_of(event.source.get("content") or {})
        async for edit in self.client.room_get_event_relations(
            room_id, event_id, RelationshipType.replacement, limit=1
        ):
            edit = self._readable(edit)
            if getattr(edit, "sender", None) == self.client.user_id:
                options = buttons_of(edit.source.get("content") or {}) or options
                break
        self.sent(event_id, options)
        return options

    def _readable(self, event: Any) -> Any:
        """The event, decrypted where it came encrypted (the homeserver's copy of a card in an
        encrypted room is a ``MegolmEvent``; the device holds the session it was sent with)."""
        if isinstance(event, MegolmEvent) and self.client.olm is not None:
            with contextlib.suppress(EncryptionError):
                return self.client.decrypt_event(event)
        return event
