"""Tests for standin/botapi.py, driven by the real python-telegram-bot client."""

from __future__ import annotations

import asyncio
import datetime as dtm
import json
import socket
import time
from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio
import telegram
import tornado.httpserver
import tornado.netutil
import tornado.web
from telegram import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, RetryAfter
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)

from standin.botapi import SECRET_TOKEN_HEADER, ApiCall, BotApiStandin

pytestmark = pytest.mark.asyncio

USER = 4242


@pytest_asyncio.fixture
async def api() -> AsyncIterator[BotApiStandin]:
    async with BotApiStandin() as standin:
        yield standin


@pytest_asyncio.fixture
async def bot(api: BotApiStandin) -> AsyncIterator[telegram.Bot]:
    async with telegram.Bot(api.token, base_url=api.base_url) as client:
        yield client


def _seconds(error: RetryAfter) -> float:
    value = error.retry_after  # int in PTB 22 by default, timedelta with PTB_TIMEDELTA=1
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


def _is(method: str):
    return lambda call: call.method == method


class _Inbox:
    """What a test webhook endpoint received: (secret header, update) pairs."""

    def __init__(self) -> None:
        self.received: list[tuple[str | None, dict]] = []
        self._arrived = asyncio.Event()

    def add(self, header: str | None, update: dict) -> None:
        self.received.append((header, update))
        self._arrived.set()

    async def wait(self, count: int, seconds: float = 5.0) -> list[tuple[str | None, dict]]:
        async with asyncio.timeout(seconds):
            while len(self.received) < count:
                self._arrived.clear()
                await self._arrived.wait()
        return self.received


class _Receiver(tornado.web.RequestHandler):
    """A webhook endpoint that records what it gets and insists on the secret header."""

    def initialize(self, inbox: _Inbox, secret: str) -> None:
        self.inbox = inbox
        self.secret = secret

    def post(self) -> None:
        header = self.request.headers.get(SECRET_TOKEN_HEADER)
        if header != self.secret:
            self.set_status(403)
            return
        self.inbox.add(header, json.loads(self.request.body))


@pytest_asyncio.fixture
async def receiver() -> AsyncIterator[tuple[str, _Inbox]]:
    inbox = _Inbox()
    app = tornado.web.Application([(r"/hook", _Receiver, {"inbox": inbox, "secret": "s3"})])
    sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
    server = tornado.httpserver.HTTPServer(app)
    server.add_sockets(sockets)
    yield f"http://127.0.0.1:{sockets[0].getsockname()[1]}/hook", inbox
    server.stop()
    await server.close_all_connections()


# --------------------------------------------------------------------------- basics


async def test_get_me_and_wrong_token(api: BotApiStandin, bot: telegram.Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.first_name, me.is_bot) == (
        123456,
        "linli_test_bot",
        "Linli",
        True,
    )
    assert me.can_join_groups and not me.can_read_all_group_messages
    assert api.calls_to("getMe")  # Bot.initialize() called it too
    with pytest.raises(InvalidToken):
        async with telegram.Bot("123456:WRONG", base_url=api.base_url):
            pass
    with pytest.raises(telegram.error.EndPointNotFound):
        await bot.do_api_request("frobnicate")
    assert api.calls[-1].response == {
        "ok": False,
        "error_code": 404,
        "description": "Not Found: method not found",
    }


async def test_text_update_parses_with_command_entity(
    api: BotApiStandin, bot: telegram.Bot
) -> None:
    raw = api.user_sends_text(user_id=USER, text="/start@linli_test_bot ref42", username="ann")
    update = Update.de_json(raw, bot)
    message = update.effective_message
    assert message is not None and message.chat.type == "private"
    assert message.chat.id == USER and message.from_user.username == "ann"
    assert message.from_user.language_code == "en"
    assert message.parse_entities(["bot_command"]).popitem()[1] == "/start@linli_test_bot"
    group = Update.de_json(api.user_sends_text(user_id=USER, text="hi", chat_id=-100), bot)
    assert group.effective_chat.type == "supergroup" and not group.message.entities


