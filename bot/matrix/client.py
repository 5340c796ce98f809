"""The Matrix transport on matrix-nio: log in (once; the device is kept), sync, turn events into
dispatcher calls, send the replies, and deliver the outbox's messages.

- The device's credentials, its Olm/Megolm keys (nio's store, vodozemac inside) and the sync
  token live in ``<data>/matrix/`` (``bot/matrix/device.py``). A reply's transaction id is
  derived from the event it answers (an outbox message's from its row), so a send repeated
  after a restart is recognised by the homeserver and not shown twice.
- The first start reads no history: the rooms' old messages are skipped, invites are taken.
- A homeserver that cannot be reached (at start or mid-sync) is retried with back-off; nothing
  else in the process waits for it.
- Rooms are handled concurrently, each room's events in order.
- A direct reply the homeserver does not take (away, a 5xx, a long rate limit) is handed to the
  outbox (``bot/held.py``): the sync token moves on, the person's message is not handled
  again, and the reply goes out once the homeserver is back, once and in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import uuid
from dataclasses import replace
from typing import Any

from aiohttp import ClientError
from nio import (
    AsyncClientConfig,
    ErrorResponse,
    Event,
    MegolmEvent,
    ReactionEvent,
    RoomMemberEvent,
    RoomMessageText,
    RoomSendResponse,
    SyncResponse,
)

from bot.dispatcher import Dispatcher
from bot.held import HeldReplies, held_txn
from bot.matrix import convert, media
from bot.matrix.cards import Cards, Options
from bot.matrix.device import Device, MatrixConfig, MatrixUnavailable, PrivateStoreClient
from bot.matrix.device import matrix_config as matrix_config  # where bot/cli.py finds it
from bot.matrix.guard import Guard
from bot.matrix.render import REACTION, Renderer, reaction_content
from bot.media import safe_copy
from bot.outage import patiently
from bot.outbox import DeliveryError, delivering, delivering_key, delivering_private
from handlers.types import Inbound, Kind, Reply

log = logging.getLogger(__name__)

TRANSPORT = convert.TRANSPORT
#: The longest a direct reply waits out a rate limit before giving up on it.
MAX_REPLY_WAIT = 30.0
#: How long messages to a held team room wait before the outbox looks again.
HELD_WAIT = 60.0


def _txn(key: object, part: str = "") -> str | None:
    """A transaction id derived from ``key`` (None: nio makes a random one)."""
    if key is None:
        return None
    return "linli-" + hashlib.sha256(f"{key}|{part}".encode()).hexdigest()[:40]


def _chose(body: str) -> bool:
    """Whether a reply's text is a number, as when it picks a card's option."""
    return convert.strip_reply_fallback(body).strip().isdecimal()


def _retry_after(response: ErrorResponse) -> float | None:
    if response.status_code == "M_LIMIT_EXCEEDED" or response.retry_after_ms:
        return (response.retry_after_ms or 1000) / 1000
    return None


class MatrixTransport:
    """One logged-in device: the sync loop, the replies and the outbox's sends."""

    def __init__(self, config: MatrixConfig, dispatcher: Dispatcher) -> None:
        self.config = config
        self.dispatcher = dispatcher
        self.renderer = Renderer(frozenset(dispatcher.registry.commands))
        self.device = Device(config)
        self.client = PrivateStoreClient(
            config.homeserver,
            config.user_id,
            store_path=str(config.store),
            config=AsyncClientConfig(
                encryption_enabled=True,
                store_sync_tokens=False,  # ours is saved after the batch was handled
                max_limit_exceeded=0,  # a 429 comes back to us (the outbox's retry_after)
                max_timeouts=1,
                request_timeout=30,
                pickle_key=self.device.pickle_key,  # secret, beside the credentials
            ),
        )
        self.client.device = self.device
        self.guard = Guard(self)
        self.next_batch: str | None = None
        self.cards = Cards(self.client)
        self._locks: dict[str, asyncio.Lock] = {}
        self.ready = asyncio.Event()  # logged in and first sync done
        self.away = False  # the homeserver did not answer the last sync or send
        #: Direct replies the homeserver did not take, in the outbox until it does.
        self.held = HeldReplies(
            TRANSPORT, dispatcher.session_factory, dispatcher.clock, self._wake_outbox
        )

    def _wake_outbox(self) -> None:
        if self.dispatcher.on_outbox is not None:  # set by the scheduler, after this
            self.dispatcher.on_outbox()

    async def login(self) -> None:
        """Restore the kept device or log in (``bot/matrix/device.py``)."""
        if not self.client.logged_in:
            self.next_batch = await self.device.login(self.client)

    def _save_token(self, token: str) -> None:
        self.next_batch = token
        self.device.save_token(token)

    # -- the sync loop -------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Sync until ``stop`` is set; an unreachable homeserver is retried with back-off
        (``retry_first`` doubling to ``retry_longest``: 1 s to a minute), logged once per
        outage."""
        delay = self.config.retry_first
        try:
            while not stop.is_set():
                try:
                    await self.login()
                    await self._sync_once(stop)
                    self._back()
                    delay = self.config.retry_first
                except (MatrixUnavailable, ClientError, OSError, TimeoutError) as exc:
                    self._lost(exc)
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), delay)
                    delay = min(delay * 2, self.config.retry_longest)
        finally:
            await self.client.close()

    def _lost(self, exc: BaseException) -> None:
        """The homeserver did not answer (the sync, or a send): one WARNING per outage."""
        if not self.away:
            log.warning(
                "Matrix: homeserver unavailable (%s: %s); retrying", exc.__class__.__name__, exc
            )
        self.away = True

    def _back(self) -> None:
        if self.away:
            log.info("Matrix: the homeserver answers again")
        self.away = False

    async def _sync_once(self, stop: asyncio.Event) -> None:
        first = self.next_batch is None
        sync = asyncio.ensure_future(
            self.client.sync(timeout=0 if first else self.config.poll_ms, since=self.next_batch)
        )
        stopping = asyncio.ensure_future(stop.wait())
        done, _ = await asyncio.wait({sync, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if sync not in done:
            sync.cancel()
            return
        response = sync.result()
        if not isinstance(response, SyncResponse):
            raise MatrixUnavailable(f"sync failed: {getattr(response, 'status_code', response)}")
        for room_id, invited in response.rooms.invite.items():
            await self.guard.on_invite(room_id, invited.invite_state)
        if not first:  # the first start reads no history
            await asyncio.gather(
                *(
                    self._handle_room(room_id, info.timeline.events)
                    for room_id, info in response.rooms.join.items()
                )
            )
        # The batch was handled (its replies sent or held in the outbox): the token moves on
        # before the key steps, which a homeserver gone away fails; nio asks for those again
        # after the next sync, while a batch synced again would be handled twice.
        self._save_token(response.next_batch)
        await self._keys()
        self.ready.set()

    async def _keys(self) -> None:
        """What nio's own loop does after a sync: upload, query and claim keys, send the
        to-device messages (room keys for encrypted rooms)."""
        client = self.client
        if client.should_upload_keys:
            await client.keys_upload()
        if client.should_query_keys:
            await client.keys_query()
        if client.should_claim_keys:
            await client.keys_claim(client.get_users_for_key_claiming())
        await client.send_to_device_messages()

    async def _handle_room(self, room_id: str, events: list[Any]) -> None:
        lock = self._locks.setdefault(room_id, asyncio.Lock())
        async with lock:
            # Events before the bot's own join (history shown on joining) are not for it.
            start = 0
            for index, event in enumerate(events):
                if (
                    isinstance(event, RoomMemberEvent)
                    and event.state_key == self.client.user_id
                    and event.membership == "join"
                ):
                    start = index + 1
            for event in events[start:]:
                try:
                    await self._handle_event(room_id, event)
                except Exception:
                    log.exception("Matrix: an event in a room could not be handled")

    def is_group(self, room_id: str) -> bool:
        """A room is a private chat when it is the bot and one person and has no name (as
        Element makes a direct chat); a named room is a team's room, however small."""
        room = self.client.rooms.get(room_id)
        return room is None or room.member_count > 2 or bool(room.name)

    async def _handle_event(self, room_id: str, event: Any) -> None:
        """One timeline event, as nio parsed it (``Event``, or ``BadEvent`` when its content
        did not pass nio's checks, or ``UnknownBadEvent`` without even a sender)."""
        sender = getattr(event, "sender", None)
        if not isinstance(sender, str) or sender == self.client.user_id:
            return
        group = self.is_group(room_id)
        if isinstance(event, RoomMemberEvent):
            await self.guard.on_member(room_id, event)
            return
        if not self.guard.allowed(sender):  # nothing of theirs is read or kept
            await self.guard.foreign(room_id, sender, group)
            return
        if isinstance(event, MegolmEvent):  # still encrypted: we lack its key
            if await self.guard.undecryptable(room_id, sender):
                log.warning("Matrix: could not decrypt a message (session %s)", event.session_id)
            return
        if isinstance(event, ReactionEvent):
            inbound = await self._reaction(room_id, group, event)
        else:
            inbound = await self._message(room_id, group, event)
        if inbound is None:
            return
        if group:
            if inbound.command != "bind" and await patiently("Matrix", self.guard.held, room_id):
                return  # a stranger is in this team room: nothing is posted until /bind
            inbound = replace(inbound, room=self.guard.facts(room_id))
        # The database away: the sync waits here, and this event is handled once it is back.
        replies = await patiently("Matrix", self.dispatcher.handle, inbound)
        own = event.event_id if inbound.kind is not Kind.BUTTON else None
        # An answer that changes the message pressed (``Reply.edit``) replaces the card the
        # person reacted or replied to; a number typed without a reply gets a new message.
        edit_ref = inbound.message_ref or (inbound.reply_to if inbound.reply_buttons else None)
        for index, reply in enumerate(replies):
            txn = _txn(event.event_id, str(index))
            if (
                reply.reaction
                and isinstance(own, str)  # on the person's own message
                and not await self.held.waiting(room_id)  # else its text waits in the outbox
            ):
                reply = await self._react(room_id, reply, own, txn)
                if reply is None:
                    continue
            await self._reply(room_id, reply, edit_ref, txn)

    async def _message(self, room_id: str, group: bool, event: Any) -> Inbound | None:
        """A message; a reply to a card is read against that card's options (a number chosen
        on a card whose options are forgotten gets one polite line) — in a team room, and in a
        direct chat too (the stars under a resolved request, a meeting's ✅ / 🔁: the answer
        then replaces that message)."""
        target = convert.reply_target(event) if isinstance(event, Event) else None
        buttons: Options | None = ()
        if target:
            buttons = await self.cards.options(room_id, target)
            if buttons is None:  # forgotten: a number meant one of them; a command is read
                if isinstance(event, RoomMessageText) and _chose(event.body):
                    await self.guard.forgotten_card(room_id, event.sender, event.event_id)
                    return None
                buttons = ()
        return convert.to_inbound(
            event,
            room_id=room_id,
            is_group=group,
            bot_user_id=self.client.user_id or "",
            display_name=self.member_name(room_id, event.sender),
            reply_buttons=buttons,
        )

    async def _react(self, room_id: str, reply: Reply, target: str, txn: str) -> Reply | None:
        """An ``m.annotation`` of the person's event; if it cannot be sent, the reply's text
        (returned, to be sent as a message)."""
        try:
            await self._room_send(
                room_id, reaction_content(reply, target), _txn(txn, "r"), REACTION
            )
            return None
        except DeliveryError as exc:
            log.info("Matrix: could not react to a message, answering with text: %s", exc)
            return replace(reply, reaction=None)

    async def _reaction(self, room_id: str, group: bool, event: ReactionEvent) -> Inbound | None:
        """A reaction with a keycap or a label's emoji on a card presses that button."""
        buttons = await self.cards.options(room_id, event.reacts_to)
        if buttons is None:  # the card's options are forgotten
            if event.key.strip() in convert.KEYCAPS:  # it meant to choose one
                await self.guard.forgotten_card(room_id, event.sender, event.event_id)
            return None
        payload = convert.reacted_payload(event.key, buttons)
        if payload is None:
            return None  # a reaction that chooses nothing is just a reaction
        return Inbound(
            convert.ChatRef(TRANSPORT, room_id, is_group=group),
            convert.Sender(TRANSPORT, event.sender, self.member_name(room_id, event.sender)),
            Kind.BUTTON,
            payload=payload,
            message_ref=event.reacts_to,
            numbered_buttons=True,
        )

    def member_name(self, room_id: str, mxid: str) -> str:
        """The display name ``mxid`` has in the room (never their MXID: "" when none)."""
        room = self.client.rooms.get(room_id)
        member = room.users.get(mxid) if room is not None else None
        return convert.person_name(member.display_name if member else None, mxid)

    # -- sending ---------------------------------------------------------------------------

    async def _reply(self, room_id: str, reply: Reply, edit_ref: str | None, txn: str | None):
        """A direct answer: sent at once, waiting out one rate limit of up to 30 s. One the
        homeserver does not take (away, a 5xx, a longer limit) goes to the outbox, as do the
        room's later replies until the outbox has sent it (``bot/held.py``)."""
        txn = txn or f"linli-{uuid.uuid4().hex}"
        edit_ref = edit_ref if reply.edit else None
        if await self.held.waiting(room_id):
            await self.held.hold(room_id, reply, txn, edit_ref=edit_ref)
            return
        for attempt in range(2):
            try:
                await self.send(room_id, reply, edit_ref=edit_ref, txn=txn)
                return
            except DeliveryError as exc:
                if exc.permanent:
                    log.warning("Matrix: a reply could not be sent: %s", exc)
                    return
                if attempt or exc.retry_after is None or exc.retry_after > MAX_REPLY_WAIT:
                    # The homeserver away is logged once for the outage, not once per reply.
                    log.info("Matrix: a reply waits in the outbox: %s", exc)
                    await self.held.hold(room_id, reply, txn, edit_ref=edit_ref)
                    return
                await asyncio.sleep(exc.retry_after)

    async def send(
        self, room_id: str, reply: Reply, *, edit_ref: str | None = None, txn: str | None = None
    ) -> str:
        """Send ``reply`` to the room (an ``m.replace`` of ``edit_ref`` where given); returns
        the id of the event that shows it (the original one for an edit)."""
        if edit_ref is not None and reply.attachment is None:
            await self._room_send(room_id, self.renderer.edit(reply, edit_ref), _txn(txn, "e"))
            self.cards.edited(edit_ref, tuple(self.renderer.buttons(reply)))
            return edit_ref
        event_id = ""
        if reply.text.strip() or reply.buttons or reply.attachment is None:
            event_id = await self._room_send(room_id, self.renderer.content(reply), _txn(txn, "t"))
            self.cards.sent(event_id, tuple(self.renderer.buttons(reply)))
        attachment = reply.attachment
        if attachment is not None:
            file_id = attachment.file_id or ""
            if file_id and not attachment.content:  # a person's file: scrubbed, sent anew
                if not file_id.startswith("mxc://"):  # the outbox fetches those (bot.media)
                    log.info("Matrix: a file from another transport was not relayed")
                    return event_id
                attachment = await safe_copy(
                    attachment, lambda known: media.download(self.client, known)
                )
            room = self.client.rooms.get(room_id)
            encrypt = bool(room and room.encrypted)
            content = await media.upload(self.client, attachment, encrypt=encrypt)
            file_event = await self._room_send(room_id, content, _txn(txn, "f"))
            event_id = event_id or file_event
        return event_id

    async def _room_send(
        self, room_id: str, content: dict, txn: str | None, kind: str = "m.room.message"
    ) -> str:
        try:
            response = await self.client.room_send(
                room_id,
                kind,
                content,
                tx_id=txn,
                ignore_unverified_devices=True,
            )
        except (ClientError, OSError, TimeoutError) as exc:  # the homeserver is away
            self._lost(exc)
            raise DeliveryError(f"{exc.__class__.__name__}: {exc}", away=True) from exc
        except Exception as exc:  # nio: an unknown room, a send it cannot encrypt
            raise DeliveryError(f"{exc.__class__.__name__}: {exc}", permanent=True) from exc
        if not isinstance(response, RoomSendResponse):
            raise self._error(response)
        return response.event_id

    @staticmethod
    def _error(response: Any) -> DeliveryError:
        if isinstance(response, ErrorResponse):
            wait = _retry_after(response)
            if wait is not None:
                return DeliveryError(str(response), retry_after=wait)
            permanent = response.status_code in ("M_FORBIDDEN", "M_NOT_FOUND", "M_UNKNOWN_TOKEN")
            return DeliveryError(str(response), permanent=permanent)
        return DeliveryError(str(response))


