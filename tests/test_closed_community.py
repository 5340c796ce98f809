"""Matrix as a closed community, the parts that need no homeserver: names never an account id,
the allowed servers in the settings, the community-wide ceiling on anonymous reports (also
with many reporters at once), team rooms that hold only the team, private chats that others
joined, and the Matrix device's files (modes from the first byte, a secret pickle key)."""

from __future__ import annotations

import asyncio
import json
import os
import stat
import threading
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from nio import Event
from sqlalchemy import func, select

from bot.config import ConfigError, load_settings
from bot.dispatcher import Dispatcher
from bot.matrix import convert
from bot.matrix.device import NIO_DEFAULT_KEY, Device, MatrixConfig
from bot.outbox import OutboxWorker
from db.disputes.models import DisputeCase
from db.models import TeamChat, User
from db.teams import forget_private_chat, hold_room, notify_team
from handlers.types import ChatRef, Inbound, Kind, RoomFacts, Sender
from handlers.types import Reply as Reply_
from tests.dispute_support import file_report
from tests.requests_support import file_request, make_volunteer
from tests.support import Note, Resident, loose_dispatcher
from tests.telegram_support import running_bot

ROOM = "!team:linli.test"
VOLUNTEER = "@li.wei:linli.test"


@pytest.fixture
def dispatcher(session_factory, registry, community, clock):
    return loose_dispatcher(session_factory, registry, community, clock)


def _in_room(dispatcher, who: str, name: str, command: str, facts: RoomFacts | None, hint="en"):
    word, _, args = command[1:].partition(" ")
    inbound = Inbound(
        ChatRef("matrix", ROOM, is_group=True),
        Sender("matrix", who, name, None, hint),
        Kind.COMMAND,
        text=command,
        command=word,
        args=args,
        room=facts,
    )
    return "\n".join(reply.text for reply in dispatcher.handle(inbound))


def _press_in_room(dispatcher, who: str, name: str, payload: str) -> str:
    inbound = Inbound(
        ChatRef("matrix", ROOM, is_group=True),
        Sender("matrix", who, name, None, "en"),
        Kind.BUTTON,
        payload=payload,
    )
    return "\n".join(reply.text for reply in dispatcher.handle(inbound))


def _matrix_admin(dispatcher: Dispatcher, community) -> None:
    """The settings also name ``@boss:linli.test`` an admin, and the bot starts again with them
    (a dispatcher started on the database loads the settings' admins into the roles table)."""
    dispatcher.community = replace(
        community, admin_refs=community.admin_refs | {"matrix:@boss:linli.test"}
    )
    Dispatcher(
        session_factory=dispatcher.session_factory,
        registry=dispatcher.registry,
        community=dispatcher.community,
        clock=dispatcher.clock,
    )


# ---------------------------------------------------------------------------- 1. names


@pytest.mark.parametrize(
    ("display", "shown"),
    [
        ("Li Wei", "Li Wei"),
        ("", ""),
        (None, ""),
        ("@li.wei:linli.test", ""),  # what nio reports for a member without a display name
        ("li.wei", ""),  # Synapse's default display name: the localpart
        ("Li (@li.wei:linli.test)", ""),  # nio's disambiguated name holds the id
    ],
)
def test_a_matrix_name_is_the_display_name_never_the_account(display, shown):
    assert convert.person_name(display, VOLUNTEER) == shown
    event = {"type": "m.room.message", "sender": VOLUNTEER, "content": {"msgtype": "m.text"}}
    event.update(event_id="$hello", origin_server_ts=1)
    event["content"]["body"] = "hello"
    inbound = convert.to_inbound(
        Event.parse_event(event),
        room_id="!dm:linli.test",
        is_group=False,
        bot_user_id="@bot:linli.test",
        display_name=display or "",
    )
    assert inbound is not None and inbound.sender.display_name == shown