async def test_media_updates_parse(api: BotApiStandin, bot: telegram.Bot) -> None:
    photo = Update.de_json(api.user_sends_photo(user_id=USER, caption="look"), bot).message
    assert len(photo.photo) == 2 and photo.photo[0].file_id != photo.photo[1].file_id
    assert photo.caption == "look"
    sticker = Update.de_json(api.user_sends_sticker(user_id=USER), bot).message.sticker
    assert sticker.type == "regular" and sticker.emoji
    location = Update.de_json(
        api.user_sends_location(user_id=USER, latitude=31.23, longitude=121.47), bot
    ).message.location
    assert (location.latitude, location.longitude) == (31.23, 121.47)
    doc = Update.de_json(
        api.user_sends_document(user_id=USER, content=b"%PDF-1.4 hi"), bot
    ).message.document
    assert (doc.file_name, doc.mime_type) == ("letter.pdf", "application/pdf")
    ids = [u.update_id for u in await bot.get_updates()]
    assert ids == sorted(ids) and len(ids) == 4


# --------------------------------------------------------------------------- messages


async def test_send_edit_and_answer_round_trip(api: BotApiStandin, bot: telegram.Bot) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Join", callback_data="join:7")]])
    sent = await bot.send_message(USER, "Event 7", reply_markup=keyboard)
    assert sent.text == "Event 7" and sent.reply_markup == keyboard
    assert sent.from_user.id == api.bot_id and sent.chat.id == USER
    [record] = api.sent_messages(USER)
    assert record["reply_markup"] == {
        "inline_keyboard": [[{"text": "Join", "callback_data": "join:7"}]]
    }
    assert api.sent_messages(USER + 1) == []
    assert api.calls_to("sendMessage")[0].params["chat_id"] == USER

    query = Update.de_json(api.user_presses(user_id=USER, data="join:7"), bot).callback_query
    assert query.message.message_id == sent.message_id and query.data == "join:7"
    assert await bot.answer_callback_query(query.id, text="Joined")
    assert api.calls_to("answerCallbackQuery")[0].params == {
        "callback_query_id": query.id,
        "text": "Joined",
    }
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query(query.id)

    edited = await bot.edit_message_text("Event 7 (joined)", USER, sent.message_id)
    assert edited.text == "Event 7 (joined)" and edited.reply_markup is None
    assert edited.edit_date is not None
    assert api.sent_messages()[0]["text"] == "Event 7"  # the record is what was sent
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("Event 7 (joined)", USER, sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", USER, 999)
    relabelled = await bot.edit_message_text(
        "Event 7 (joined)", USER, sent.message_id, reply_markup=keyboard
    )
    assert relabelled.reply_markup == keyboard and relabelled.text == "Event 7 (joined)"

    second = await bot.send_message(USER, "Another")
    pressed = Update.de_json(
        api.user_presses(user_id=USER, data="join:7", message_id=sent.message_id), bot
    )
    assert pressed.callback_query.message.reply_markup == keyboard
    latest = Update.de_json(api.user_presses(user_id=USER, data="x"), bot)
    assert latest.callback_query.message.message_id == second.message_id
    with pytest.raises(LookupError):
        api.user_presses(user_id=777, data="x")


async def test_rejects_what_telegram_rejects(api: BotApiStandin, bot: telegram.Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(USER, "x" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(USER, "")
    too_long_data = InlineKeyboardMarkup([[InlineKeyboardButton("b", callback_data="d" * 65)]])
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(USER, "hi", reply_markup=too_long_data)
    assert await bot.send_message(USER, "x" * 4096)
    assert len(api.sent_messages()) == 1


async def test_reply_keyboard_recorded_but_not_echoed(
    api: BotApiStandin, bot: telegram.Bot
) -> None:
    markup = ReplyKeyboardMarkup([["中文", "English"]], one_time_keyboard=True)
    sent = await bot.send_message(-1001, "Language?", reply_markup=markup)
    assert sent.reply_markup is None and sent.chat.type == "supergroup"
    assert api.sent_messages(-1001)[0]["reply_markup"]["keyboard"] == [
        [{"text": "中文"}, {"text": "English"}]
    ]


async def test_files(api: BotApiStandin, bot: telegram.Bot) -> None:
    doc = await bot.send_document(USER, b"hello", filename="notes.txt", caption="Notes")
    assert doc.caption == "Notes" and doc.document.file_name == "notes.txt"
    upload = api.calls_to("sendDocument")[0].params["document"]
    assert upload == {"filename": "notes.txt", "content": b"hello", "content_type": "text/plain"}
    photo = await bot.send_photo(USER, b"\x89PNG fake", caption="Map")
    assert len(photo.photo) == 2 and photo.caption == "Map"
    again = await bot.send_photo(-1001, photo.photo[-1].file_id)  # by file id, as the bot does
    assert again.photo[-1].file_id == photo.photo[-1].file_id
    assert [m.get("caption") for m in api.sent_messages(USER)] == ["Notes", "Map"]


async def test_get_file_and_its_download_and_a_foreign_file_id(api: BotApiStandin) -> None:
    files = f"http://127.0.0.1:{api.port}/file/bot"
    async with telegram.Bot(api.token, base_url=api.base_url, base_file_url=files) as bot:
        sent = api.user_sends_photo(user_id=USER)
        file_id = sent["message"]["photo"][-1]["file_id"]
        found = await bot.get_file(file_id)
        assert bytes(await found.download_as_bytearray()) == api.file(file_id)
        with pytest.raises(BadRequest, match=r"(?i)invalid file_id"):
            await bot.get_file("mxc://linli.test/abc")
        # Another transport's file id cannot be sent by id, as on Telegram.
        with pytest.raises(BadRequest, match=r"(?i)wrong remote file identifier"):
            await bot.send_photo(USER, "mxc://linli.test/abc")


async def test_methods_the_bot_does_not_use_answer_404(api: BotApiStandin) -> None:
    async with httpx.AsyncClient(trust_env=False) as client:
        answer = await client.post(f"{api.base_url}{api.token}/getChat", json={"chat_id": 1})
    assert answer.status_code == 404


async def test_request_body_decoding(api: BotApiStandin) -> None:
    url = f"{api.base_url}{api.token}/sendMessage"
    markup = {"inline_keyboard": [[{"text": "a", "callback_data": "1"}]]}
    async with httpx.AsyncClient(trust_env=False) as client:
        form = await client.post(
            url, data={"chat_id": "-5", "text": "12", "reply_markup": json.dumps(markup)}
        )
        as_json = await client.post(url, json={"chat_id": 6, "text": "[1]", "reply_markup": markup})
        get = await client.get(f"{api.base_url}{api.token}/getMe")
    assert form.status_code == as_json.status_code == get.status_code == 200
    first, second = (call.params for call in api.calls_to("sendMessage"))
    assert first == {"chat_id": -5, "text": "12", "reply_markup": markup}
    assert second == {"chat_id": 6, "text": "[1]", "reply_markup": markup}


async def test_set_my_commands_per_language_and_scope(
    api: BotApiStandin, bot: telegram.Bot
) -> None:
    await bot.set_my_commands([BotCommand("start", "Start")])
    await bot.set_my_commands(
        [BotCommand("start", "开始"), BotCommand("help", "帮助")], language_code="zh"
    )
    await bot.set_my_commands(
        [BotCommand("events", "Events")], scope=BotCommandScopeAllPrivateChats()
    )
    assert api.commands[(None, "default")] == [{"command": "start", "description": "Start"}]
    assert [c["command"] for c in api.commands[("zh", "default")]] == ["start", "help"]
    assert (None, "all_private_chats") in api.commands
    await bot.set_my_commands([], language_code="zh")  # an empty list deletes
    assert ("zh", "default") not in api.commands
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand("Start", "Upper case is not allowed")])


# --------------------------------------------------------------------------- faults, latency


# PTB's own RetryAfter constructor reads the deprecated int form of retry_after.
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_fail_next(api: BotApiStandin, bot: telegram.Bot) -> None:
    api.fail_next("sendMessage", retry_after=3, description="Too Many Requests: retry after 3")
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(USER, "hi")
    assert _seconds(caught.value) == 3
    assert api.calls_to("sendMessage")[-1].response["parameters"] == {"retry_after": 3}

    api.fail_next(
        "sendMessage",
        chat_id=USER,
        times=2,
        error_code=403,
        description="Forbidden: bot was blocked by the user",
        retry_after=None,
    )
    assert await bot.send_message(USER + 1, "other chat is unaffected")
    for _ in range(2):
        with pytest.raises(Forbidden, match=r"(?i)blocked"):
            await bot.send_message(USER, "hi")
    assert "parameters" not in api.calls_to("sendMessage")[-1].response
    assert await bot.send_message(USER, "fine again")
    assert [m["text"] for m in api.sent_messages()] == ["other chat is unaffected", "fine again"]


async def test_latency_applies_to_all_but_get_updates(
    api: BotApiStandin, bot: telegram.Bot
) -> None:
    api.latency = 0.3
    started = time.monotonic()
    await bot.send_message(USER, "slow")
    assert time.monotonic() - started >= 0.3
    started = time.monotonic()
    assert await bot.get_updates(timeout=0) == ()
    assert time.monotonic() - started < 0.2
    api.latency = 0
    started = time.monotonic()
    await bot.get_me()
    assert time.monotonic() - started < 0.2


async def test_wait_for(api: BotApiStandin, bot: telegram.Bot) -> None:
    async def later() -> None:
        await asyncio.sleep(0.05)
        for n in range(3):
            await bot.send_message(USER, f"m{n}")

    task = asyncio.create_task(later())
    calls = await api.wait_for(_is("sendMessage"), count=2, timeout=2)
    assert [c.params["text"] for c in calls] == ["m0", "m1"]
    assert all(isinstance(c, ApiCall) and c.response["ok"] for c in calls)
    await task
    with pytest.raises(TimeoutError, match=r"(?s)0 of 1 expected calls.*sendMessage"):
        await api.wait_for(_is("editMessageText"), timeout=0.1)


# --------------------------------------------------------------------------- polling


async def test_long_poll_returns_when_update_arrives(api: BotApiStandin, bot: telegram.Bot) -> None:
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await api.wait_for(_is("getUpdates"))
    api.user_sends_text(user_id=USER, text="hello")
    [update] = await poll
    assert time.monotonic() - started < 1
    assert update.message.text == "hello"
    # Not confirmed yet: delivered again; confirmed with offset: gone.
    assert [u.update_id for u in await bot.get_updates()] == [update.update_id]
    assert await bot.get_updates(offset=update.update_id + 1) == ()
    for n in range(3):
        api.user_sends_text(user_id=USER, text=str(n))
    assert [u.message.text for u in await bot.get_updates(limit=2)] == ["0", "1"]


async def test_stop_interrupts_long_poll(api: BotApiStandin, bot: telegram.Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await api.wait_for(_is("getUpdates"))
    started = time.monotonic()
    await api.stop()
    assert await poll == ()
    assert time.monotonic() - started < 1


async def test_application_polling_with_handlers(api: BotApiStandin) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("OK", callback_data="ok")]])
        await update.message.reply_text(
            f"Hi {update.effective_user.first_name}", reply_markup=keyboard
        )

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.callback_query.answer("done")
        await update.callback_query.edit_message_text("Confirmed")

    app: Application = ApplicationBuilder().token(api.token).base_url(api.base_url).build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(pressed))
    async with app:
        await app.updater.start_polling(poll_interval=0, timeout=1)
        await app.start()
        api.user_sends_text(user_id=USER, text="/start", first_name="Mei")
        [call] = await api.wait_for(_is("sendMessage"), timeout=5)
        assert call.params["text"] == "Hi Mei"
        api.user_presses(user_id=USER, data="ok")
        await api.wait_for(_is("editMessageText"), timeout=5)
        await app.updater.stop()
        await app.stop()
    assert api.calls_to("answerCallbackQuery")[0].params["text"] == "done"
    assert api.message(USER, call.response["result"]["message_id"])["text"] == "Confirmed"


