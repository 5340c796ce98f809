"""A stand-in for nio's client under the Matrix transport's own sync loop (no homeserver), and
the events and batches it is fed: shared by ``test_matrix_sync.py`` and ``test_matrix_held.py``."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from nio import (
    ErrorResponse,
    RoomGetEventError,
    RoomGetEventResponse,
    RoomSendResponse,
    SyncResponse,
)
from nio.rooms import MatrixRoom

from bot.matrix.client import MatrixDeliverer, MatrixTransport
from bot.matrix.device import MatrixConfig
from bot.outbox import OutboxWorker

BOT = "@linli:linli.test"
LI = "@li:linli.test"
BO = "@bo:linli.test"
DM = "!dm:linli.test"
TEAM = "!team:linli.test"
POLL_MS = 10_000


def nio_message(body: str, sender: str = LI, *, event_id: str, **content: Any) -> dict:
    return {
        "type": "m.room.message",
        "sender": sender,
        "event_id": event_id,
        "origin_server_ts": 1,
        "content": {"msgtype": "m.text", "body": body, **content},
    }


def nio_reaction(key: str, target: str, *, event_id: str) -> dict:
    relates = {"rel_type": "m.annotation", "event_id": target, "key": key}
    return {
        "type": "m.reaction",
        "sender": LI,
        "event_id": event_id,
        "origin_server_ts": 1,
        "content": {"m.relates_to": relates},
    }


def nio_events(*events: dict) -> list[Any]:
    """Timeline events as nio parses them from a sync."""
    return sync_batch("s", "!any:linli.test", *events).rooms.join["!any:linli.test"].timeline.events


def sync_batch(token: str, room_id: str = DM, *events: dict) -> SyncResponse:
    timeline = {"events": list(events), "limited": False, "prev_batch": "p"}
    rooms = {"join": {room_id: {"timeline": timeline}}} if events else {}
    return SyncResponse.from_dict({"next_batch": token, "rooms": rooms})


class Nio:
    """Just enough of nio's ``AsyncClient`` for the transport: it hands out prepared sync
    responses (then long-polls forever), keeps what is sent as the homeserver would (so a card
    can be read back), and records every step asked of it in ``steps``."""

    def __init__(self, *batches: SyncResponse | ErrorResponse) -> None:
        self.user_id = BOT
        self.device_id = "LINLIDEV"
        self.access_token = "token"
        self.logged_in = False
        self.olm = None
        self.rooms: dict[str, MatrixRoom] = {}
        self.batches = list(batches)
        self.steps: list[Any] = []
        self.stepped = asyncio.Event()
        self.sent: list[tuple[str, dict]] = []
        self.events: dict[str, dict] = {}  # what the homeserver still gives back
        self.token_at_send: list[str | None] = []
        self.token_file: Path | None = None
        # nio sets these from the Olm account after a sync; here each is asked for once.
        self.should_upload_keys = True
        self.should_query_keys = True
        self.should_claim_keys = True

    def _step(self, step: Any) -> None:
        self.steps.append(step)
        self.stepped.set()

    def room(self, room_id: str, *members: str, name: str | None = None) -> None:
        room = MatrixRoom(room_id, BOT)
        for who in (BOT, *members):
            room.add_member(who, who[1:].split(":")[0].title(), None)
        room.name = name
        self.rooms[room_id] = room

    def restore_login(self, user_id: str, device_id: str, access_token: str) -> None:
        self._step("restore_login")
        self.logged_in = True

    async def sync(self, timeout: int | None = None, since: str | None = None, **_: Any):  # noqa: ASYNC109 - nio's
        self._step(("sync", timeout, since))
        if not self.batches:
            await asyncio.Event().wait()  # a long poll that brings nothing
        return self.batches.pop(0)

    async def keys_upload(self) -> None:
        self._step("keys_upload")
        self.should_upload_keys = False

    async def keys_query(self) -> None:
        self._step("keys_query")
        self.should_query_keys = False

    def get_users_for_key_claiming(self) -> dict[str, list[str]]:
        return {LI: ["LIDEVICE"]}

    async def keys_claim(self, users: dict[str, list[str]]) -> None:
        self._step(("keys_claim", users))
        self.should_claim_keys = False

    async def send_to_device_messages(self) -> list:
        self._step("send_to_device_messages")
        return []

    async def room_send(self, room_id: str, kind: str, content: dict, **_: Any):
        self._step("room_send")
        if self.token_file is not None:
            kept = json.loads(self.token_file.read_text()) if self.token_file.is_file() else {}
            self.token_at_send.append(kept.get("next_batch"))
        event_id = f"$out{len(self.sent)}"
        self.sent.append((room_id, content))
        self.events[event_id] = {
            "type": kind,
            "sender": BOT,
            "event_id": event_id,
            "origin_server_ts": 1,
            "content": content,
        }
        return RoomSendResponse(event_id, room_id)

    async def room_get_event(self, room_id: str, event_id: str):
        self._step(("room_get_event", event_id))
        if event_id not in self.events:
            return RoomGetEventError.from_dict({"errcode": "M_NOT_FOUND", "error": "gone"})
        return RoomGetEventResponse.from_dict(self.events[event_id])

    async def room_get_event_relations(self, *_: Any, **__: Any) -> AsyncIterator[Any]:
        for _never in ():
            yield _never

    async def close(self) -> None:
        self._step("close")

    def bodies(self, room_id: str = DM) -> list[str]:
        return [content.get("body", "") for where, content in self.sent if where == room_id]


def loop_transport(tmp_path: Path, dispatcher, nio: Nio) -> MatrixTransport:
    """The transport on the stand-in client, with a device already logged in once; a sync
    that failed is tried again after 0.05 s (not the 1 s that starts production's back-off)."""
    config = MatrixConfig(
        "http://127.0.0.1:9", BOT, "pw", None, tmp_path / "matrix", retry_first=0.05
    )
    transport = MatrixTransport(config, dispatcher)
    transport.client = nio  # type: ignore[assignment]
    transport.cards.client = nio  # type: ignore[assignment]
    # A device kept from an earlier run (``Device.login`` is async; this helper is not).
    transport.device._save_credentials(nio)  # type: ignore[arg-type]
    nio.token_file = config.store / "sync.json"
    nio.room(DM, LI)
    nio.room(TEAM, LI, BO, name="Volunteers")
    return transport


def matrix_worker(transport: MatrixTransport, session_factory, registry, community, clock):
    """The outbox worker, delivering to Matrix through ``transport``."""
    return OutboxWorker(
        session_factory=session_factory,
        registry=registry,
        community=community,
        deliverers={"matrix": MatrixDeliverer(transport)},
        clock=clock,
    )


async def until(nio: Nio, done, seconds: float = 20) -> None:
    """Wait, step by step of the stand-in client, until ``done()`` holds."""
    async with asyncio.timeout(seconds):
        while not done():
            nio.stepped.clear()
            await nio.stepped.wait()


async def run_until(transport: MatrixTransport, done) -> None:
    """Run the sync loop until ``done()`` holds, then stop it as ``linli run`` does."""
    stop = asyncio.Event()
    task = asyncio.create_task(transport.run(stop))
    try:
        await until(transport.client, done)  # type: ignore[arg-type]
    finally:
        stop.set()
        await task


def kept_token(transport: MatrixTransport) -> str | None:
    path = transport.config.store / "sync.json"
    return json.loads(path.read_text())["next_batch"] if path.is_file() else None
