"""A held edit: a press whose answer changes the card it was pressed on, answered while the
transport would not take it (``bot/held.py``). Once the transport is back, the outbox changes
that card in place, as the press would have; only if the card can no longer be changed (gone,
or too old) does the answer come as a new message. On Telegram (the Bot API stand-in) and on
Matrix (the sync loop's stand-in for nio), in English and in Chinese."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp import ClientConnectionError
from nio import RoomSendError
from sqlalchemy import select

from db.models import OutboxMessage, OutboxStatus
from handlers.buttons.notices import ToggleTopic
from tests.matrix_sync_support import (
    DM,
    Nio,
    kept_token,
    loop_transport,
    matrix_worker,
    nio_message,
    nio_reaction,
    sync_batch,
    until,
)
from tests.telegram_support import running_bot, sent_to

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

#: The panel before and after "📰 Community news" is turned on.
PANEL = {
    "en": ("You receive no notices.", "You receive: 📰 Community news"),
    "zh-hans": ("您目前不接收任何通知。", "您接收：📰 社区新闻"),
}
NEWS_ON = ToggleTopic("news", "on").pack()


def _held(session_factory) -> list[OutboxStatus]:
    with session_factory() as session:
        return list(
            session.scalars(
                select(OutboxMessage.status).where(OutboxMessage.template == "held.reply")
            )
        )


# ---------------------------------------------------------------------------- Telegram


async def _press_while_telegram_fails(api, session_factory, hint: str, user_id: int) -> int:
    """/notices, then "news on" pressed while Telegram answers the edit with a 502: the
    answer waits in the outbox. Returns the panel's message id."""
    api.user_sends_text(user_id=user_id, text="/notices", language_code=hint)
    [panel] = await api.wait_for(sent_to(api, user_id))
    assert PANEL[hint][0] in panel.params["text"]
    panel_id = api.sent_messages(user_id)[-1]["message_id"]
    api.fail_next(
        "editMessageText",
        chat_id=user_id,
        error_code=502,
        description="Bad Gateway",
        retry_after=None,
    )
    return panel_id


@pytest.mark.parametrize("hint", ["en", "zh-hans"])
async def test_a_held_edit_on_telegram_changes_the_card_in_place(session_factory, community, hint):
    async with running_bot(session_factory, community) as (api, _, _):
        panel_id = await _press_while_telegram_fails(api, session_factory, hint, 961)
        api.user_presses(user_id=961, data=NEWS_ON, language_code=hint)
        edits = lambda c: c.method == "editMessageText" and (c.response or {}).get("ok")  # noqa: E731
        await api.wait_for(edits, timeout=20)
        await asyncio.sleep(0.3)
        assert PANEL[hint][1] in api.message(961, panel_id)["text"]
        assert len(api.sent_messages(961)) == 1, "the card changed, no new message"
        assert _held(session_factory) == [OutboxStatus.SENT]


@pytest.mark.parametrize("hint", ["en", "zh-hans"])
async def test_a_held_edit_on_telegram_comes_anew_when_the_card_cannot_change(
    session_factory, community, hint
):
    async with running_bot(session_factory, community) as (api, _, _):
        panel_id = await _press_while_telegram_fails(api, session_factory, hint, 962)
        api.fail_next(  # by the time it is sent, the card can no longer be changed
            "editMessageText",
            chat_id=962,
            error_code=400,
            description="Bad Request: message to edit not found",
            retry_after=None,
        )
        api.user_presses(user_id=962, data=NEWS_ON, language_code=hint)
        await api.wait_for(lambda c: len(api.sent_messages(962)) == 2, timeout=20)
        await asyncio.sleep(0.3)
        assert PANEL[hint][1] in api.sent_messages(962)[-1]["text"]
        assert PANEL[hint][0] in api.message(962, panel_id)["text"], "the old card as it was"
        assert len(api.sent_messages(962)) == 2, "once"
        assert _held(session_factory) == [OutboxStatus.SENT]


# ---------------------------------------------------------------------------- Matrix