# --------------------------------------------------------------------------- webhooks


async def test_webhook_delivery_and_post_to_webhook(
    api: BotApiStandin, bot: telegram.Bot, receiver: tuple[str, _Inbox]
) -> None:
    url, inbox = receiver
    early = api.user_sends_text(user_id=USER, text="queued before setWebhook")
    assert await bot.set_webhook(url, secret_token="s3")
    assert api.webhook is not None and api.webhook["secret_token"] == "s3"
    with pytest.raises(Conflict):
        await bot.get_updates()
    later = [api.user_sends_text(user_id=USER, text=f"t{n}") for n in range(3)]
    other = api.user_sends_text(user_id=USER + 1, text="other chat")

    received = await inbox.wait(5)
    assert all(header == "s3" for header, _ in received)
    mine = [body["update_id"] for _, body in received if body["message"]["chat"]["id"] == USER]
    assert mine == [early["update_id"], *(u["update_id"] for u in later)]
    assert other["update_id"] in [body["update_id"] for _, body in received]
    assert api.webhook["url"] == url

    update = {"message": later[0]["message"]}
    assert await api.post_to_webhook(update) == 200
    assert await api.post_to_webhook(update, secret_token=None) == 403
    assert await api.post_to_webhook(update, secret_token="wrong") == 403

    assert await bot.delete_webhook()
    assert api.webhook is None
    api.user_sends_text(user_id=USER, text="polled again")
    [polled] = await bot.get_updates()
    assert polled.message.text == "polled again"


