"""Matrix as a closed community, end to end on the real Synapse: a volunteer's account never
reaches the resident (✋ claim), people from servers that are not allowed are refused, team
rooms hold only the team, a private chat that others joined is private no more, undecryptable
floods are answered once, and the device's files are private and its keys encrypted."""

from __future__ import annotations

import asyncio
import os
import stat
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from nio import RoomCreateResponse
from nio.store import DefaultStore
from sqlalchemy import select

from bot.dispatcher import Dispatcher
from bot.flood import FloodGuard
from bot.matrix.device import NIO_DEFAULT_KEY
from bot.outbox import DeliveryError, OutboxWorker, delivering_private
from db.models import TeamChat, User
from db.users import get_or_create_user, grant_role
from handlers import build_registry
from handlers.types import Community, Reply
from tests.dispute_support import outbox_messages, to_chat
from tests.matrix_support import (
    Person,
    people,
    running_bot,
    settled,
    unique,
    withheld_key_message,
)
from tests.requests_support import ALWAYS_ON_DUTY, file_request
from tests.support import Resident

pytestmark = [
    pytest.mark.timeout(240),
    pytest.mark.xdist_group("synapse"),  # one homeserver per run, in one worker
]

RESIDENT = "5001"  # a Telegram resident, served in process (their messages are read back)


def _wiring(session_factory, admins: set[str]) -> tuple[Dispatcher, OutboxWorker]:
    community = Community(
        timezone=ZoneInfo("Asia/Shanghai"),
        default_locale="zh_Hans",
        admin_refs=frozenset(f"matrix:{mxid}" for mxid in admins),
        **ALWAYS_ON_DUTY,
    )
    registry = build_registry()
    dispatcher = Dispatcher(session_factory=session_factory, registry=registry, community=community)
    worker = OutboxWorker(session_factory=session_factory, registry=registry, community=community)
    return dispatcher, worker


def _grant(session_factory, mxid: str, role: str) -> None:
    now = datetime.now(UTC)
    with session_factory() as session, session.begin():
        user = get_or_create_user(session, transport="matrix", external_id=mxid, now=now)
        grant_role(session, user, role, now=now, by="test")


async def _ask(dispatcher: Dispatcher, description: str) -> None:
    alice = Resident(dispatcher, "Alice", "en", user_id=RESIDENT)
    await asyncio.to_thread(file_request, alice, description=description)