@pytest.mark.parametrize(
    ("hint", "neutral", "welcome"),
    [("en", "a volunteer", "Good news"), ("zh-hans", "志愿者", "好消息")],
)
def test_a_volunteer_without_a_name_is_a_volunteer_to_the_resident(
    dispatcher, resident, session_factory, clock, deliver, postbox, hint, neutral, welcome
):
    alice = resident("Alice", "en")
    file_request(alice)
    if hint != "en":
        alice.send("/lang zh")
    li = make_volunteer(
        session_factory,
        clock,
        Resident(dispatcher, "", "en", transport="matrix", user_id=VOLUNTEER),
    )
    answer = _press_in_room(dispatcher, li.user_id, "", "rq:claim:1")
    assert "@li.wei" not in answer and "\ue000" not in answer
    assert answer.startswith("a volunteer is helping with #R-0001"), answer
    deliver()
    [told] = [t for t in postbox.texts(alice.user_id) if welcome in t]
    assert neutral in told and "li.wei" not in told and "\ue000" not in told


def test_the_consent_question_does_not_say_telegram_on_matrix(dispatcher):
    bo = Resident(dispatcher, "Bo", "en", transport="matrix", user_id="@bo:linli.test")
    bo.send("/ask")
    bo.press("Translation")
    bo.send("Please translate the letter from my landlord.")
    bo.press("Skip")
    bo.press("As soon as possible")
    bo.press("No")
    assert "see your name" in bo.text and "Telegram" not in bo.text


# ---------------------------------------------------------------------------- 2. allowed servers

MATRIX = {
    "LINLI_MATRIX_HOMESERVER": "https://matrix.linli.test",
    "LINLI_MATRIX_USER": "@linli:linli.test",
    "LINLI_MATRIX_PASSWORD": "pw",
}


def test_allowed_servers_default_to_the_bots_own_and_admins_must_be_on_one():
    settings = load_settings({**MATRIX, "LINLI_ADMINS": "@li:linli.test"}, env_file=None)
    assert settings.matrix_allowed_servers == frozenset()
    with pytest.raises(ConfigError, match=r"LINLI_ADMINS: @li:evil\.example.*LINLI_MATRIX_ALLOWED"):
        load_settings({**MATRIX, "LINLI_ADMINS": "@li:evil.example"}, env_file=None)
    settings = load_settings(
        {
            **MATRIX,
            "LINLI_ADMINS": "@li:Other.Example",
            "LINLI_MATRIX_ALLOWED_SERVERS": "linli.test, other.example",
        },
        env_file=None,
    )
    assert settings.matrix_allowed_servers == {"linli.test", "other.example"}
    with pytest.raises(ConfigError, match="LINLI_MATRIX_ALLOWED_SERVERS"):
        load_settings({**MATRIX, "LINLI_MATRIX_ALLOWED_SERVERS": "https://x.org/"}, env_file=None)
    assert load_settings({**MATRIX, "LINLI_LIMIT_ANONYMOUS_REPORTS_PER_HOUR": "3"}, env_file=None)
    community = load_settings(
        {**MATRIX, "LINLI_LIMIT_ANONYMOUS_REPORTS_PER_HOUR": "3"}, env_file=None
    ).community()
    assert community.limit_anonymous_reports_per_hour == 3


def _anonymous(session_factory) -> int:
    with session_factory() as session:
        return session.scalar(
            select(func.count()).select_from(DisputeCase).where(DisputeCase.anonymous.is_(True))
        )


def test_the_community_takes_a_ceiling_of_anonymous_reports_per_hour(
    dispatcher, resident, session_factory, clock
):
    from dataclasses import replace

    dispatcher.community = replace(dispatcher.community, limit_anonymous_reports_per_hour=3)
    for n in range(3):
        file_report(resident(f"Sock {n}", "en", user_id=f"17{n}0"), description=f"Noise {n}.")
    late = resident("Late", "zh-hans", user_id="1790")
    answer = file_report(late, description="楼上每天晚上都很吵。")
    assert "过去一小时内调解员已收到 3 份匿名反映" in answer
    assert _anonymous(session_factory) == 3
    english = resident("Later", "en", user_id="1791")
    answer = file_report(english, description="Loud music every night.")
    assert "received 3 anonymous reports in the last hour" in answer
    named = file_report(english, description="Loud music every night.", anonymous=False)
    assert "was sent to the community's mediators" in named
    clock.advance(hours=1, minutes=1)
    assert "已转给社区调解员" in file_report(late, description="楼上每天晚上都很吵。")
    assert _anonymous(session_factory) == 4


