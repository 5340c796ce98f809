"""A person's file that Telegram will not hand to the bot (over 20 MB for bots, or gone) is
never passed on as it came: a direct reply goes without it, with its words, and nothing
crashes; the outbox fails the message (``linli outbox failed``)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
import telegram

from bot.outbox import DeliveryError
from bot.telegram.app import TelegramDeliverer, TelegramTransport
from handlers.types import Attachment, Reply
from standin.botapi import BotApiStandin

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
CHAT = 4242


@pytest_asyncio.fixture
async def api() -> AsyncIterator[BotApiStandin]:
    async with BotApiStandin() as standin:
        yield standin


@pytest_asyncio.fixture
async def bot(api: BotApiStandin) -> AsyncIterator[telegram.Bot]:
    async with telegram.Bot(api.token, base_url=api.base_url) as client:
        yield client


def _big_file(api: BotApiStandin) -> Reply:
    sent = api.user_sends_document(user_id=CHAT, file_name="scan of my passport.pdf")
    file_id = sent["message"]["document"]["file_id"]
    api.fail_next(
        "getFile", error_code=400, description="Bad Request: file is too big", retry_after=None
    )
    return Reply(
        "#R-0001 · from the resident:\nHere is the scan.",
        attachment=Attachment("scan of my passport.pdf", file_id=file_id),
    )


async def test_a_direct_reply_goes_without_a_file_it_cannot_scrub(api, bot, caplog):
    transport = TelegramTransport(dispatcher=None)  # only its sending is used here
    with caplog.at_level(logging.WARNING):
        # Direct: a reply carrying a person's file is reached only deep in a request's hand-over.
        await transport._send(bot, CHAT, _big_file(api), None)
    assert not api.calls_to("sendDocument"), "the file never goes as it came"
    [said] = api.calls_to("sendMessage")
    assert said.params["text"] == "#R-0001 · from the resident:\nHere is the scan."
    assert [r.levelname for r in caplog.records] == ["WARNING"]


async def test_the_outbox_fails_a_file_it_cannot_scrub(api, bot):
    with pytest.raises(DeliveryError) as failed:
        await TelegramDeliverer(bot).deliver(str(CHAT), _big_file(api))
    assert failed.value.permanent and "too big" in str(failed.value)
    assert not api.calls_to("sendDocument")
