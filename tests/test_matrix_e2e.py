"""End to end on a real Synapse: the bot on its Matrix transport, people on their own
matrix-nio clients (the resident's direct chat encrypted where Element would encrypt it)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.dispatcher import Dispatcher
from bot.outbox import OutboxWorker
from handlers import build_registry
from handlers.types import Community
from tests.events_support import make_event
from tests.matrix_support import number_of, people, running_bot

pytestmark = pytest.mark.timeout(180)


@pytest.fixture
def matrix_community() -> Community:
    return Community(timezone=ZoneInfo("Asia/Shanghai"), default_locale="zh_Hans")


@pytest.fixture
def wiring(session_factory, matrix_community):
    registry = build_registry()
    dispatcher = Dispatcher(
        session_factory=session_factory, registry=registry, community=matrix_community
    )
    worker = OutboxWorker(
        session_factory=session_factory, registry=registry, community=matrix_community
    )
    return dispatcher, worker


async def test_first_direct_chat_in_chinese_then_english(synapse, tmp_path, wiring):
    dispatcher, worker = wiring
    async with running_bot(synapse, tmp_path / "bot", dispatcher, worker) as bot:
        async with people(synapse, tmp_path, "wang") as [wang]:
            room = await wang.room_with(bot.client.user_id, encrypted=True)
            await wang.say(room, "!start")
            welcome = await wang.wait_for(room, "欢迎使用邻里")
            assert welcome.content["msgtype"] == "m.notice"
            assert "!help" in welcome.body and "/help" not in welcome.body
            assert "1. 🗓 活动" in welcome.body
            assert "<b>1.</b> 🗓 活动" in welcome.content["formatted_body"]
            assert "4. 中文\n5. English" in welcome.body  # one tap to switch
            await wang.say(room, "5")
            switched = await wang.wait_for(room, "in English", after=2)
            assert "1. 🗓 Events" in switched.body
            await wang.say(room, "!help")
            await wang.wait_for(room, "!events", after=4)


async def test_events_sign_up_by_number_and_the_calendar_file(
    synapse, tmp_path, wiring, session_factory
):
    dispatcher, worker = wiring
    make_event(session_factory, datetime.now(UTC))
    async with running_bot(synapse, tmp_path / "bot", dispatcher, worker) as bot:
        async with people(synapse, tmp_path, "alice") as [alice]:
            room = await alice.room_with(bot.client.user_id)
            await alice.exchange(room, "!lang en", "in English")
            listing = await alice.exchange(room, "!events", "Mid-Autumn Garden Party")
            card = await alice.exchange(room, number_of(listing, "Mid-Autumn"), "Sign up")
            asked = await alice.exchange(room, number_of(card, "Sign up"), "for 1 person?")
            asked = await alice.exchange(room, number_of(asked, "Confirm"), "signed up")
            assert "🎉 You are signed up for “Mid-Autumn Garden Party”" in asked.body
            card = await alice.exchange(room, "!events", "Mid-Autumn Garden Party")
            card = await alice.exchange(room, number_of(card, "Mid-Autumn"), "calendar")
            before = len(alice.messages(room))
            await alice.say(room, number_of(card, "Add to calendar"))
            ics = await alice.wait_for(
                room, lambda s: s.content.get("msgtype") == "m.file", after=before
            )
            assert ics.body.endswith(".ics")
            assert ics.content["url"].startswith("mxc://")
            assert ics.content["info"]["mimetype"].startswith("text/calendar")
