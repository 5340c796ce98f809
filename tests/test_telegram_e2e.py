"""End to end over HTTP: the real python-telegram-bot ``Application``, started by ``serve`` as
``linli run`` starts it, against the Bot API stand-in on 127.0.0.1."""

from __future__ import annotations

import asyncio
import logging

import pytest
from sqlalchemy import select

from db import outbox
from db.models import OutboxMessage, OutboxStatus
from db.users import get_or_create_user
from handlers import build_registry
from handlers.roles import RoleGranted
from handlers.router import Registry, Router
from tests.telegram_support import keyboard_labels, running_bot, sent_to

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


async def test_chinese_user_gets_chinese_welcome_and_buttons_work(session_factory, community):
    async with running_bot(session_factory, community) as (api, _, _):
        api.user_sends_text(user_id=501, text="/start", language_code="zh-hans", first_name="王")
        [welcome] = await api.wait_for(sent_to(api, 501))
        assert welcome.params["text"].startswith("欢迎使用邻里")
        assert keyboard_labels(welcome) == [
            "🗓 活动",
            "🙋 找志愿者帮忙",
            "⚖️ 反映邻里纠纷",
            "🏠 预约空间",
            "🤝 志愿服务",
            "🌐 简体 / 繁體 / English",
            "✅ 好的，接收新闻和安全通知",  # asked once: would they like notices?
            "选择类别",
            "不用了",
        ]
        api.user_presses(user_id=501, data="lang:menu", language_code="zh-hans")
        _, choice = await api.wait_for(sent_to(api, 501), count=2)
        assert choice.params["text"] == "请选择语言："
        assert keyboard_labels(choice) == ["简体", "繁體", "English"]
        api.user_presses(user_id=501, data="lang:set:en", language_code="zh-hans")
        *_, switched = await api.wait_for(sent_to(api, 501), count=3)
        assert switched.params["text"] == "From now on I will write to you in English."
        answered = await api.wait_for(lambda c: c.method == "answerCallbackQuery", count=2)
        assert len(answered) == 2, "every button press stops its spinner"


async def test_french_user_gets_english(session_factory, community):
    async with running_bot(session_factory, community) as (api, _, _):
        api.user_sends_text(user_id=502, text="/start", language_code="fr")
        [welcome] = await api.wait_for(sent_to(api, 502))
        assert welcome.params["text"].startswith("Welcome to Linli")


def _chat_menu(api, chat_id: int) -> dict[str, str]:
    return {c["command"]: c["description"] for c in api.commands.get((None, f"chat:{chat_id}"), [])}


async def test_a_traditional_reader_gets_the_menu_in_traditional(session_factory, community):
    """Telegram's menus per language know only ``zh`` (Simplified): a 繁體 reader's own chat
    gets the menu in Traditional when they are detected as one (zh-hk) or choose 繁體, and
    loses it again when they choose English."""
    async with running_bot(session_factory, community) as (api, _, _):
        api.user_sends_text(user_id=811, text="/start", language_code="zh-hk")
        await api.wait_for(sent_to(api, 811))
        assert _chat_menu(api, 811)["start"] == "歡迎和主選單"
        api.user_sends_text(user_id=811, text="/lang en")
        await api.wait_for(sent_to(api, 811), count=2)
        assert _chat_menu(api, 811) == {}  # Telegram's English menu applies again

        api.user_sends_text(user_id=812, text="/start", language_code="zh-hans")
        await api.wait_for(sent_to(api, 812))
        assert _chat_menu(api, 812) == {}  # 简体: Telegram's own zh menu
        api.user_sends_text(user_id=812, text="/lang hant")
        await api.wait_for(sent_to(api, 812), count=2)
        assert _chat_menu(api, 812)["lang"] == "简体 / 繁體 / English：選擇語言"