class Away(Nio):
    """The stand-in whose homeserver can be away (every send fails as aiohttp fails it), and
    can refuse an edit (``M_NOT_FOUND``: the message to change is gone)."""

    def __init__(self, *batches: Any) -> None:
        super().__init__(*batches)
        self.down = False
        self.refuse_edits = False
        self.more = asyncio.Event()

    async def sync(self, *args: Any, **kwargs: Any):
        while not self.batches:  # a long poll that brings nothing until ``give``
            self.more.clear()
            await self.more.wait()
        return await super().sync(*args, **kwargs)

    def give(self, batch: Any) -> None:
        self.batches.append(batch)
        self.more.set()

    async def room_send(self, room_id: str, kind: str, content: dict, **kwargs: Any):
        if self.down:
            self._step("room_send")
            raise ClientConnectionError("Cannot connect to host 127.0.0.1:9")
        relation = content.get("m.relates_to") or {}
        if self.refuse_edits and relation.get("rel_type") == "m.replace":
            self._step("room_send")
            return RoomSendError.from_dict({"errcode": "M_NOT_FOUND", "error": "gone"}, room_id)
        return await super().room_send(room_id, kind, content, **kwargs)


def _body(content: dict) -> str:
    return (content.get("m.new_content") or content).get("body", "")


async def _matrix_held_press(
    tmp_path, dispatcher, registry, community, clock, session_factory, hint, *, refuse: bool
) -> tuple[Away, str, int]:
    """Li opens /notices, the homeserver goes away, Li reacts 1️⃣ (the first topic, news) on
    the panel; back, the outbox sends what waited. Returns the stand-in, the panel's event id
    and how many messages were sent before the outbox ran."""
    first = [nio_message("!lang en", event_id="$lang")] if hint == "en" else []
    nio = Away(
        sync_batch("s1"), sync_batch("s2", DM, *first, nio_message("!notices", event_id="$n"))
    )
    transport = loop_transport(tmp_path, dispatcher, nio)
    worker = matrix_worker(transport, session_factory, registry, community, clock)
    stop = asyncio.Event()
    loop = asyncio.create_task(transport.run(stop))
    try:
        await until(nio, lambda: kept_token(transport) == "s2")
        panel_id = f"$out{len(nio.sent) - 1}"
        assert PANEL[hint][0] in _body(nio.sent[-1][1])
        nio.down = True
        nio.give(sync_batch("s3", DM, nio_reaction("1️⃣", panel_id, event_id="$press")))
        await until(nio, lambda: kept_token(transport) == "s3")
        assert _held(session_factory) == [OutboxStatus.PENDING]
        nio.down, nio.refuse_edits = False, refuse
        before = len(nio.sent)
        clock.advance(seconds=3)
        await worker.tick()
    finally:
        stop.set()
        await loop
    assert _held(session_factory) == [OutboxStatus.SENT]
    return nio, panel_id, before


@pytest.mark.parametrize("hint", ["en", "zh-hans"])
async def test_a_held_edit_on_matrix_changes_the_card_in_place(
    tmp_path, dispatcher, registry, community, clock, session_factory, hint
):
    nio, panel_id, before = await _matrix_held_press(
        tmp_path, dispatcher, registry, community, clock, session_factory, hint, refuse=False
    )
    [(_, edit)] = nio.sent[before:]
    assert edit["m.relates_to"] == {"rel_type": "m.replace", "event_id": panel_id}
    assert PANEL[hint][1] in _body(edit)


@pytest.mark.parametrize("hint", ["en", "zh-hans"])
async def test_a_held_edit_on_matrix_comes_anew_when_the_card_cannot_change(
    tmp_path, dispatcher, registry, community, clock, session_factory, hint
):
    nio, _, before = await _matrix_held_press(
        tmp_path, dispatcher, registry, community, clock, session_factory, hint, refuse=True
    )
    [(_, anew)] = nio.sent[before:]
    assert "m.relates_to" not in anew
    assert PANEL[hint][1] in anew["body"]
