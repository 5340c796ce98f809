"""Matrix test helpers: a person on their own matrix-nio client (with encryption), and the bot
started as ``linli run`` starts it, against the real Synapse of ``standin/synapse.py``."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import vodozemac
from nio import (
    Api,
    AsyncClient,
    AsyncClientConfig,
    DownloadResponse,
    RoomCreateResponse,
    RoomSendResponse,
    SyncResponse,
    ToDeviceMessage,
    ToDeviceResponse,
    UnknownToDeviceEvent,
    UploadResponse,
)
from nio.crypto.attachments import decrypt_attachment

from bot.dispatcher import Dispatcher
from bot.matrix.client import MatrixConfig, MatrixDeliverer, MatrixTransport
from bot.outbox import OutboxWorker
from db.users import get_or_create_user, grant_role
from standin.synapse import Synapse

PASSWORD = "secret-pass"
#: A to-device event of the tests' own (``settled``): sent to a device, it comes back in that
#: device's next sync, and that sync holds every room event written before it was sent.
MARKER = "org.linli.test.marker"


@dataclass
class Said:
    """One message the person's client received."""

    room_id: str
    event_id: str
    sender: str
    content: dict[str, Any]

    @property
    def body(self) -> str:
        new = self.content.get("m.new_content")
        return (new or self.content).get("body", "")

    @property
    def edits(self) -> str | None:
        relates = self.content.get("m.relates_to") or {}
        return relates.get("event_id") if relates.get("rel_type") == "m.replace" else None