async def test_webhook_refuses_public_urls_unless_redirected(
    api: BotApiStandin, bot: telegram.Bot, receiver: tuple[str, _Inbox]
) -> None:
    url, inbox = receiver
    with pytest.raises(BadRequest, match=r"(?i)loopback"):
        await bot.set_webhook("https://linli.example/tg", secret_token="s3")
    api.webhook_delivery_url = url
    assert await bot.set_webhook("https://linli.example/tg", secret_token="s3")
    api.user_sends_text(user_id=USER, text="via redirect")
    received = await inbox.wait(1)
    assert received[0][1]["message"]["text"] == "via redirect"
    assert api.webhook["url"] == "https://linli.example/tg"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_application_webhook_mode(api: BotApiStandin) -> None:
    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.message.reply_text(update.message.text.upper())

    port = _free_port()
    api.webhook_delivery_url = f"http://127.0.0.1:{port}/tg"
    app = ApplicationBuilder().token(api.token).base_url(api.base_url).build()
    app.add_handler(CommandHandler("start", echo))
    async with app:
        await app.updater.start_webhook(
            listen="127.0.0.1",
            port=port,
            url_path="tg",
            webhook_url="https://linli.example/tg",
            secret_token="s3cret",
        )
        await app.start()
        assert api.webhook["url"] == "https://linli.example/tg"
        api.user_sends_text(user_id=USER, text="/start")
        [call] = await api.wait_for(_is("sendMessage"), timeout=5)
        assert call.params["text"] == "/START"
        probe = {"message": api.message(USER, 1)}
        assert await api.post_to_webhook(probe, secret_token="nope") == 403
        await app.updater.stop()
        await app.stop()
