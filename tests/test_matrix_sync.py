"""The Matrix transport's own sync loop against the steps of nio's ``sync_forever`` it copies,
and the memory of each card's options, on a stand-in for nio's client (no homeserver).

``docs/architecture.md`` ("The sync loop") says which steps are copied and why the loop is ours.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from nio import (
    ErrorResponse,
    RoomGetEventError,
    RoomGetEventResponse,
    RoomSendResponse,
    SyncError,
    SyncResponse,
)
from nio.rooms import MatrixRoom

from bot.matrix.cards import KEPT
from bot.matrix.client import MatrixTransport
from bot.matrix.device import MatrixConfig
from handlers.types import Button, Reply, keyboard

BOT = "@linli:linli.test"
LI = "@li:linli.test"
BO = "@bo:linli.test"
DM = "!dm:linli.test"
TEAM = "!team:linli.test"
POLL_MS = 10_000


def _message(body: str, sender: str = LI, *, event_id: str, **content: Any) -> dict:
    return {
        "type": "m.room.message",
        "sender": sender,
        "event_id": event_id,
        "origin_server_ts": 1,
        "content": {"msgtype": "m.text", "body": body, **content},
    }


def _reaction(key: str, target: str, *, event_id: str) -> dict:
    relates = {"rel_type": "m.annotation", "event_id": target, "key": key}
    return {
        "type": "m.reaction",
        "sender": LI,
        "event_id": event_id,
        "origin_server_ts": 1,
        "content": {"m.relates_to": relates},
    }


def _events(*events: dict) -> list[Any]:
    """Timeline events as nio parses them from a sync."""
    return _batch("s", "!any:linli.test", *events).rooms.join["!any:linli.test"].timeline.events


def _batch(token: str, room_id: str = DM, *events: dict) -> SyncResponse:
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


def _transport(tmp_path: Path, dispatcher, nio: Nio) -> MatrixTransport:
    """The transport on the stand-in client, with a device already logged in once."""
    config = MatrixConfig("http://127.0.0.1:9", BOT, "pw", None, tmp_path / "matrix")
    transport = MatrixTransport(config, dispatcher)
    transport.client = nio  # type: ignore[assignment]
    transport.cards.client = nio  # type: ignore[assignment]
    transport.device._save_credentials(nio)  # type: ignore[arg-type]
    nio.token_file = config.store / "sync.json"
    nio.room(DM, LI)
    nio.room(TEAM, LI, BO, name="Volunteers")
    return transport


async def _run_until(transport: MatrixTransport, done) -> None:
    """Run the sync loop until ``done()`` holds, then stop it as ``linli run`` does."""
    nio: Nio = transport.client  # type: ignore[assignment]
    stop = asyncio.Event()
    task = asyncio.create_task(transport.run(stop))
    try:
        async with asyncio.timeout(20):
            while not done():
                nio.stepped.clear()
                await nio.stepped.wait()
    finally:
        stop.set()
        await task


def _kept(transport: MatrixTransport) -> str | None:
    path = transport.config.store / "sync.json"
    return json.loads(path.read_text())["next_batch"] if path.is_file() else None


# -- the sync loop ---------------------------------------------------------------------------

KEY_STEPS = ["keys_upload", "keys_query", ("keys_claim", {LI: ["LIDEVICE"]})]


async def test_each_sync_is_followed_by_nios_key_steps_and_the_token_is_kept_after_the_batch(
    tmp_path, dispatcher
):
    history = _message("an old message", event_id="$old")
    nio = Nio(_batch("s1", DM, history), _batch("s2", DM, _message("!start", event_id="$new")))
    transport = _transport(tmp_path, dispatcher, nio)
    await _run_until(transport, lambda: _kept(transport) == "s2")

    syncs = [step for step in nio.steps if isinstance(step, tuple) and step[0] == "sync"]
    # The first start: a sync without waiting and from nowhere (as sync_forever's first),
    # whose history is not answered; then long polls from the token of the batch before.
    assert syncs[:3] == [("sync", 0, None), ("sync", POLL_MS, "s1"), ("sync", POLL_MS, "s2")]
    first, second = nio.steps.index(syncs[0]), nio.steps.index(syncs[1])
    # After the first sync, as sync_forever does: upload, query and claim keys (what the Olm
    # account asks for), then send the to-device messages (room keys for encrypted rooms).
    assert nio.steps[first + 1 : second] == [*KEY_STEPS, "send_to_device_messages"]
    # After the second: the batch handled (one welcome to "!start", nothing to the history),
    # then the key steps still asked for (none) and the to-device messages, every time.
    third = nio.steps.index(syncs[2])
    handled = nio.steps[second + 1 : third]
    assert handled.count("room_send") == 1 and handled[-1] == "send_to_device_messages"
    assert len(nio.bodies()) == 1 and "an old message" not in nio.bodies()[0]
    # The token is kept only after its batch was handled: the reply went out while the kept
    # token was still the batch before.
    assert nio.token_at_send == ["s1"]
    assert nio.steps[-1] == "close"


async def test_a_restart_resumes_from_the_kept_token_and_reads_what_came_meanwhile(
    tmp_path, dispatcher
):
    nio = Nio(_batch("s1"))
    transport = _transport(tmp_path, dispatcher, nio)
    await _run_until(transport, lambda: _kept(transport) == "s1")

    again = Nio(_batch("s2", DM, _message("!start", event_id="$meanwhile")))
    restarted = _transport(tmp_path, dispatcher, again)
    await _run_until(restarted, lambda: _kept(restarted) == "s2")
    assert again.steps[0] == "restore_login"  # the kept device, not a new login
    assert again.steps[1] == ("sync", POLL_MS, "s1")  # from the kept token, not a first start
    assert len(again.bodies()) == 1  # what was said while it was down is answered, once


async def test_a_failed_sync_keeps_the_old_token_and_is_tried_again(tmp_path, dispatcher, caplog):
    refused = SyncError.from_dict({"errcode": "M_UNKNOWN", "error": "busy"})
    nio = Nio(_batch("s1"), refused, _batch("s2", DM, _message("!start", event_id="$e")))
    transport = _transport(tmp_path, dispatcher, nio)
    await _run_until(transport, lambda: _kept(transport) == "s2")
    syncs = [step for step in nio.steps if isinstance(step, tuple) and step[0] == "sync"]
    assert syncs[1:3] == [("sync", POLL_MS, "s1"), ("sync", POLL_MS, "s1")]
    assert nio.token_at_send == ["s1"] and len(nio.bodies()) == 1
    outage = [r for r in caplog.records if "homeserver unavailable" in r.getMessage()]
    assert len(outage) == 1


# -- each card's options ----------------------------------------------------------------------


def _card(number: int) -> Reply:
    return Reply(f"Card {number}", keyboard(Button("✋ Claim", f"rq:claim:{number}")))


async def test_the_memory_of_cards_stays_bounded_and_an_old_card_is_read_back(tmp_path, dispatcher):
    nio = Nio()
    transport = _transport(tmp_path, dispatcher, nio)
    for number in range(KEPT + 50):
        await transport.send(DM, _card(number))
    assert len(transport.cards) == KEPT  # the oldest 50 were dropped
    assert "$out0" not in transport.cards and f"$out{KEPT + 49}" in transport.cards
    # The oldest card is read back from the homeserver, where its options travel.
    assert await transport.cards.options(DM, "$out0") == (("✋ Claim", "rq:claim:0"),)
    assert ("room_get_event", "$out0") in nio.steps
    assert len(transport.cards) == KEPT and "$out0" in transport.cards
    # A card seen lately is answered from memory, without asking the homeserver.
    asked = len(nio.steps)
    assert await transport.cards.options(DM, f"$out{KEPT + 49}") == (
        ("✋ Claim", f"rq:claim:{KEPT + 49}"),
    )
    assert len(nio.steps) == asked


FORGOTTEN = {
    "en": "That card is too old: I no longer know its options. Please choose on a newer "
    "card, or send !menu.",
    "zh_Hans": "这张卡片太旧了，我已记不得它的选项。请在较新的卡片上选择，或发送 !menu。",
}


@pytest.mark.parametrize("code", ["en", "zh_Hans"])
async def test_a_choice_on_a_card_whose_options_are_gone_gets_one_polite_line(
    tmp_path, dispatcher, code
):
    nio = Nio()
    transport = _transport(tmp_path, dispatcher, nio)
    if code == "en":
        await transport._handle_room(DM, _events(_message("!lang en", event_id="$lang")))
    for number in range(KEPT + 1):
        await transport.send(TEAM, _card(number))
    del nio.events["$out0"]  # the homeserver no longer gives it (redacted, purged)
    before = len(nio.bodies(TEAM))

    replying = {"m.relates_to": {"m.in_reply_to": {"event_id": "$out0"}}}
    await transport._handle_room(
        TEAM,
        _events(
            _reaction("1️⃣", "$out0", event_id="$r1"),  # a keycap: meant to choose
            _reaction("👍", "$out0", event_id="$r2"),  # just a reaction: silence
            _message("> <@linli:linli.test> Card 0\n\n1", event_id="$m1", **replying),
            _message("thanks", event_id="$m2", **replying),  # words to someone: silence
            _message("!lang en", event_id="$m3", **replying),  # a command is still read
        ),
    )
    # One line for the keycap, one for the number; nothing pressed; the command answered.
    said = nio.bodies(TEAM)[before:]
    assert said[:2] == [FORGOTTEN[code]] * 2
    assert len(said) == 3 and said[2].startswith("From now on I will write to you in English.")