class MatrixDeliverer:
    """The outbox's view of Matrix; a message's transaction id is its outbox row's."""

    def __init__(self, transport: MatrixTransport) -> None:
        self.transport = transport

    def min_interval(self, chat_id: str) -> float:
        return 0.0  # Synapse limits per sender, and says so with M_LIMIT_EXCEEDED

    async def fetch(self, file_id: str) -> bytes:
        """A file a Matrix user sent, for a chat on another transport (``bot.media``)."""
        return await media.download(self.transport.client, file_id)

    async def deliver(
        self, chat_id: str, reply: Reply, *, edit_ref: str | None = None
    ) -> str | None:
        message_id = delivering.get()
        # A held direct reply is sent with its first try's transaction id: if that one did
        # arrive (the answer was lost on the way back), the homeserver shows it once.
        txn = held_txn(delivering_key.get())
        if txn is None and message_id is not None:
            txn = f"outbox-{message_id}"
        room = self.transport.client.rooms.get(chat_id)
        if delivering_private.get():
            if room is not None and room.member_count > 2:
                raise DeliveryError("a private chat that others joined", permanent=True)
        elif await patiently("Matrix", self.transport.guard.held, chat_id):
            raise DeliveryError("the team's room is held", retry_after=HELD_WAIT)
        if edit_ref is not None:
            try:
                return await self.transport.send(chat_id, reply, edit_ref=edit_ref, txn=txn)
            except DeliveryError as exc:
                if not exc.permanent:
                    raise
                # The message to change is gone (or may not be changed): say it anew.
                log.info("Matrix: could not edit a message, sending a new one: %s", exc)
        return await self.transport.send(chat_id, reply, txn=txn)