async def test_command_menus_are_registered_per_language(session_factory, community):
    async with running_bot(session_factory, community) as (api, _, _):
        # The menu is for private chats only: a group shows none (no "/mycases" to tap there).
        private = "all_private_chats"
        zh = {c["command"]: c["description"] for c in api.commands[("zh", private)]}
        en = {c["command"]: c["description"] for c in api.commands[("en", private)]}
        default = {c["command"]: c["description"] for c in api.commands[(None, private)]}
        assert not [key for key in api.commands if key[1] == "default"], api.commands.keys()
        assert zh["start"] == "欢迎和主菜单" and en["start"] == "Welcome and main menu"
        assert zh["lang"] == "简体 / 繁體 / English：选择语言"
        assert default == zh  # the community default is Chinese
        assert (
            set(zh)
            == set(en)
            == {
                "start",
                "menu",
                "help",
                "cancel",
                "events",
                "myevents",
                "ask",
                "myrequests",
                "report",
                "mycases",
                "notices",
                "rooms",
                "mybookings",
                "volunteer",
                "myhours",
                "lang",
                "mydata",
                "deleteme",
            }
        )
        assert zh["mydata"].startswith("我的数据") and en["mydata"].startswith("My data")
        assert zh["deleteme"].startswith("删除我的数据")


async def test_bad_input_over_telegram(session_factory, community):
    """Over-long text, a sticker, a photo, a forged button: each answered, nothing crashes."""
    async with running_bot(session_factory, community) as (api, _, _):
        api.user_sends_text(user_id=503, text="x" * 5000, language_code="en")
        [long] = await api.wait_for(sent_to(api, 503))
        assert long.params["text"].startswith("Your message is too long (5000 characters")
        api.user_sends_sticker(user_id=503, language_code="en")
        api.user_sends_photo(user_id=503, language_code="en", caption="look")
        *_, sticker, photo = await api.wait_for(sent_to(api, 503), count=3)
        assert sticker.params["text"] == "What would you like to do?"  # no apology
        assert photo.params["text"].startswith("Sorry, I did not understand that.")
        api.user_presses(user_id=503, data="ev:join:99999", language_code="en")
        api.user_presses(user_id=503, data="zz:forged", language_code="en")
        *_, forged = await api.wait_for(sent_to(api, 503), count=5)
        assert forged.params["text"].startswith("That button is no longer active.")
        api.user_sends_text(user_id=503, text="/start", language_code="en")
        *_, alive = await api.wait_for(sent_to(api, 503), count=6)
        assert alive.params["text"].startswith("Welcome to Linli")


async def test_long_replies_are_split_under_telegrams_limit(session_factory, community):
    router = Router("test-long")

    @router.command("long")
    def long_reply(ctx, args):
        ctx.reply("\n".join(f"line {i} " + "字" * 80 for i in range(120)))

    registry = Registry([*build_registry().routers, router])
    async with running_bot(session_factory, community, registry=registry) as (api, _, _):
        api.user_sends_text(user_id=504, text="/long", language_code="en")
        parts = await api.wait_for(sent_to(api, 504), count=3)
        assert all(len(p.params["text"]) <= 4096 for p in parts)
        assert "line 0 " in parts[0].params["text"] and "line 119 " in parts[-1].params["text"]


async def test_outbox_over_telegram_honours_retry_after(session_factory, community):
    """A 429 with retry_after puts the message back for that long; it then arrives once."""
    async with running_bot(session_factory, community) as (api, _, worker):
        with session_factory() as session, session.begin():
            from datetime import UTC, datetime

            now = datetime.now(UTC)
            zh = get_or_create_user(
                session, transport="telegram", external_id="601", now=now, language_hint="zh-hans"
            )
            en = get_or_create_user(
                session, transport="telegram", external_id="602", now=now, language_hint="en"
            )
            for user in (zh, en):
                outbox.enqueue(
                    session,
                    transport="telegram",
                    chat_id=user.external_id,
                    user_id=user.id,
                    params=RoleGranted(role="volunteer"),
                    now=now,
                )
        api.fail_next("sendMessage", chat_id=601, retry_after=1)
        report = await worker.tick()
        assert (report.sent, report.retried) == (1, 1)
        [en_message] = api.sent_messages(602)
        assert en_message["text"].startswith("You are now a volunteer in Linli.")
        assert api.sent_messages(601) == []
        await asyncio.sleep(1.1)
        report = await worker.tick()
        assert report.sent == 1
        [zh_message] = api.sent_messages(601)
        assert zh_message["text"].startswith("您现在是邻里的志愿者。")
        with session_factory() as session:
            statuses = session.scalars(select(OutboxMessage.status)).all()
        assert statuses == [OutboxStatus.SENT, OutboxStatus.SENT]
        assert (await worker.tick()).sent == 0, "nothing is sent twice"