@dataclass
class Person:
    """A resident or volunteer on their own client: syncs in the background and keeps every
    message it sees, in order."""

    server: Synapse
    name: str
    store: Path
    #: A display name of their own (``<name> Tester``); False keeps Synapse's default, which is
    #: the account's localpart (never shown to others: the bot names them "a volunteer").
    named: bool = True
    client: AsyncClient = field(init=False)
    said: list[Said] = field(default_factory=list)
    reactions: list[Said] = field(default_factory=list)
    #: The nonces of the markers this device received (``caught_up``).
    marks: set[str] = field(default_factory=set)
    _task: asyncio.Task | None = None
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def mxid(self) -> str:
        return self.client.user_id

    async def start(self) -> Person:
        mxid = self.server.register(self.name, PASSWORD)
        self.store.mkdir(parents=True, exist_ok=True)
        self.client = AsyncClient(
            self.server.url,
            mxid,
            store_path=str(self.store),
            config=AsyncClientConfig(encryption_enabled=True, store_sync_tokens=False),
        )
        await self.client.login(PASSWORD, device_name=self.name)
        if self.named:
            await self.client.set_displayname(f"{self.name} Tester")
        await self.client.sync(timeout=0)
        self._task = asyncio.create_task(self._loop())
        return self

    async def _loop(self) -> None:
        client = self.client
        while True:
            response = await client.sync(timeout=1000)
            if not isinstance(response, SyncResponse):
                await asyncio.sleep(0.2)
                continue
            for room_id in response.rooms.invite:
                await client.join(room_id)
            for room_id, info in response.rooms.join.items():
                for event in info.timeline.events:
                    source = event.source
                    if source.get("type") == "m.reaction":
                        self.reactions.append(
                            Said(room_id, source["event_id"], source["sender"], source["content"])
                        )
                    if source.get("type") != "m.room.message":
                        continue
                    self.said.append(
                        Said(room_id, source["event_id"], source["sender"], source["content"])
                    )
            for event in response.to_device_events:
                if event.source.get("type") == MARKER:
                    self.marks.add(event.source.get("content", {}).get("nonce"))
            if client.should_upload_keys:
                await client.keys_upload()
            if client.should_query_keys:
                await client.keys_query()
            if client.should_claim_keys:
                await client.keys_claim(client.get_users_for_key_claiming())
            await client.send_to_device_messages()
            self._changed.set()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        await self.client.close()

    async def room_with(
        self, *invite: str, encrypted: bool = False, direct: bool = True, name: str | None = None
    ) -> str:
        """Create a room, invite people, and wait until they all joined."""
        state = []
        if encrypted:
            state.append(
                {
                    "type": "m.room.encryption",
                    "state_key": "",
                    "content": {"algorithm": "m.megolm.v1.aes-sha2"},
                }
            )
        response = await self.client.room_create(
            is_direct=direct, invite=list(invite), initial_state=state, name=name
        )
        assert isinstance(response, RoomCreateResponse), response
        room_id = response.room_id
        for _ in range(300):
            room = self.client.rooms.get(room_id)
            joined = room is not None and all(
                who in room.users and who not in room.invited_users for who in invite
            )
            if joined:
                if encrypted:
                    await self._know_devices(invite)
                return room_id
            await asyncio.sleep(0.1)
        raise AssertionError(f"{invite} did not join {room_id}")

    async def _know_devices(self, users: tuple[str, ...]) -> None:
        """Wait until the invited people's devices are known, as Element does before the first
        message of an encrypted room: a message sent earlier is encrypted for nobody's device
        (a bot that uploaded its keys a moment ago, after a homeserver that was down at start,
        then reads "I could not decrypt your message")."""
        for _ in range(150):
            missing = [
                user
                for user in users
                if not list(self.client.device_store.active_user_devices(user))
            ]
            if not missing:
                return
            self.client.olm.users_for_key_query.update(missing)
            await self.client.keys_query()
            await asyncio.sleep(0.2)
        raise AssertionError(f"the devices of {users} never became known")

    async def caught_up(self, within: float = 30) -> None:
        """Wait until this client has synced past everything written before the call (a
        marker sent to its own device has come back)."""
        nonce = await mark(self.client, self.mxid, self.client.device_id)
        deadline = asyncio.get_running_loop().time() + within
        while nonce not in self.marks:
            assert asyncio.get_running_loop().time() < deadline, f"{self.name} never synced"
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), 0.5)

    async def join(self, room_id: str) -> None:
        await self.client.join(room_id)

    async def say(self, room_id: str, text: str, *, reply_to: str | None = None) -> str:
        content: dict[str, Any] = {"msgtype": "m.text", "body": text}
        if reply_to is not None:
            content["m.relates_to"] = {"m.in_reply_to": {"event_id": reply_to}}
        return await self._send(room_id, "m.room.message", content)

    async def send_photo(
        self, room_id: str, data: bytes = b"\xff\xd8\xff photo", *, encrypt: bool = False
    ) -> str:
        """Send a photo (encrypted, as Element does in an encrypted room, with ``encrypt``);
        returns its ``mxc://`` URL."""
        upload, keys = await self.client.upload(
            io.BytesIO(data),
            content_type="application/octet-stream" if encrypt else "image/jpeg",
            filename="photo.jpg",
            filesize=len(data),
            encrypt=encrypt,
        )
        assert isinstance(upload, UploadResponse), upload
        content: dict[str, Any] = {
            "msgtype": "m.image",
            "body": "photo.jpg",
            "info": {"mimetype": "image/jpeg", "size": len(data)},
        }
        if encrypt:
            content["file"] = {"url": upload.content_uri, **(keys or {})}
        else:
            content["url"] = upload.content_uri
        await self._send(room_id, "m.room.message", content)
        return upload.content_uri

    async def file_bytes(self, said: Said) -> bytes:
        """The bytes of the file a message shows, downloaded (and decrypted) as a client does."""
        encrypted = said.content.get("file")
        url = encrypted["url"] if encrypted else said.content["url"]
        response = await self.client.download(mxc=url)
        assert isinstance(response, DownloadResponse), response
        if not encrypted:
            return response.body
        return decrypt_attachment(
            response.body,
            encrypted["key"]["k"],
            encrypted["hashes"]["sha256"],
            encrypted["iv"],
        )

    async def send_raw(self, room_id: str, event_type: str, content: dict[str, Any]) -> str:
        return await self._send(room_id, event_type, content)

    async def send_as_is(self, room_id: str, event_type: str, content: dict[str, Any]) -> str:
        """Send an event exactly as given, never encrypted by this client (an
        ``m.room.encrypted`` made by the test, say)."""
        method, path, data = Api.room_send(
            self.client.access_token, room_id, event_type, content, uuid.uuid4()
        )
        response = await self.client._send(RoomSendResponse, method, path, data, (room_id,))
        assert isinstance(response, RoomSendResponse), response
        return response.event_id

    async def _send(self, room_id: str, event_type: str, content: dict[str, Any]) -> str:
        response = await self.client.room_send(
            room_id, event_type, content, ignore_unverified_devices=True
        )
        event_id = getattr(response, "event_id", None)
        assert event_id, response
        return event_id

    async def exchange(
        self, room_id: str, text: str, expect: str, *, reply_to: str | None = None, worker=None
    ) -> Said:
        """Say ``text`` and wait for the bot's answer holding ``expect``."""
        before = len(self.messages(room_id))
        await self.say(room_id, text, reply_to=reply_to)
        return await self.wait_for(
            room_id,
            lambda s: s.sender != self.mxid and expect in s.body,
            after=before,
            worker=worker,
        )

    async def reacted(self, room_id: str, event_id: str, within: float = 30) -> str:
        """Wait for someone else's reaction on ``event_id``; its key (the emoji)."""
        deadline = asyncio.get_running_loop().time() + within
        while True:
            for said in self.reactions:
                relates = said.content.get("m.relates_to") or {}
                if said.room_id == room_id and relates.get("event_id") == event_id:
                    assert relates.get("rel_type") == "m.annotation"
                    return relates["key"]
            assert asyncio.get_running_loop().time() < deadline, "no reaction"
            await asyncio.sleep(0.1)

    def messages(self, room_id: str, sender: str | None = None) -> list[Said]:
        return [s for s in self.said if s.room_id == room_id and sender in (None, s.sender)]

    async def wait_for(
        self,
        room_id: str,
        match: Callable[[Said], bool] | str,
        *,
        worker: OutboxWorker | None = None,
        after: int = 0,
        within: float = 30,
    ) -> Said:
        """The first message in ``room_id`` (after the first ``after``) that matches (a
        callable, or words its body holds); the outbox worker is ticked while waiting."""
        test = match if callable(match) else (lambda s, words=match: words in s.body)
        deadline = asyncio.get_running_loop().time() + within
        while True:
            for said in self.messages(room_id)[after:]:
                if test(said):
                    return said
            if asyncio.get_running_loop().time() > deadline:
                bodies = [s.body for s in self.messages(room_id)]
                raise AssertionError(f"{self.name} never saw {match!r} in {room_id}: {bodies}")
            if worker is not None:
                await worker.tick()
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                # (what the bot queued meanwhile wakes nobody: the worker is ticked again soon)
                await asyncio.wait_for(self._changed.wait(), 0.5 if worker is None else 0.1)


