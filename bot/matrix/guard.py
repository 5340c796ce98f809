"""Matrix as a closed community: who may reach the bot, which rooms it stays in, and what it
does with events it cannot read.

- Only people on an allowed homeserver (``LINLI_MATRIX_ALLOWED_SERVERS``, by default the bot's
  own) are served. Anyone else's messages and reactions are refused with one polite line per
  sender (in a private room), then silence; nothing of theirs is stored.
- Invites: a direct chat from a person on an allowed server is joined; any other room only when
  an admin or a role holder invited the bot, and only if the room itself lives on an allowed
  server. Other invites are declined.
- A member joining a team's room who holds no role in the team holds the room
  (``db.teams.hold_room``); a private chat that gains a third member is private no more.
- A message the bot cannot decrypt counts against the sender's flood limit, and is answered at
  most once an hour per sender.
- A number or keycap chosen on a card whose options are forgotten (``bot/matrix/cards.py``) gets
  one polite line, also counted by the flood guard; nothing is pressed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from nio import InviteEvent, InviteMemberEvent, RoomMemberEvent

from bot.matrix import convert
from bot.outage import patiently
from db import teams
from db.users import find_user
from handlers.i18n import N_, language, negotiate
from handlers.start import slow_down
from handlers.types import Reply, RoomFacts

if TYPE_CHECKING:
    from bot.matrix.client import MatrixTransport

log = logging.getLogger(__name__)

TRANSPORT = convert.TRANSPORT
#: How often one sender is told that a message could not be decrypted.
UNDECRYPTABLE_EVERY = 3600.0
UNDECRYPTABLE = N_(
    "I could not read your last message: it was encrypted with a key I do not have. "
    "Please send it again."
)
FORGOTTEN = N_(
    "That card is too old: I no longer know its options. Please choose on a newer card, "
    "or send /menu."
)
FOREIGN = N_(
    "Sorry, this community's assistant serves only accounts on its own homeserver. "
    "I cannot read or keep your messages."
)


class Guard:
    """The closed community's rules for one transport (see the module's doc)."""

    def __init__(
        self, transport: MatrixTransport, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.transport = transport
        self.servers = transport.config.servers
        self._clock = clock
        self._told_foreign: set[str] = set()
        self._undecryptable_told: dict[str, float] = {}

    @property
    def _bot(self) -> str:
        return self.transport.client.user_id or ""

    def allowed(self, mxid: str) -> bool:
        """Whether ``mxid`` (a person, or a room id that names its server) is on an allowed
        homeserver."""
        return convert.server_of(mxid) in self.servers

    def room_allowed(self, room_id: str, creator: str | None) -> bool:
        """Whether the room lives on an allowed homeserver: the one its id names, or (room
        version 12 ids name none) its creator's where known. (A room's events are copied to
        the server of each member: members from elsewhere are checked one by one.)"""
        if ":" in room_id:
            return self.allowed(room_id)
        return not creator or self.allowed(creator)

    # -- invites ---------------------------------------------------------------------------

    async def on_invite(self, room_id: str, events: list[InviteEvent]) -> None:
        """Join the room, or decline the invite (see the module's doc). nio keeps of the
        invite's stripped state only the member, name and alias events (its invite parser
        drops ``m.room.create``), so the room's creator is taken to be the inviter."""
        inviter, direct = None, False
        for event in events:
            if (
                isinstance(event, InviteMemberEvent)
                and event.state_key == self._bot
                and event.membership == "invite"
            ):
                inviter = event.sender
                direct = bool(event.content.get("is_direct"))
        client = self.transport.client
        if inviter and await patiently(
            "Matrix", self._may_invite, room_id, inviter, direct, inviter
        ):
            await client.join(room_id)
            return
        log.info("Matrix: declined an invite to a room (not from the community's people)")
        await client.room_leave(room_id)

    def _may_invite(self, room_id: str, inviter: str, direct: bool, creator: str) -> bool:
        if not (self.allowed(inviter) and self.room_allowed(room_id, creator)):
            return False
        if direct:
            return True
        if f"{TRANSPORT}:{inviter}" in self.transport.dispatcher.community.admin_refs:
            return True
        with self.transport.dispatcher.session_factory() as session:
            user = find_user(session, TRANSPORT, inviter)
            return bool(user and user.role_names)

    # -- people from other servers ----------------------------------------------------------

    async def foreign(self, room_id: str, sender: str, group: bool) -> None:
        """One polite line to a sender from another server (in a private room), then silence."""
        if group or sender in self._told_foreign:
            return
        if len(self._told_foreign) > 100_000:  # memory stays bounded; a few are told twice
            self._told_foreign.clear()
        self._told_foreign.add(sender)
        community = self.transport.dispatcher.community
        text = language(community.default_locale, community.timezone.key).gettext(FOREIGN)
        log.info("Matrix: refused a message from a homeserver that is not allowed")
        await self.transport._reply(room_id, Reply(text), None, None)

    # -- membership -------------------------------------------------------------------------

    def facts(self, room_id: str) -> RoomFacts:
        """The room's members and settings (for ``/bind``), None for an unknown room."""
        room = self.transport.client.rooms.get(room_id)
        if room is None:  # nothing known of it: it cannot pass the checks
            return RoomFacts(members=(), encrypted=False, allowed=self.room_allowed(room_id, None))
        members = tuple(sorted(who for who in room.users if who != self._bot))
        return RoomFacts(
            members=members,
            foreign=tuple(who for who in members if not self.allowed(who)),
            encrypted=bool(room.encrypted),
            allowed=self.room_allowed(room_id, getattr(room, "creator", None) or None),
        )

    async def on_member(self, room_id: str, event: RoomMemberEvent) -> None:
        """Someone joined or was invited: a stranger in a team's room holds it; a private chat
        with a third member is private no more."""
        member = event.state_key
        if event.membership not in ("join", "invite") or member == self._bot:
            return
        room = self.transport.client.rooms.get(room_id)
        others = [who for who in (room.users if room else ()) if who != self._bot]
        await patiently("Matrix", self._member_joined, room_id, member, len(others))

    def _member_joined(self, room_id: str, member: str, others: int) -> None:
        dispatcher = self.transport.dispatcher
        admins = dispatcher.community.admin_refs
        with dispatcher.session_factory() as session, session.begin():
            now = dispatcher.clock()
            foreign = not self.allowed(member)
            for team in teams.member_joined(
                session, TRANSPORT, room_id, member, admins, now, foreign=foreign
            ):
                log.warning(
                    "Matrix: someone without a role joined the %s' room; it is held until an "
                    "admin binds it again",
                    team,
                )
            if others > 1 and teams.forget_private_chat(session, TRANSPORT, room_id):
                log.info("Matrix: a private chat gained a member; private messages stop there")
            wrote = session.info.pop("outbox_written", False)
        if wrote and dispatcher.on_outbox is not None:
            dispatcher.on_outbox()

    def held(self, room_id: str) -> bool:
        with self.transport.dispatcher.session_factory() as session:
            return teams.is_held(session, TRANSPORT, room_id)

    # -- undecryptable messages -------------------------------------------------------------

    async def undecryptable(self, room_id: str, sender: str) -> bool:
        """Counted by the flood guard; answered at most once an hour per sender. True when
        this one was answered."""
        dispatcher = self.transport.dispatcher
        verdict = await patiently("Matrix", dispatcher.flood.check, f"{TRANSPORT}:{sender}")
        if verdict == "drop":
            return False
        now = self._clock()
        if verdict == "ok":
            last = self._undecryptable_told.get(sender)
            if last is not None and now - last < UNDECRYPTABLE_EVERY:
                return False
            self._undecryptable_told[sender] = now
            if len(self._undecryptable_told) > 4096:
                self._undecryptable_told = {
                    who: at
                    for who, at in self._undecryptable_told.items()
                    if now - at < UNDECRYPTABLE_EVERY
                }
        text = await patiently("Matrix", self._text, sender, verdict, UNDECRYPTABLE)
        await self.transport._reply(room_id, Reply(text), None, None)
        return True

    # -- cards whose options are forgotten --------------------------------------------------

    async def forgotten_card(self, room_id: str, sender: str, event_id: str) -> None:
        """A number or keycap chosen on a card whose options nobody knows any more
        (``bot/matrix/cards.py``): one polite line, counted by the flood guard."""
        dispatcher = self.transport.dispatcher
        verdict = await patiently("Matrix", dispatcher.flood.check, f"{TRANSPORT}:{sender}")
        if verdict == "drop":
            return
        text = await patiently("Matrix", self._text, sender, verdict, FORGOTTEN)
        txn = f"forgotten-{event_id}"  # handled again after a restart: not shown twice
        await self.transport._reply(room_id, Reply(text), None, txn)

    def _text(self, sender: str, verdict: str, message: str) -> str:
        dispatcher = self.transport.dispatcher
        community = dispatcher.community
        with dispatcher.session_factory() as session:
            user = find_user(session, TRANSPORT, sender)
            chosen = user.locale if user else None
        code = negotiate(chosen, None, community.default_locale)
        gettext = language(code, community.timezone.key).gettext
        return slow_down(gettext) if verdict == "warn" else gettext(message)
