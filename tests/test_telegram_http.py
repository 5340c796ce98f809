"""The bot's Bot API client (``bot/telegram/http.py``): what reaches Telegram, how failures
come back, and that a crowd's replies go out side by side instead of one after another."""

from __future__ import annotations

import asyncio
import base64
import socket
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
import telegram
from telegram.error import Forbidden, NetworkError, TimedOut

from bot.telegram.app import REPLY_CONNECTIONS
from bot.telegram.http import AiohttpRequest
from bot.telegram.render import markup
from handlers.types import Button
from standin.botapi import BotApiStandin

pytestmark = pytest.mark.asyncio

USER = 4242


@pytest_asyncio.fixture
async def api() -> AsyncIterator[BotApiStandin]:
    async with BotApiStandin() as standin:
        yield standin


def _bot(api: BotApiStandin, **timeouts: float) -> telegram.Bot:
    request = AiohttpRequest(connections=REPLY_CONNECTIONS, **timeouts)
    return telegram.Bot(api.token, base_url=api.base_url, request=request)


async def test_a_message_with_buttons_arrives_as_sent(api: BotApiStandin) -> None:
    markup = telegram.InlineKeyboardMarkup(
        [[telegram.InlineKeyboardButton("报名", callback_data="ev:1")]]
    )
    async with _bot(api) as bot:
        sent = await bot.send_message(USER, "欢迎 · Welcome", reply_markup=markup)
    (message,) = api.sent_messages(USER)
    assert message["text"] == "欢迎 · Welcome"
    assert message["reply_markup"]["inline_keyboard"][0][0]["text"] == "报名"
    assert sent.message_id == message["message_id"]


async def test_a_press_arrives_with_its_message_and_the_sent_message_with_its_id(
    api: BotApiStandin,
) -> None:
    """What the bot reads of a press (the data, who pressed, the message and its chat) and of
    a message it sent (the id) arrives; the keyboards it showed are not parsed back."""
    markup = telegram.InlineKeyboardMarkup(
        [[telegram.InlineKeyboardButton(f"第{n}项", callback_data=f"ev:{n}")] for n in range(9)]
    )
    polling = AiohttpRequest(connections=1)  # as the application polls
    async with telegram.Bot(
        api.token, base_url=api.base_url, request=AiohttpRequest(), get_updates_request=polling
    ) as bot:
        sent = await bot.send_message(USER, "欢迎 · Welcome", reply_markup=markup)
        api.user_presses(user_id=USER, data="ev:3", first_name="Wang")
        (update,) = await bot.get_updates(timeout=0)
    assert (sent.message_id, sent.chat.id, sent.reply_markup) == (
        api.sent_messages(USER)[0]["message_id"],
        USER,
        None,
    )
    query = update.callback_query
    assert (query.data, query.from_user.first_name) == ("ev:3", "Wang")
    assert (query.message.message_id, query.message.chat.id) == (sent.message_id, USER)
    assert query.message.reply_markup is None


async def test_a_keyboard_made_once_arrives_whole_under_every_message(api: BotApiStandin) -> None:
    menu = ((Button("报名", "ev:1"), Button("Map", url="https://example.org/map")),)
    other = ((Button("取消", "ev:cancel"),),)
    async with _bot(api) as bot:
        for text, buttons in (("one", menu), ("two", other), ("three", menu)):
            await bot.send_message(USER, text, reply_markup=markup(buttons))
    keyboards = [m["reply_markup"]["inline_keyboard"] for m in api.sent_messages(USER)]
    shown = [
        [[(b["text"], b.get("callback_data"), b.get("url")) for b in row] for row in k]
        for k in keyboards
    ]
    assert shown == [
        [[("报名", "ev:1", None), ("Map", None, "https://example.org/map")]],
        [[("取消", "ev:cancel", None)]],
        [[("报名", "ev:1", None), ("Map", None, "https://example.org/map")]],
    ]


