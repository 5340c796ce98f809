"""The first flows, through the in-memory transport, in both languages."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.models import Conversation, User
from handlers.payloads import StartLink
from handlers.types import Kind


class ZzLink(StartLink, prefix="zz"):
    """A start link only this test declares."""

    thing: int


ZH_WELCOME = "欢迎使用邻里"
HANT_WELCOME = "歡迎使用鄰里"
EN_WELCOME = "Welcome to Linli"


@pytest.mark.parametrize(
    ("hint", "expected"),
    [
        ("zh-hans", ZH_WELCOME),
        ("zh-TW", HANT_WELCOME),  # Taiwan, Hong Kong, Macau, zh-hant: Traditional
        ("zh-hk", HANT_WELCOME),
        ("zh-hant", HANT_WELCOME),
        ("zh-CN", ZH_WELCOME),  # any other zh*: Simplified
        ("en", EN_WELCOME),
        ("fr", EN_WELCOME),  # any other language: English
        (None, ZH_WELCOME),  # no hint: the community default (zh_Hans here)
    ],
)
def test_start_greets_in_the_negotiated_language(resident, hint, expected):
    """/start welcomes each neighbour in their app's language and shows the menu."""
    person = resident(f"p-{hint}", hint)
    person.send("/start")
    assert expected in person.text
    labels = [button.label for button in person.buttons()]
    if hint is None:  # no language from the app (Matrix, the console): one tap to switch
        assert labels[5:8] == ["简体", "繁體", "English"], labels
        person.press("English")
        assert "From now on I will write to you in English." in person.text
        return
    assert len(labels) == 9, labels  # the menu, then (once) the question about notices
    assert labels[5] == "🌐 简体 / 繁體 / English"  # the language switch reads the same in all


def test_menu_labels_follow_the_glossary(resident):
    wang = resident("Wang", "zh-hans")
    wang.send("/start")
    assert [b.label for b in wang.buttons()][:3] == ["🗓 活动", "🙋 找志愿者帮忙", "⚖️ 反映邻里纠纷"]
    alice = resident("Alice", "en")
    alice.send("/start")
    assert [b.label for b in alice.buttons()][:3] == [
        "🗓 Events",
        "🙋 Ask a volunteer",
        "⚖️ Report a dispute",
    ]


def test_choosing_a_language_sticks_over_the_app_hint(resident, session_factory):
    """A French phone gets English, the neighbour picks 简体, and it stays Chinese."""
    pierre = resident("Pierre", "fr")
    pierre.send("/start")
    pierre.press("简体 / 繁體 / English")
    assert "请选择语言" not in pierre.text and "Please choose your language" in pierre.text
    pierre.press("简体")
    assert "以后我会用简体中文和您交流" in pierre.text
    pierre.send("/start")
    assert ZH_WELCOME in pierre.text
    with session_factory() as session:
        user = session.scalar(select(User).where(User.display_name == "Pierre"))
        assert user.locale == "zh_Hans"


def test_lang_command_with_argument_and_typed_language_name(resident):
    wang = resident("Wang", "zh-hans")
    wang.send("/lang en")
    assert wang.text.startswith("From now on I will write to you in English.")
    wang.send("中文")  # typed, not pressed: a neighbour who cannot read English finds the way
    assert wang.text.startswith("好的，以后我会用简体中文和您交流。")


def test_typed_button_label_counts_as_pressing_it(resident):
    """On Telegram typing “events” is a kindness; it acts like the button."""
    alice = resident("Alice", "en")
    alice.send("/start")
    alice.send("events")
    assert "There are no upcoming events right now." in alice.text


def test_numbered_buttons_for_the_console(resident):
    bob = resident("Bob", "en", transport="console", numbered_buttons=True)
    bob.send("/lang")
    bob.send("3")  # [1] 简体 [2] 繁體 [3] English
    assert bob.text.startswith("From now on I will write to you in English.")
    bob.send("9")  # no such button: ordinary text
    assert "did not understand" in bob.text


def test_help_lists_commands_in_the_users_language(resident):
    wang = resident("Wang", "zh-hans")
    wang.send("/help")
    assert "您可以给我发送这些命令：" in wang.text
    assert "/lang — 简体 / 繁體 / English" in wang.text
    assert "/events /myevents — 社区活动" in wang.text
    alice = resident("Alice", "en")
    alice.send("/help")
    assert "/events /myevents — community events" in alice.text
    assert "For volunteers:" not in alice.text and "/queue" not in alice.text


def test_help_gives_staff_a_section_per_role(resident, session_factory, clock):
    """An admin may use every role's commands: each role's come under its own heading."""
    admin = resident("Admin", "zh-hans", user_id="9000")
    admin.send("/help")
    text = admin.text
    for heading, command in (
        ("志愿者可用：", "志愿者可用：/to /note /release /resolve /queue /profile"),
        ("调解员可用：", "调解员可用：/cases"),
        ("组织者可用：", "组织者可用：/newevent /myorganised"),
        ("管理员可用：", "/bind"),
    ):
        assert heading in text and command in text
        assert text.index(heading) <= text.index(command)
    assert text.index("/lang") < text.index("志愿者可用："), "everyone's commands come first"


@pytest.mark.parametrize(
    ("hint", "expected"),
    [("en", "I do not know the command /frobnicate"), ("zh-hans", "我不认识命令 /frobnicate")],
)
def test_unknown_command(resident, hint, expected):
    person = resident("P", hint)
    person.send("/frobnicate")
    assert expected in person.text