def test_anonymous_reports_sent_at_once_do_not_pass_the_ceiling(
    dispatcher, session_factory, registry, community, clock
):
    from dataclasses import replace

    dispatcher.community = replace(community, limit_anonymous_reports_per_hour=4)
    people = [Resident(dispatcher, f"P{n}", "en", user_id=str(1800 + n)) for n in range(10)]
    barrier = threading.Barrier(len(people))

    def send(person: Resident) -> None:
        barrier.wait()
        file_report(person, description=f"Noise number {person.user_id}.")

    threads = [threading.Thread(target=send, args=(p,)) for p in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert _anonymous(session_factory) == 4


# ---------------------------------------------------------------------------- 3. team rooms


def test_bind_refuses_an_unencrypted_room_a_foreign_room_and_a_stranger(
    dispatcher, session_factory, clock, community
):
    _matrix_admin(dispatcher, community)
    boss = "@boss:linli.test"
    li = make_volunteer(
        session_factory,
        clock,
        Resident(dispatcher, "Li", "en", transport="matrix", user_id=VOLUNTEER),
    )
    open_room = RoomFacts(members=(boss, li.user_id), encrypted=False)
    answer = _in_room(dispatcher, boss, "Boss", "/bind volunteers", open_room)
    assert "must be encrypted" in answer
    foreign = RoomFacts(members=(boss,), encrypted=True, allowed=False)
    assert "homeserver" in _in_room(dispatcher, boss, "Boss", "/bind volunteers", foreign)
    crowd = RoomFacts(
        members=(boss, li.user_id, "@nosy:linli.test", "@x:evil.example"),
        foreign=("@x:evil.example",),
        encrypted=True,
    )
    answer = _in_room(dispatcher, boss, "Boss", "/bind volunteers", crowd, hint="zh-hans")
    assert "有 2 位成员在团队中没有角色" in answer
    assert "nosy" not in answer and "evil" not in answer
    with session_factory() as session:
        assert session.get(TeamChat, "volunteers") is None
    team = RoomFacts(members=(boss, li.user_id), encrypted=True)
    answer = _in_room(dispatcher, boss, "Boss", "/bind volunteers", team)
    assert "room of the volunteer team" in answer
    # The mediators' room may hold mediators and admins only: a volunteer is a stranger there.
    assert "1 member holds no role" in _in_room(dispatcher, boss, "Boss", "/bind mediators", team)


def test_a_held_team_room_gets_nothing_until_an_admin_binds_it_again(
    dispatcher, session_factory, clock, community, resident, registry, postbox
):
    def deliver() -> None:
        worker = OutboxWorker(
            session_factory=session_factory,
            registry=registry,
            community=community,
            deliverers={"telegram": postbox, "matrix": postbox},
            clock=clock,
        )
        asyncio.run(worker.tick())

    _matrix_admin(dispatcher, community)
    boss = "@boss:linli.test"
    admin = resident("Admin", "en", user_id="9000")
    admin.send("/start")
    team = RoomFacts(members=(boss,), encrypted=True)
    assert "room of" in _in_room(dispatcher, boss, "Boss", "/bind volunteers", team)
    with session_factory() as session, session.begin():
        row = session.get(TeamChat, "volunteers")
        assert hold_room(session, row, dispatcher.community.admin_refs, clock())
        assert not hold_room(session, row, dispatcher.community.admin_refs, clock())
    file_request(resident("Alice", "en"))
    deliver()
    assert postbox.texts(ROOM) == []  # no card while held
    [told] = [t for t in postbox.texts("9000") if "holds no role" in t]
    assert "/bind volunteers" in told
    with session_factory() as session, session.begin():
        assert not notify_team(session, "volunteers", {}, now=clock(), params=Note(n=1))
    assert "room of" in _in_room(dispatcher, boss, "Boss", "/bind volunteers", team)
    file_request(resident("Bob", "en"), description="Please help me with the gas bill.")
    deliver()
    assert any("gas bill" in text for text in postbox.texts(ROOM))


def test_a_private_chat_that_others_joined_is_nobodys_private_chat(dispatcher, session_factory):
    bo = Resident(dispatcher, "Bo", "en", transport="matrix", user_id="@bo:linli.test")
    bo.send("/start")  # its chat id is the user id in the in-memory transport
    with session_factory() as session, session.begin():
        assert forget_private_chat(session, "matrix", bo.user_id) == 1
    with session_factory() as session:
        user = session.scalars(select(User).where(User.external_id == bo.user_id)).one()
        assert user.private_chat_id is None


# ---------------------------------------------------------------------------- 4. files and keys


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_the_matrix_folder_and_files_are_private_from_the_first_byte(tmp_path, monkeypatch):
    old = os.umask(0o022)
    try:
        config = MatrixConfig("http://x", "@linli:linli.test", "pw", None, tmp_path / "matrix")
        created: list[tuple[str, int]] = []
        real_open = os.open

        def watching(path, flags, mode=0o777, **kwargs):
            if flags & os.O_CREAT:
                created.append((os.fspath(path), mode))
            return real_open(path, flags, mode, **kwargs)

        monkeypatch.setattr(os, "open", watching)
        device = Device(config)
        device.save_token("s1")
        device.prepare_store("@linli:linli.test", "DEV")

        class Client:  # nio's client, as far as a first login by password goes
            user_id, device_id, access_token = "@linli:linli.test", "DEV", "secret-token"

            async def login(self, password: str, device_name: str) -> object:
                return object()  # a LoginResponse: not an ErrorResponse

        assert asyncio.run(device.login(Client())) == "s1"  # the sync token kept above
    finally:
        os.umask(old)
    store = tmp_path / "matrix"
    assert _mode(store) == 0o700
    for name in ("pickle.key", "sync.json", "credentials.json", "@linli:linli.test_DEV.db"):
        assert _mode(store / name) == 0o600, name
    assert created and all(mode == 0o600 for _, mode in created)
    assert len(device.pickle_key) >= 40 and device.pickle_key != NIO_DEFAULT_KEY
    assert Device(config).pickle_key == device.pickle_key  # generated once


def test_a_store_from_before_the_key_is_encrypted_with_it(tmp_path):
    from nio.crypto import OlmAccount
    from nio.store import DefaultStore

    store = tmp_path / "matrix"
    store.mkdir()
    (store / "credentials.json").write_text(
        json.dumps({"user_id": "@linli:linli.test", "device_id": "DEV", "access_token": "t"})
    )
    legacy = DefaultStore("@linli:linli.test", "DEV", str(store), NIO_DEFAULT_KEY)
    account = OlmAccount()
    legacy.save_account(account)
    legacy.database.close()
    config = MatrixConfig("http://x", "@linli:linli.test", "pw", None, store)
    device = Device(config)
    keyed = DefaultStore("@linli:linli.test", "DEV", str(store), device.pickle_key)
    assert keyed.load_account().identity_keys == account.identity_keys
    with pytest.raises(Exception):  # noqa: B017 (vodozemac's own error type)
        DefaultStore("@linli:linli.test", "DEV", str(store), NIO_DEFAULT_KEY).load_account()


def test_the_reporters_language_is_on_the_private_view_not_the_rooms_card(
    dispatcher, resident, session_factory, clock, deliver, postbox
):
    from tests.dispute_support import bind_mediators, make_mediator
    from tests.support import GROUP

    bind_mediators(dispatcher, hint="en")
    alice = resident("Alice", "zh-hans", user_id="1904")
    file_report(alice, anonymous=True, description="楼上每天晚上都很吵。")
    alice.send("/lang hant")
    deliver()
    [card] = postbox.cards_in(GROUP)
    assert card.text.startswith("⚖️ #D-0001") and "reads" not in card.text
    mediator = make_mediator(resident, session_factory, clock, hint="en")
    mediator.press_payload("dp:open:1")
    assert "The reporter reads 繁體" in mediator.text


async def test_a_stranger_joining_the_telegram_team_group_holds_it(session_factory, community):
    def clock_now():
        return datetime.now(UTC)

    group = -100555
    async with running_bot(session_factory, community) as (api, dispatcher, worker):
        api.user_sends_text(user_id=9000, text="/start", first_name="Admin")
        # A group where someone without a role already is: not bound.
        crowded = -100556
        api.user_sends_text(user_id=8888, text="hello all", chat_id=crowded, first_name="Nosy")
        api.user_sends_text(user_id=9000, text="/bind volunteers", chat_id=crowded)
        await api.wait_for(
            lambda c: "1 member holds no role in the team" in str(c.params.get("text")),
            timeout=30,
        )
        with session_factory() as session:
            assert session.get(TeamChat, "volunteers") is None
        api.user_sends_text(user_id=9000, text="/bind volunteers", chat_id=group)
        await api.wait_for(
            lambda c: "Done: this group is now the room of" in str(c.params.get("text")),
            timeout=30,
        )
        api.user_joins_group(user_id=7777, chat_id=group, first_name="Nosy", added_by=9000)
        for _ in range(100):
            with session_factory() as session:
                if session.get(TeamChat, "volunteers").held_since is not None:
                    break
            await asyncio.sleep(0.1)
        await worker.tick()
        await api.wait_for(
            lambda c: (
                c.params.get("chat_id") in (9000, "9000")
                and "holds no role in the volunteer team" in str(c.params.get("text"))
            ),
            timeout=30,
        )
        before = len(api.sent_messages(group))
        api.user_sends_text(user_id=9000, text="/help", chat_id=group)
        await asyncio.to_thread(file_request, Resident(dispatcher, "Alice", "en", user_id="5001"))
        await worker.tick()
        await asyncio.sleep(1)
        assert len(api.sent_messages(group)) == before  # nothing while held
        api.user_sends_text(user_id=9000, text="/bind volunteers", chat_id=group)
        await api.wait_for(
            lambda c: "1 member holds no role in the team" in str(c.params.get("text")),
            count=2,  # still there: refused again
            timeout=30,
        )
        # The admin gives the newcomer the role and binds again: the group is the team's again.
        with session_factory() as session, session.begin():
            from db.users import get_or_create_user, grant_role

            user = get_or_create_user(
                session, transport="telegram", external_id="7777", now=clock_now()
            )
            grant_role(session, user, "volunteer", now=clock_now(), by="test")
        api.user_sends_text(user_id=9000, text="/bind volunteers", chat_id=group)
        await api.wait_for(
            lambda c: (
                c.params.get("chat_id") in (group, str(group))
                and "Done: this group is now the room of" in str(c.params.get("text"))
            ),
            count=2,
            timeout=30,
        )
        with session_factory() as session:
            assert session.get(TeamChat, "volunteers").held_since is None


@pytest.mark.parametrize(("code", "word"), [("en", "a volunteer"), ("zh_Hans", "志愿者")])
def test_the_neutral_word_is_in_the_readers_language_also_on_buttons(registry, code, word):
    from handlers.common import first_name
    from handlers.i18n import language
    from handlers.types import Button, neutral_reply

    nameless = first_name(User(display_name="@li.wei:linli.test"))
    reply = Reply_(f"{nameless} was here", ((Button(f"🙋 {nameless} was here", "x:1"),),))
    shown = neutral_reply(reply, language(code, "Asia/Shanghai").gettext)
    assert shown.text == f"{word} was here"
    assert shown.buttons[0][0].label == f"🙋 {word} was here"


def test_the_front_desk_room_holds_admins_only(dispatcher, session_factory, clock, community):
    _matrix_admin(dispatcher, community)
    boss = "@boss:linli.test"
    make_volunteer(
        session_factory,
        clock,
        Resident(dispatcher, "Li", "en", transport="matrix", user_id=VOLUNTEER),
    )
    room = RoomFacts(members=(boss, VOLUNTEER), encrypted=True)
    answer = _in_room(dispatcher, boss, "Boss", "/bind frontdesk", room)
    assert "1 member holds no role" in answer
    answer = _in_room(
        dispatcher, boss, "Boss", "/bind frontdesk", RoomFacts((boss,), encrypted=True)
    )
    assert "room of the front desk" in answer