async def test_blocked_user_fails_visibly_without_blocking_others(session_factory, community):
    async with running_bot(session_factory, community) as (api, _, worker):
        from datetime import UTC, datetime

        with session_factory() as session, session.begin():
            now = datetime.now(UTC)
            for chat in ("701", "702"):
                user = get_or_create_user(session, transport="telegram", external_id=chat, now=now)
                outbox.enqueue(
                    session,
                    transport="telegram",
                    chat_id=chat,
                    user_id=user.id,
                    params=RoleGranted(role="mediator"),
                    now=now,
                )
        api.fail_next(
            "sendMessage",
            chat_id=701,
            error_code=403,
            description="Forbidden: bot was blocked by the user",
            retry_after=None,
        )
        report = await worker.tick()
        assert (report.sent, report.failed) == (1, 1)
        with session_factory() as session:
            [failed] = outbox.failed_messages(session)
            assert failed.chat_id == "701" and "blocked" in failed.last_error


async def test_each_chat_in_order_while_many_chats_write(session_factory, community):
    """One neighbour's messages are handled in the order sent, even in a crowd."""
    router = Router("test-echo")
    handled: list[tuple[str, str]] = []

    @router.on_text
    def echo(ctx):
        handled.append((ctx.user.external_id, ctx.inbound.text))
        ctx.reply(f"echo {ctx.inbound.text}")
        return True

    registry = Registry([*build_registry().routers, router])
    async with running_bot(session_factory, community, registry=registry, latency=0.01) as (
        api,
        _,
        _,
    ):
        for i in range(15):
            api.user_sends_text(user_id=900, text=f"m{i}", language_code="en")
            for other in range(3):
                api.user_sends_text(user_id=1000 + i * 3 + other, text="x", language_code="en")
        replies = await api.wait_for(sent_to(api, 900), count=15, timeout=30)
        assert [r.params["text"] for r in replies] == [f"echo m{i}" for i in range(15)]
        assert [text for who, text in handled if who == "900"] == [f"m{i}" for i in range(15)]


async def test_hundred_neighbours_at_once_are_all_answered(session_factory, community):
    """100 people press at once with 50 ms per Bot API call: everyone gets the answer."""
    async with running_bot(session_factory, community, latency=0.05) as (api, _, _):
        for user_id in range(2000, 2100):
            api.user_sends_text(user_id=user_id, text="/start", language_code="zh-hans")
        welcomes = await api.wait_for(lambda c: c.method == "sendMessage", count=100, timeout=60)
        assert {int(c.params["chat_id"]) for c in welcomes} == set(range(2000, 2100))
        assert all(c.params["text"].startswith("欢迎使用邻里") for c in welcomes)


async def test_webhook_checks_the_secret_token(session_factory, community):
    async with running_bot(session_factory, community, webhook=True) as (api, _, _):
        assert api.webhook["url"].startswith("http://127.0.0.1:")
        assert api.webhook["url"].endswith("/telegram")
        assert api.webhook["secret_token"] == "s3cret-Token"
        update = {
            "update_id": 1,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": 801, "type": "private"},
                "from": {"id": 801, "is_bot": False, "first_name": "W", "language_code": "en"},
                "text": "/start",
                "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
            },
        }
        assert await api.post_to_webhook(update, secret_token=None) == 403
        assert await api.post_to_webhook(update, secret_token="wrong") == 403
        assert api.sent_messages(801) == []
        api.user_sends_text(user_id=801, text="/start", language_code="en")  # via the webhook
        [welcome] = await api.wait_for(sent_to(api, 801))
        assert welcome.params["text"].startswith("Welcome to Linli")