@pytest.mark.parametrize(
    ("hint", "expected"),
    [("en", "That button is no longer active"), ("zh-hans", "这个按钮已经失效")],
)
@pytest.mark.parametrize("payload", ["zz:1", "", "fm:deadbe:ok", "x" * 64, "lang", "ev"])
def test_forged_or_stale_buttons_are_refused_clearly(resident, hint, expected, payload):
    """A payload nobody offered never crashes and never acts."""
    person = resident("P", hint)
    person.press_payload(payload)
    if payload in ("lang",):
        assert person.buttons(), "the language choice is shown again"
    elif payload == "ev":
        assert person.buttons()
    else:
        assert expected in person.text


def test_forged_language_code_is_not_stored(resident, session_factory):
    mallory = resident("Mallory", "en")
    mallory.press_payload("lang:set:xx_EVIL")
    assert "That button is no longer active" in mallory.text
    with session_factory() as session:
        assert session.scalar(select(User.locale).where(User.display_name == "Mallory")) is None


@pytest.mark.parametrize(
    ("hint", "expected"),
    [
        ("en", "Your message is too long (5000 characters; at most 4096)"),
        ("zh-hans", "您的消息太长了"),
    ],
)
def test_text_over_telegrams_limit(resident, hint, expected):
    person = resident("P", hint)
    person.send("字" * 5000)
    assert expected in person.text


@pytest.mark.parametrize("kind", [Kind.PHOTO, Kind.OTHER, Kind.LOCATION])
def test_media_outside_a_form_gets_the_menu(resident, kind):
    person = resident("P", "zh-hans")
    person.send_kind(kind, file_id="f1", location=(30.5, 104.0))
    assert "抱歉，我没有理解您的意思" in person.text


def test_a_sticker_outside_a_form_gets_the_menu_without_an_apology(resident):
    person = resident("P", "zh-hans")
    person.send_kind(Kind.STICKER, file_id="s1")
    assert person.text == "您想做什么？" and person.buttons()


def test_cancel_with_nothing_open(resident):
    person = resident("P", "en")
    person.send("/cancel")
    assert person.text.startswith("There is nothing to cancel.")


def test_group_start_points_to_a_private_chat(dispatcher):
    from handlers.types import ChatRef, Inbound, Sender

    replies = dispatcher.handle(
        Inbound(
            ChatRef("telegram", "-100123", is_group=True),
            Sender("telegram", "77", "G", None, "en"),
            Kind.COMMAND,
            text="/start",
            command="start",
        )
    )
    assert [r.text for r in replies] == [
        "Hello! Please write to me in a private chat to use Linli."
    ]


def test_deep_link_payload_reaches_its_handler(session_factory, community, clock):
    """/start zz_42 goes to whoever registered the "zz" start link, parsed: 42."""
    from bot.dispatcher import Dispatcher
    from handlers import build_registry
    from handlers.router import Registry, Router
    from standin.people import Resident

    router = Router("test-links")
    seen = []

    @router.deep_link(ZzLink)
    def open_event(ctx, link):
        seen.append(link.thing)
        ctx.reply(f"event {link.thing}")

    registry = Registry([*build_registry().routers, router])
    dispatcher = Dispatcher(
        session_factory=session_factory, registry=registry, community=community, clock=clock
    )
    person = Resident(dispatcher, "P", "en")
    person.send("/start zz_42")
    assert seen == [42]
    assert person.text == "event 42"
    person.send("/start nothing_here")  # unknown prefix: the plain welcome
    assert EN_WELCOME in person.text


def test_a_handler_crash_is_answered_and_rolled_back(session_factory, community, clock, caplog):
    """The bot keeps running and says so in the user's language; the half-done work is gone."""
    from bot.dispatcher import Dispatcher
    from handlers import build_registry
    from handlers.router import Registry, Router
    from standin.people import Resident

    router = Router("test-crash")

    @router.command("boom")
    def boom(ctx, args):
        ctx.user.display_name = "changed"
        raise RuntimeError("bug")

    registry = Registry([*build_registry().routers, router])
    dispatcher = Dispatcher(
        session_factory=session_factory, registry=registry, community=community, clock=clock
    )
    wang = Resident(dispatcher, "Wang", "zh-hans")
    wang.send("/start")
    wang.send("/boom")
    assert wang.text.startswith("抱歉，我们这边出了点问题。")
    # Wang is user 2: the settings' admin was loaded into the roles table (user 1) at start.
    assert "failed to handle a command from user 2" in caplog.text
    assert wang.user_id not in caplog.text and "Wang" not in caplog.text, "no ids or names logged"
    with session_factory() as session:
        name = select(User.display_name).where(User.external_id == wang.user_id)
        assert session.scalar(name) == "Wang"
    wang.send("/start")
    assert ZH_WELCOME in wang.text


def test_flood_is_throttled(dispatcher, resident):
    person = resident("Spammer", "en")
    texts = [person.send("hello") and person.text for _ in range(25)]
    assert "You are sending messages very fast" in texts[20]
    assert person.send("hello") == []  # dropped quietly until the window has room


def test_keyboard_is_remembered_per_chat(resident, session_factory):
    alice = resident("Alice", "en")
    alice.send("/lang")
    with session_factory() as session:
        keyboard = session.scalar(select(Conversation.keyboard))
    assert keyboard == [
        ["简体", "lang:set:zh_Hans"],
        ["繁體", "lang:set:zh_Hant"],
        ["English", "lang:set:en"],
    ]


def test_a_superscript_digit_on_the_console_is_text_not_a_button(resident):
    """A superscript "²" is a digit to isdigit() but no number: answered, never a crash."""
    ana = resident("Ana", "en", numbered_buttons=True)
    ana.send("/start")
    ana.send("²")
    assert "Sorry, I did not understand that." in ana.text