async def test_a_file_and_its_caption_arrive_whole(api: BotApiStandin) -> None:
    content = bytes(range(256)) * 40
    async with _bot(api) as bot:
        await bot.send_document(USER, document=content, filename="名单.csv", caption="名单")
    (call,) = api.calls_to("sendDocument")
    assert call.params["caption"] == "名单"
    assert call.params["document"]["content"] == content
    assert call.params["document"]["filename"] == "名单.csv"


async def test_telegram_refusing_is_telegrams_error(api: BotApiStandin) -> None:
    api.fail_next(
        "sendMessage",
        error_code=403,
        description="Forbidden: bot was blocked by the user",
        retry_after=None,
    )
    async with _bot(api) as bot:
        with pytest.raises(Forbidden):
            await bot.send_message(USER, "hello")


async def test_a_slow_answer_is_a_timeout(api: BotApiStandin) -> None:
    async with _bot(api, read_timeout=0.2) as bot:
        api.latency = 1.0
        with pytest.raises(TimedOut):
            await bot.send_message(USER, "hello")


async def test_nobody_listening_is_a_network_error() -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    request = AiohttpRequest(connections=1)
    bot = telegram.Bot("123456:TEST", base_url=f"http://127.0.0.1:{port}/bot", request=request)
    await request.initialize()
    try:
        with pytest.raises(NetworkError):
            await bot.send_message(USER, "hello")
    finally:
        await request.shutdown()


@pytest.mark.thorough  # a crowd at once: the full suite's, not the quick loop's
async def test_a_crowds_replies_go_out_side_by_side(api: BotApiStandin) -> None:
    """With Telegram taking a while per call, 64 answers to 64 people are all on their way
    before the first comes back: none waits for another's connection."""
    async with _bot(api, read_timeout=30) as bot:
        await bot.get_me()  # the connection is open
        api.latency = 2.0
        await asyncio.gather(*(bot.send_message(USER + n, f"hello {n}") for n in range(64)))
    arrived = [call.at for call in api.calls_to("sendMessage")]
    assert len(arrived) == 64
    assert max(arrived) - min(arrived) < 2.0


class _Proxy:
    """A proxy on 127.0.0.1 that writes down the head of each request it is asked to carry and
    refuses it (403): what reached it, and with which credentials."""

    def __init__(self) -> None:
        self.heads: list[str] = []
        self.server: asyncio.Server | None = None

    async def __aenter__(self) -> _Proxy:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()

    @property
    def port(self) -> int:
        assert self.server is not None
        return self.server.sockets[0].getsockname()[1]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        self.heads.append(head.decode("latin-1"))
        writer.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        await writer.drain()
        writer.close()


async def test_the_proxy_is_the_environments(monkeypatch: pytest.MonkeyPatch) -> None:
    """HTTPS_PROXY (and NO_PROXY) are honoured, as python-telegram-bot's httpx client did: a
    call to Telegram goes through the proxy the environment names, with its credentials, and
    not through it for a host NO_PROXY names."""
    credentials = base64.b64encode(b"someone:secret").decode()
    async with _Proxy() as proxy:
        monkeypatch.setenv("HTTPS_PROXY", f"http://someone:secret@127.0.0.1:{proxy.port}")
        monkeypatch.setenv("HTTP_PROXY", f"http://someone:secret@127.0.0.1:{proxy.port}")
        request = AiohttpRequest()
        bot = telegram.Bot("123456:TEST", request=request)
        await request.initialize()
        try:
            with pytest.raises(NetworkError):  # the proxy refuses: nothing leaves the machine
                await bot.get_me()
        finally:
            await request.shutdown()
        [head] = proxy.heads
        assert head.startswith("CONNECT api.telegram.org:443 ")
        assert f"Proxy-Authorization: Basic {credentials}" in head

        with socket.socket() as unused:
            unused.bind(("127.0.0.1", 0))
            port = unused.getsockname()[1]
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        request = AiohttpRequest()
        bot = telegram.Bot("123456:TEST", base_url=f"http://127.0.0.1:{port}/bot", request=request)
        await request.initialize()
        try:
            with pytest.raises(NetworkError):  # straight to a port nobody listens on
                await bot.get_me()
        finally:
            await request.shutdown()
        assert len(proxy.heads) == 1, "NO_PROXY: not through the proxy"
