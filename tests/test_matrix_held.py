"""A direct reply the homeserver does not take (it went away in the middle of a batch) waits in
the outbox and goes out once it is back: once, in order with the person's later replies, and
the person's message is handled once (``bot/held.py``). On the sync loop's stand-in for nio."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from aiohttp import ClientConnectionError
from nio import ErrorResponse, RoomSendError, RoomSendResponse
from sqlalchemy import select

from bot.matrix.client import MatrixTransport
from db.models import OutboxMessage, OutboxStatus
from handlers.types import Reply
from tests.matrix_sync_support import (
    DM,
    Nio,
    kept_token,
    loop_transport,
    matrix_worker,
    nio_message,
    sync_batch,
    until,
)

SAID = {  # what "!lang …" answers, and the welcome's first line
    "en": ("From now on I will write to you in English.", "!lang en", "Welcome to Linli (邻里)"),
    "zh_Hans": ("好的，以后我会用简体中文和您交流。", "!lang 简体", "欢迎使用邻里（Linli）"),
}


class Outage(Nio):
    """The stand-in whose homeserver goes away in the middle of a batch, as the message after
    ``cut_after`` ones arrives (the bot never hears that it did), and stays away until
    ``mend``: syncs, sends and key steps fail as aiohttp fails them. A send repeated with its
    transaction id is recognised, as Synapse does. ``answer`` makes a send fail with that error
    response instead."""

    def __init__(self, *batches: Any, cut_after: int) -> None:
        super().__init__(*batches)
        self.cut_after = cut_after
        self.down = False
        self.answer: ErrorResponse | None = None
        self.more = asyncio.Event()
        self.txns: dict[str | None, str] = {}

    def give(self, batch: Any) -> None:
        """A batch for the long poll in flight (or the next one)."""
        self.batches.append(batch)
        self.more.set()

    def mend(self) -> None:
        self.down = False
        self.stepped.set()

    def _gone(self) -> None:
        if self.down:
            self.stepped.set()
            raise ClientConnectionError("Cannot connect to host 127.0.0.1:9")

    async def sync(self, *args: Any, **kwargs: Any):
        self._gone()
        while not self.batches:  # a long poll that brings nothing until ``give``
            self.more.clear()
            await self.more.wait()
        return await super().sync(*args, **kwargs)

    async def keys_upload(self) -> None:
        self._gone()
        await super().keys_upload()

    async def send_to_device_messages(self) -> list:
        self._gone()
        return await super().send_to_device_messages()

    async def room_send(self, room_id: str, kind: str, content: dict, **kwargs: Any):
        self._gone()
        txn = kwargs.get("tx_id")
        if txn is not None and txn in self.txns:  # as Synapse does: the event it already has
            self._step("room_send")
            return RoomSendResponse(self.txns[txn], room_id)
        if self.answer is not None:
            self._step("room_send")
            return self.answer
        response = await super().room_send(room_id, kind, content, **kwargs)
        self.txns[txn] = response.event_id
        if len(self.sent) > self.cut_after >= 0:  # this one arrived, but its answer is lost
            self.down, self.cut_after = True, -1
            self._gone()
        return response


def _said(nio: Nio) -> list[str]:
    """The first paragraph of each message to the private chat (the menu follows it)."""
    return [body.split("\n\n")[0] for body in nio.bodies()]


def _outbox_rows(session_factory) -> list[tuple[str, OutboxStatus]]:
    with session_factory() as session:
        rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        return [(row.template, row.status) for row in rows]


@pytest.mark.parametrize("code", ["en", "zh_Hans"])
async def test_a_reply_the_homeserver_did_not_take_goes_out_once_it_is_back_in_order(
    tmp_path, dispatcher, registry, community, clock, session_factory, caplog, code
):
    line, command, welcome = SAID[code]
    handled: list[str] = []
    answers: dict[str, list[Reply]] = {}
    handle = dispatcher.handle

    def counting(inbound):
        handled.append(inbound.text or "")
        answers[inbound.text or ""] = replies = handle(inbound)
        return replies

    dispatcher.handle = counting
    nio = Outage(
        sync_batch("s1"),
        sync_batch(
            "s2",
            DM,
            nio_message(command, event_id="$lang"),
            nio_message("!start", event_id="$start"),  # its welcome arrives, the answer is lost
            nio_message(command, event_id="$again"),
        ),
        sync_batch("s3", DM, nio_message(command, event_id="$after")),  # said once it is back
        cut_after=1,
    )
    transport: MatrixTransport = loop_transport(tmp_path, dispatcher, nio)
    worker = matrix_worker(transport, session_factory, registry, community, clock)
    stop = asyncio.Event()
    caplog.set_level(logging.INFO)
    loop = asyncio.create_task(transport.run(stop))
    try:
        # The first reply went out; the welcome arrived but the bot never heard so, and the
        # homeserver is gone: it and the next reply wait in the outbox, and the token moved
        # past the batch, which is not handled again.
        await until(nio, lambda: kept_token(transport) == "s2")
        assert _said(nio)[0] == line and _said(nio)[1].startswith(welcome)
        assert _outbox_rows(session_factory) == [("held.reply", OutboxStatus.PENDING)] * 2
        # The outbox tries while the homeserver is still away: nothing goes, nothing fails.
        await worker.tick()
        assert len(nio.sent) == 2
        assert {status for _, status in _outbox_rows(session_factory)} == {OutboxStatus.PENDING}

        # Back: the person's next message is answered after what waited, not before it.
        nio.mend()
        await until(nio, lambda: kept_token(transport) == "s3")
        assert len(_outbox_rows(session_factory)) == 3 and len(nio.sent) == 2
        clock.advance(seconds=3)
        await worker.tick()
        bodies = _said(nio)  # the welcome once: the homeserver knew its transaction id
        assert len(bodies) == 4
        assert bodies[0] == line and bodies[2:] == [line, line]
        # The welcome that waited is the one the handler wrote, text and options alike.
        assert [transport.renderer.content(reply) for reply in answers["!start"]] == [
            nio.sent[1][1]
        ]
        assert bodies[1].startswith(welcome) and nio.sent[1][1]["org.linli.buttons"]
        assert {status for _, status in _outbox_rows(session_factory)} == {OutboxStatus.SENT}
        # All sent: the next reply goes direct again.
        nio.give(sync_batch("s4", DM, nio_message("!start", event_id="$later")))
        await until(nio, lambda: kept_token(transport) == "s4")
        assert len(nio.sent) == 5 and len(_outbox_rows(session_factory)) == 3
        assert _said(nio)[4].startswith(welcome)
    finally:
        stop.set()
        await loop
    # Each message was handled once; one WARNING for the outage, and no traceback.
    assert handled == [command, "!start", command, command, "!start"]
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.getMessage().split(" (")[0] for r in warnings] == ["Matrix: homeserver unavailable"]
    assert not [r for r in caplog.records if r.exc_info]


async def test_a_reply_refused_for_good_is_not_held(tmp_path, dispatcher, session_factory, caplog):
    """A room the bot may not post in (M_FORBIDDEN) will not take it later either."""
    forbidden = RoomSendError.from_dict({"errcode": "M_FORBIDDEN", "error": "not in room"}, DM)
    nio = Outage(
        sync_batch("s1"), sync_batch("s2", DM, nio_message("!start", event_id="$s")), cut_after=-1
    )
    nio.answer = forbidden
    transport = loop_transport(tmp_path, dispatcher, nio)
    stop = asyncio.Event()
    loop = asyncio.create_task(transport.run(stop))
    try:
        await until(nio, lambda: kept_token(transport) == "s2")
    finally:
        stop.set()
        await loop
    assert _outbox_rows(session_factory) == []
    assert any("could not be sent" in r.getMessage() for r in caplog.records)


async def test_a_5xx_is_held_like_an_outage(tmp_path, dispatcher, session_factory):
    busy = RoomSendError.from_dict({"errcode": "M_UNKNOWN", "error": "Internal server error"}, DM)
    nio = Outage(
        sync_batch("s1"), sync_batch("s2", DM, nio_message("!start", event_id="$s")), cut_after=-1
    )
    nio.answer = busy
    transport = loop_transport(tmp_path, dispatcher, nio)
    stop = asyncio.Event()
    loop = asyncio.create_task(transport.run(stop))
    try:
        await until(nio, lambda: kept_token(transport) == "s2")
    finally:
        stop.set()
        await loop
    assert _outbox_rows(session_factory) == [("held.reply", OutboxStatus.PENDING)]