async def _raw_post(url: str, headers: dict[str, str], body_sent: bytes) -> str:
    """POST with the headers given and only ``body_sent`` of the body; the status line the
    server answers with before the rest would have come (the body is never finished)."""
    host_port = url.split("//", 1)[1].split("/", 1)[0]
    host, port = host_port.split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        writer.write(f"POST /telegram HTTP/1.1\r\nHost: {host_port}\r\n{head}\r\n".encode())
        writer.write(body_sent)
        await writer.drain()
        status = await asyncio.wait_for(reader.readline(), timeout=5)
        return status.decode().strip()
    finally:
        writer.close()


async def test_the_webhook_refuses_a_stranger_and_a_huge_body_before_reading_it(
    session_factory, community
):
    """A 60 MB post without the secret is answered 403 as soon as its headers are in, and one
    with the secret but over 1 MB is answered 413 the same way: neither body is read (only a
    kilobyte of it is ever sent here, so a server that waited for the body would time out)."""
    async with running_bot(session_factory, community, webhook=True) as (api, _, _):
        url = api.webhook["url"]
        huge = {"Content-Type": "application/json", "Content-Length": str(60 * 1024 * 1024)}
        assert "403" in await _raw_post(url, huge, b"{" * 1024)
        wrong = {**huge, "X-Telegram-Bot-Api-Secret-Token": "wrong"}
        assert "403" in await _raw_post(url, wrong, b"{" * 1024)
        with_secret = {**huge, "X-Telegram-Bot-Api-Secret-Token": "s3cret-Token"}
        assert "413" in await _raw_post(url, with_secret, b"{" * 1024)
        # Still serving the residents afterwards.
        api.user_sends_text(user_id=802, text="/start", language_code="en")
        [welcome] = await api.wait_for(sent_to(api, 802))
        assert welcome.params["text"].startswith("Welcome to Linli")


async def test_a_press_is_answered_while_it_is_handled(session_factory, community):
    """The button's spinner is stopped while the press is handled, not first: with Telegram
    taking 2 s per call, the answer to a press comes without waiting out the spinner's call."""
    async with running_bot(session_factory, community) as (api, _, _):
        api.user_sends_text(user_id=503, text="/start", language_code="zh-hans")
        await api.wait_for(sent_to(api, 503))
        api.latency = 2.0
        api.user_presses(user_id=503, data="lang:menu", language_code="zh-hans")
        _, choice = await api.wait_for(sent_to(api, 503), count=2, timeout=30)
        [spinner] = await api.wait_for(lambda c: c.method == "answerCallbackQuery")
        assert choice.params["text"] == "请选择语言："
        assert choice.at - spinner.at < 1.5
        api.latency = 0.0


@pytest.mark.parametrize(
    ("hint", "welcome"), [("en", "Welcome to Linli"), ("zh-hans", "欢迎使用邻里（Linli）")]
)
async def test_a_reply_telegram_did_not_take_goes_out_from_the_outbox_in_order(
    session_factory, community, caplog, hint, welcome
):
    """A 5xx on a direct reply: the reply waits in the outbox and arrives once, before the
    answer to the person's next message; their /start is handled once."""
    async with running_bot(session_factory, community) as (api, _, _):
        api.fail_next(
            "sendMessage", chat_id=951, error_code=502, description="Bad Gateway", retry_after=None
        )
        api.user_sends_text(user_id=951, text="/start", language_code=hint)
        await api.wait_for(sent_to(api, 951))  # refused
        api.user_sends_text(user_id=951, text="/lang en", language_code=hint)
        shown = sent_to(api, 951)
        first, second = await api.wait_for(
            lambda call: shown(call) and bool((call.response or {}).get("ok")), count=2
        )
        assert first.params["text"].startswith(welcome) and keyboard_labels(first)
        assert second.params["text"] == "From now on I will write to you in English."
        await asyncio.sleep(0.5)
        assert len(api.sent_messages(951)) == 2, "nothing twice"
        with session_factory() as session:
            held = session.scalars(
                select(OutboxMessage.status).where(OutboxMessage.template == "held.reply")
            ).all()
        assert held and set(held) == {OutboxStatus.SENT}
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