async def _bot_left(person: Person, room_id: str, bot: str, within: float = 30) -> None:
    """Wait until ``bot`` is no longer joined or invited in ``room_id`` (it declined)."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        room = person.client.rooms.get(room_id)
        if room is not None and bot not in room.users:
            return
        assert asyncio.get_running_loop().time() < deadline, f"{bot} stayed in {room_id}"
        await asyncio.sleep(0.2)


async def _invite_only(person: Person, *invite: str, direct: bool, name: str | None = None):
    response = await person.client.room_create(is_direct=direct, invite=list(invite), name=name)
    assert isinstance(response, RoomCreateResponse), response
    return response.room_id


async def test_a_volunteer_without_a_display_name_claims_by_reaction_and_stays_unnamed(
    synapse, fast_path, session_factory
):
    boss = await Person(synapse, unique("boss"), fast_path / "boss").start()
    li = await Person(synapse, unique("li"), fast_path / "li", named=False).start()
    try:
        dispatcher, worker = _wiring(session_factory, {boss.mxid})
        _grant(session_factory, li.mxid, "volunteer")
        async with running_bot(synapse, fast_path / "bot", dispatcher, worker) as bot:
            linli = bot.client.user_id
            team = await boss.room_with(linli, li.mxid, direct=False, name="YAM", encrypted=True)
            await boss.exchange(team, "!lang en", "in English")
            await boss.exchange(team, "!bind volunteers", "room of the volunteer team")
            await _ask(dispatcher, "Please translate the letter from my landlord.")
            card = await li.wait_for(team, "#R-0001 · Translation", worker=worker)
            await li.send_raw(
                team,
                "m.reaction",
                {
                    "m.relates_to": {
                        "rel_type": "m.annotation",
                        "event_id": card.event_id,
                        "key": "✋",
                    }
                },
            )
            said = await boss.wait_for(team, "正在处理 #R-0001", worker=worker)  # li's language
            assert said.body.startswith("志愿者正在处理 #R-0001")
            edit = await boss.wait_for(team, "Claimed by", worker=worker)  # the room's card
            assert "Claimed by a volunteer." in edit.body
            await worker.tick()
            store = fast_path / "bot"
            files = [store / "credentials.json", store / "sync.json", store / "pickle.key"]
            files += list(store.glob("*.db"))
        told = [
            m.text
            for m in to_chat(
                outbox_messages(session_factory, dispatcher.registry, dispatcher.community),
                RESIDENT,
            )
            if "helping you" in m.text
        ]
        assert told and "a volunteer from the volunteer team" in told[0]
        everything = " ".join(told) + said.body + edit.body
        assert li.mxid not in everything and li.name not in everything
        with session_factory() as session:
            user = session.scalars(select(User).where(User.external_id == li.mxid)).one()
            assert user.display_name == ""

        # The device's files: only the bot's account may read them; the keys need the secret.
        assert stat.S_IMODE(os.stat(store).st_mode) == 0o700
        for path in files:
            assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, path.name
        [database] = list(store.glob("*.db"))
        user_id, _, device_id = database.stem.rpartition("_")
        secret = (store / "pickle.key").read_text().strip()
        assert DefaultStore(user_id, device_id, str(store), secret).load_account() is not None
        with pytest.raises(Exception):  # noqa: B017 (vodozemac's own error type)
            DefaultStore(user_id, device_id, str(store), NIO_DEFAULT_KEY).load_account()
    finally:
        await boss.stop()
        await li.stop()


async def test_people_from_a_server_that_is_not_allowed_are_refused(
    synapse, fast_path, session_factory
):
    dispatcher, worker = _wiring(session_factory, set())
    store = fast_path / "bot"
    elsewhere = frozenset({"elsewhere.example"})
    async with people(synapse, fast_path, "far") as [far]:
        async with running_bot(synapse, store, dispatcher, worker) as bot:
            linli = bot.client.user_id
            room = await far.room_with(linli)  # while this server was still allowed
            await far.exchange(room, "!start", "欢迎使用邻里")
        # From now on only elsewhere.example is allowed: linli.test's people are foreign.
        async with running_bot(
            synapse, store, dispatcher, worker, allowed_servers=elsewhere
        ) as bot:
            before = len(far.messages(room, sender=linli))
            said = await far.say(room, "!start")
            refused = await far.wait_for(room, lambda s: s.sender == linli, after=len(far.said))
            assert "只为本社区服务器上的账号提供服务" in refused.body
            await far.say(room, "!help")
            await far.send_raw(
                room,
                "m.reaction",
                {"m.relates_to": {"rel_type": "m.annotation", "event_id": said, "key": "1️⃣"}},
            )
            invited = await _invite_only(far, linli, direct=True)
            await _bot_left(far, invited, linli)
            await settled(bot, far)  # anything more would have arrived by now
            assert len(far.messages(room, sender=linli)) == before + 1  # one line, then silence
        with session_factory() as session:
            user = session.scalars(select(User).where(User.external_id == far.mxid)).one()
            assert user.last_seen_at is not None  # from before; nothing new was kept


async def test_team_rooms_hold_only_the_team(synapse, fast_path, session_factory):
    async with people(synapse, fast_path, "boss", "li", "nosy", "mei") as [boss, li, nosy, mei]:
        dispatcher, worker = _wiring(session_factory, {boss.mxid})
        _grant(session_factory, li.mxid, "volunteer")
        async with running_bot(synapse, fast_path / "bot", dispatcher, worker) as bot:
            linli = bot.client.user_id
            # A room made by someone who holds no role: the bot declines it.
            theirs = await _invite_only(nosy, linli, direct=False, name="Nosy's")
            await _bot_left(nosy, theirs, linli)
            # The admin's own chat, where the admins are told.
            chat = await boss.room_with(linli, encrypted=True)
            await boss.exchange(chat, "!lang en", "in English")
            # Not encrypted: refused.
            plain = await boss.room_with(linli, li.mxid, direct=False, name="Plain")
            await boss.exchange(plain, "!bind volunteers", "must be encrypted")
            team = await boss.room_with(linli, li.mxid, direct=False, name="YAM", encrypted=True)
            await boss.exchange(team, "!bind volunteers", "room of the volunteer team")

            # A stranger is invited: the admin is told privately, the room gets nothing more.
            await boss.client.room_invite(team, nosy.mxid)
            told = await boss.wait_for(chat, "holds no role in the volunteer team", worker=worker)
            assert "!bind volunteers" in told.body and nosy.mxid not in told.body
            with session_factory() as session:
                assert session.get(TeamChat, "volunteers").held_since is not None
            quiet = len(boss.messages(team, sender=linli))
            await _ask(dispatcher, "Please help me with the water bill.")
            await li.say(team, "!help")
            await worker.tick()
            await settled(bot, boss, worker=worker)  # what the bot did is all in by now
            assert len(boss.messages(team, sender=linli)) == quiet

            # The admin removes them and binds again: the room is the team's again.
            await boss.client.room_kick(team, nosy.mxid)
            await boss.exchange(team, "!bind volunteers", "room of the volunteer team")
            await _ask(dispatcher, "Please help me with the gas bill.")
            await boss.wait_for(team, "gas bill", worker=worker)

            # A private chat that gains a third member gets no more private messages.
            private = await mei.room_with(linli, encrypted=True)
            await mei.exchange(private, "!start", "欢迎使用邻里")
            await mei.client.room_invite(private, nosy.mxid)
            for _ in range(100):
                with session_factory() as session:
                    user = session.scalars(select(User).where(User.external_id == mei.mxid)).one()
                if user.private_chat_id is None:
                    break
                await asyncio.sleep(0.2)
            assert user.private_chat_id is None
            deliverer = worker.deliverers["matrix"]
            token = delivering_private.set(True)
            try:
                with pytest.raises(DeliveryError) as refused:
                    await deliverer.deliver(private, Reply("A private notice"))
                assert refused.value.permanent
            finally:
                delivering_private.reset(token)


async def test_an_undecryptable_flood_is_counted_and_answered_once(
    synapse, fast_path, session_factory
):
    dispatcher, worker = _wiring(session_factory, set())
    # The flood guard as in production, but with a window longer than the test (a slow machine
    # would otherwise see the window pass mid-burst).
    dispatcher.flood = FloodGuard(limit=20, window=3600)
    async with (
        people(synapse, fast_path, "wang") as [wang],
        running_bot(synapse, fast_path / "bot", dispatcher, worker) as bot,
    ):
        linli = bot.client.user_id
        room = await wang.room_with(linli, encrypted=True)
        await wang.exchange(room, "!start", "欢迎使用邻里")
        before = len(wang.messages(room, sender=linli))
        for n in range(40):
            await wang.send_as_is(
                room, "m.room.encrypted", withheld_key_message(wang, room, f"junk {n}")
            )
        await wang.wait_for(room, "您发送消息太快了", after=len(wang.said) - 41)
        await wang.say(room, "!help")  # counted with the junk: over the limit, dropped
        await settled(bot, wang)  # anything more would have arrived by now
        answers = [s.body for s in wang.messages(room, sender=linli)[before:]]
        assert sum("请再发送一次" in a for a in answers) == 1, answers
        assert len(answers) == 2, answers  # and the flood guard's one warning