async def mark(sender: AsyncClient, user_id: str, device_id: str, nonce: str = "") -> str:
    """Send a ``MARKER`` to ``user_id``'s device; returns its nonce."""
    nonce = nonce or uuid.uuid4().hex
    message = ToDeviceMessage(MARKER, user_id, device_id, {"nonce": nonce})
    response = await sender.to_device(message)
    assert isinstance(response, ToDeviceResponse), response
    return nonce


async def settled(
    bot: MatrixTransport,
    person: Person,
    *others: Person,
    worker: OutboxWorker | None = None,
    within: float = 30,
) -> None:
    """Wait until the bot has handled everything written before the call (the batch that
    brought a marker sent to its device now, and so every event before it, was handled and
    its token kept), ``worker`` has sent what was due then, and ``person`` and ``others`` have
    synced past all of it. After this, "nothing more arrived" means nothing more will: no
    fixed wait that a slow machine could outrun, nor one longer than the work."""
    nonce = uuid.uuid4().hex
    before: list[str | None] = []

    def seen(event: UnknownToDeviceEvent) -> None:
        if event.source.get("content", {}).get("nonce") == nonce:
            before.append(bot.next_batch)  # the token the batch came after: kept once handled

    bot.client.add_to_device_callback(seen, UnknownToDeviceEvent)
    await mark(person.client, bot.client.user_id, bot.client.device_id, nonce)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not before or bot.next_batch == before[0]:
        assert loop.time() < deadline, "the bot never handled its marker's batch"
        await asyncio.sleep(0.02)
    if worker is not None:
        await worker.tick()
    for someone in (person, *others):
        await someone.caught_up(within)


def number_of(said: Said, label: str) -> str:
    """The number to type for the option whose label holds ``label``."""
    content = said.content.get("m.new_content") or said.content
    for index, (text, _) in enumerate(content.get("org.linli.buttons", []), start=1):
        if label in text:
            return str(index)
    raise AssertionError(f"no option {label!r} in {said.body!r}")


def unique(name: str) -> str:
    return f"{name}{uuid.uuid4().hex[:8]}"


@asynccontextmanager
async def people(server: Synapse, directory: Path, *names: str) -> AsyncIterator[list[Person]]:
    started = [await Person(server, unique(n), directory / n).start() for n in names]
    try:
        yield started
    finally:
        for person in started:
            await person.stop()


def bot_config(
    server: Synapse, store: Path, allowed_servers: frozenset[str] = frozenset()
) -> MatrixConfig:
    return MatrixConfig(
        homeserver=server.url,
        user_id=server.register("linli", PASSWORD),
        password=PASSWORD,
        access_token=None,
        store=store,
        poll_ms=1000,
        allowed_servers=allowed_servers,
    )


@asynccontextmanager
async def running_bot(
    server: Synapse,
    store: Path,
    dispatcher: Dispatcher,
    worker: OutboxWorker,
    *,
    allowed_servers: frozenset[str] = frozenset(),
) -> AsyncIterator[MatrixTransport]:
    """The Matrix transport syncing in the background (as ``linli run`` runs it), the outbox
    delivering through it; the test ticks the worker itself."""
    transport = MatrixTransport(bot_config(server, store, allowed_servers), dispatcher)
    worker.deliverers["matrix"] = MatrixDeliverer(transport)
    stop = asyncio.Event()
    task = asyncio.create_task(transport.run(stop))
    await asyncio.wait_for(transport.ready.wait(), 60)
    try:
        yield transport
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)


def grant(session_factory, mxid: str, role: str) -> None:
    now = datetime.now(UTC)
    with session_factory() as session, session.begin():
        user = get_or_create_user(session, transport="matrix", external_id=mxid, now=now)
        grant_role(session, user, role, now=now, by="test")


def withheld_key_message(person: Person, room_id: str, text: str) -> dict:
    """An ``m.room.encrypted`` content as a client sends it: really encrypted, with a Megolm
    session whose key is never shared with anyone (a client that withholds it)."""
    session = vodozemac.GroupSession()
    payload = {"type": "m.room.message", "room_id": room_id}
    payload["content"] = {"msgtype": "m.text", "body": text}
    return {
        "algorithm": "m.megolm.v1.aes-sha2",
        "sender_key": person.client.olm.account.identity_keys["curve25519"],
        "device_id": person.client.device_id,
        "session_id": session.session_id,
        "ciphertext": session.encrypt(json.dumps(payload).encode()).to_base64(),
    }
