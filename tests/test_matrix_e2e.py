"""End to end on a real Synapse: the bot on its Matrix transport, people on their own
matrix-nio clients (the resident's direct chat encrypted where Element would encrypt it)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from bot.dispatcher import Dispatcher
from bot.outbox import OutboxWorker
from handlers import build_registry
from handlers.types import Community
from tests.matrix_support import people, running_bot

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
