"""End to end on a real Synapse: the bot on its Matrix transport, people on their own
matrix-nio clients (the resident's direct chat encrypted where Element would encrypt it)."""

from __future__ import annotations

import asyncio
import re
from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.dispatcher import Dispatcher
from bot.matrix.cards import Cards
from bot.outbox import OutboxWorker
from db.models import Conversation
from db.requests.models import HelpRequest
from handlers import build_registry
from handlers.types import Community
from tests.events_support import make_event
from tests.matrix_support import grant, number_of, people, running_bot, settled
from tests.media_support import assert_no_metadata, gps_jpeg

pytestmark = [
    pytest.mark.timeout(180),
    pytest.mark.xdist_group("synapse"),  # one homeserver per run, in one worker
]


@pytest.fixture
def matrix_community() -> Community:
    return Community(timezone=ZoneInfo("Asia/Shanghai"), default_locale="zh_Hans")


def _wiring(session_factory, community: Community) -> tuple[Dispatcher, OutboxWorker]:
    registry = build_registry()
    dispatcher = Dispatcher(session_factory=session_factory, registry=registry, community=community)
    worker = OutboxWorker(session_factory=session_factory, registry=registry, community=community)
    return dispatcher, worker


@pytest.fixture
def wiring(session_factory, matrix_community):
    return _wiring(session_factory, matrix_community)


async def test_first_direct_chat_in_chinese_then_english(synapse, fast_path, wiring):
    dispatcher, worker = wiring
    async with (
        running_bot(synapse, fast_path / "bot", dispatcher, worker) as bot,
        people(synapse, fast_path, "wang") as [wang],
    ):
        room = await wang.room_with(bot.client.user_id, encrypted=True)
        await wang.say(room, "!start")
        welcome = await wang.wait_for(room, "欢迎使用邻里")
        assert welcome.content["msgtype"] == "m.notice"
        assert "!help" in welcome.body and "/help" not in welcome.body
        assert "1. 🗓 活动" in welcome.body
        assert "<b>1.</b> 🗓 活动" in welcome.content["formatted_body"]
        english = re.search(r"\d\. 简体\n\d\. 繁體\n(\d)\. English", welcome.body)
        assert english, welcome.body  # one tap to switch
        await wang.say(room, english.group(1))
        switched = await wang.wait_for(room, "in English", after=2)
        assert "1. 🗓 Events" in switched.body
        await wang.say(room, "!help")
        await wang.wait_for(room, "!events", after=4)


async def test_events_sign_up_by_number_and_the_calendar_file(
    synapse, fast_path, wiring, session_factory
):
    dispatcher, worker = wiring
    make_event(session_factory, datetime.now(UTC))
    async with (
        running_bot(synapse, fast_path / "bot", dispatcher, worker) as bot,
        people(synapse, fast_path, "alice") as [alice],
    ):
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


async def test_ask_in_an_encrypted_chat_claimed_from_the_team_room_and_relayed(
    synapse, fast_path, session_factory, matrix_community
):
    async with people(synapse, fast_path, "alice", "bob", "carol") as [alice, bob, carol]:
        community = replace(matrix_community, admin_refs=frozenset({f"matrix:{bob.mxid}"}))
        dispatcher, worker = _wiring(session_factory, community)
        async with running_bot(synapse, fast_path / "bot", dispatcher, worker) as bot:
            linli = bot.client.user_id
            # Bob (an admin) makes the team room and binds it; both volunteers have a chat.
            chats = {}
            for volunteer in (bob, carol):
                chats[volunteer.mxid] = await volunteer.room_with(linli)
                await volunteer.exchange(chats[volunteer.mxid], "!lang en", "in English")
                grant(session_factory, volunteer.mxid, "volunteer")
            team = await bob.room_with(linli, carol.mxid, direct=False, name="YAM", encrypted=True)
            await bob.exchange(team, "!bind volunteers", "room of the volunteer team")

            # Alice asks, in English, in an encrypted direct chat, with a photo.
            room = await alice.room_with(linli, encrypted=True)
            await alice.exchange(room, "!lang en", "in English")
            asked = await alice.exchange(room, "!ask", "Translation")
            await alice.exchange(room, number_of(asked, "Translation"), "")
            before = len(alice.messages(room))
            await alice.say(room, "Please translate the letter from my landlord.")
            await alice.wait_for(room, lambda s: s.sender == linli, after=before)
            before = len(alice.messages(room))
            letter = await alice.send_photo(room)
            urgency = await alice.wait_for(
                room, lambda s: s.sender == linli and "soon" in s.body, after=before
            )
            step = await alice.exchange(room, number_of(urgency, "As soon as possible"), "")
            step = await alice.exchange(room, number_of(step, "No"), "")
            step = await alice.exchange(room, number_of(step, "No"), "Send request")
            assert "• Attachment: 1 photo" in step.body
            await alice.exchange(room, number_of(step, "Send request"), "#R-0001 was sent")

            # The card in the encrypted team room; both reply "1" to it at once.
            card = await bob.wait_for(team, "#R-0001 · Translation", worker=worker)
            assert "✋ Claim" in card.body and alice.name not in card.body
            assert card.content["msgtype"] == "m.notice"
            # As after a restart, or once the card has left memory: its options are read back
            # from the homeserver, whose copy only the bot's own Megolm session decrypts.
            bot.cards = Cards(bot.client)
            await asyncio.gather(
                bob.say(team, "1", reply_to=card.event_id),
                carol.say(team, "1", reply_to=card.event_id),
            )
            won = await bob.wait_for(team, "I sent the details in a private chat.", worker=worker)
            lost = await bob.wait_for(team, "was already taken by", worker=worker)
            assert won.event_id != lost.event_id
            winner = bob if won.body.startswith(bob.name) else carol
            with session_factory() as session:
                holders = session.scalars(select(HelpRequest.volunteer_id)).all()
                assert len(holders) == 1 and holders[0] is not None

            # The card is edited in place.
            edit = await bob.wait_for(
                team, lambda s: s.edits == card.event_id and "Claimed by" in s.body, worker=worker
            )
            assert edit.content["m.new_content"]["msgtype"] == "m.notice"
            chat = chats[winner.mxid]
            await winner.wait_for(chat, "You are now helping with #R-0001.", worker=worker)
            briefing = await winner.wait_for(
                chat, lambda s: s.content.get("msgtype") == "m.image", worker=worker
            )
            # Sent anew (a person's file is scrubbed first), not passed on by its URL.
            assert briefing.content.get("url") != letter
            assert await winner.file_bytes(briefing) == b"\xff\xd8\xff photo"

            # Both ways, with a photo each way.
            said = await alice.say(room, "It is about the deposit.")
            assert await alice.reacted(room, said) == "👍"  # no “✓ Sent to” message
            await winner.wait_for(chat, "It is about the deposit.", worker=worker)
            before = len(winner.messages(chat))
            # Page two is a phone's photo: the volunteer gets it without its EXIF and GPS.
            page_two = await alice.send_photo(room, gps_jpeg())
            relayed = await winner.wait_for(
                chat, lambda s: s.content.get("msgtype") == "m.image", worker=worker, after=before
            )
            assert relayed.sender == linli and relayed.content.get("url") != page_two
            assert relayed.content["body"] == "photo.jpg"
            assert_no_metadata(await winner.file_bytes(relayed))
            said = await winner.say(chat, "Thanks, I am reading it now.")
            assert await winner.reacted(chat, said) == "👍"
            await alice.wait_for(room, "Thanks, I am reading it now.", worker=worker)
            before = len(alice.messages(room))
            await winner.send_photo(chat, b"\xff\xd8\xff translation")
            answer = await alice.wait_for(
                room, lambda s: s.content.get("msgtype") == "m.image", worker=worker, after=before
            )
            assert await alice.file_bytes(answer) == b"\xff\xd8\xff translation"

            # Resolved; Alice rates it by replying to the message with a number: that message
            # is edited (m.replace), and the same star again tells the volunteer nothing more.
            await winner.say(chat, "!resolve Translated the letter.")
            resolved = await alice.wait_for(room, "marked #R-0001 as resolved", worker=worker)
            await alice.say(room, "4", reply_to=resolved.event_id)
            await alice.wait_for(
                room,
                lambda s: s.edits == resolved.event_id and "Thank you for rating" in s.body,
                worker=worker,
            )
            await alice.say(room, "4", reply_to=resolved.event_id)
            await alice.wait_for(
                room,
                lambda s: s.edits == resolved.event_id and "You have already rated" in s.body,
                worker=worker,
            )
            await winner.wait_for(chat, "The resident rated your help", worker=worker)
            assert sum("rated your help" in s.body for s in winner.messages(chat)) == 1


async def test_an_anonymous_report_reaches_the_mediators_without_identity(
    synapse, fast_path, session_factory, matrix_community
):
    async with people(synapse, fast_path, "mira", "zhou") as [mira, zhou]:
        community = replace(matrix_community, admin_refs=frozenset({f"matrix:{mira.mxid}"}))
        dispatcher, worker = _wiring(session_factory, community)
        async with running_bot(synapse, fast_path / "bot", dispatcher, worker) as bot:
            linli = bot.client.user_id
            grant(session_factory, mira.mxid, "mediator")
            team = await mira.room_with(linli, direct=False, name="Mediators", encrypted=True)
            await mira.exchange(team, "!lang en", "in English")
            await mira.exchange(team, "!bind mediators", "mediator")

            room = await zhou.room_with(linli, encrypted=True)
            await zhou.exchange(room, "!lang en", "in English")
            step = await zhou.exchange(room, "!report", "Noise")
            await zhou.exchange(room, number_of(step, "Noise"), "")
            await zhou.exchange(room, "Building 3, unit 1202", "")
            await zhou.exchange(room, "every night after 23:00", "")
            step = await zhou.exchange(room, "Very loud music from upstairs until 2 am.", "Skip")
            step = await zhou.exchange(room, number_of(step, "Skip"), "Anonymous")
            step = await zhou.exchange(room, number_of(step, "Anonymous"), "Send the report")
            await zhou.exchange(room, number_of(step, "Send the report"), "")

            card = await mira.wait_for(team, "#D-0001", worker=worker)
            for identity in (zhou.name, zhou.mxid, "@"):
                assert identity not in card.body
                assert identity not in card.content["formatted_body"]


async def test_a_restart_mid_conversation_loses_and_repeats_nothing(
    synapse, fast_path, wiring, session_factory
):
    dispatcher, worker = wiring
    store = fast_path / "bot"
    async with people(synapse, fast_path, "lin") as [lin]:
        async with running_bot(synapse, store, dispatcher, worker) as bot:
            linli = bot.client.user_id
            room = await lin.room_with(linli, encrypted=True)
            await lin.exchange(room, "!lang en", "in English")
            step = await lin.exchange(room, "!ask", "Translation")
            await lin.exchange(room, number_of(step, "Translation"), "")
        # The bot is down; Lin goes on writing.
        await lin.say(room, "Please help me read my electricity bill.")
        async with running_bot(synapse, store, dispatcher, worker) as bot:
            await lin.wait_for(room, lambda s: s.sender == linli and "photo" in s.body.lower())
            await settled(bot, lin)  # anything repeated would have arrived by now
        answers = [s.body for s in lin.messages(room, sender=linli)]
        assert len(answers) == len(set(answers)), answers
        with session_factory() as session:
            conversation = session.scalars(select(Conversation)).one()
            assert "electricity bill" in str(conversation.data)


async def test_what_the_bot_cannot_use_gets_a_short_answer_or_nothing(
    synapse, fast_path, session_factory, matrix_community
):
    async with people(synapse, fast_path, "ops", "bo") as [ops, bo]:
        community = replace(matrix_community, admin_refs=frozenset({f"matrix:{ops.mxid}"}))
        dispatcher, worker = _wiring(session_factory, community)
        async with running_bot(synapse, fast_path / "bot", dispatcher, worker) as bot:
            linli = bot.client.user_id
            room = await bo.room_with(linli)
            await bo.exchange(room, "!lang en", "in English")
            for event_type, content in (
                ("m.sticker", {"body": "cat", "url": "mxc://x/y", "info": {}}),
                ("m.room.message", {"msgtype": "m.location", "body": "here", "geo_uri": "geo:1,2"}),
                ("m.room.message", {"msgtype": "m.audio", "body": "voice", "url": "mxc://x/v"}),
                ("org.matrix.msc3381.poll.start", {"body": "poll?"}),
            ):
                before = len(bo.messages(room, sender=linli))
                await bo.send_raw(room, event_type, content)
                await bo.wait_for(room, lambda s: s.sender == linli, after=0)
                for _ in range(300):
                    if len(bo.messages(room, sender=linli)) > before:
                        break
                    await asyncio.sleep(0.1)
                assert len(bo.messages(room, sender=linli)) == before + 1, event_type

            # Ignored: an edit, another bot's notice, a redaction.
            await bo.exchange(room, "hello", "")
            said = next(s for s in bo.messages(room) if s.body == "hello").event_id
            quiet = len(bo.messages(room, sender=linli))
            await bo.send_raw(
                room,
                "m.room.message",
                {
                    "msgtype": "m.text",
                    "body": "* !events",
                    "m.new_content": {"msgtype": "m.text", "body": "!events"},
                    "m.relates_to": {"rel_type": "m.replace", "event_id": said},
                },
            )
            await bo.send_raw(room, "m.room.message", {"msgtype": "m.notice", "body": "!events"})
            await bo.client.room_redact(room, said)
            await bo.exchange(room, "!help", "!events")
            assert len(bo.messages(room, sender=linli)) == quiet + 1, [
                s.body for s in bo.messages(room, sender=linli)[quiet:]
            ]

            # In a team room: a reply to a card with a number it does not have is told so.
            team = await ops.room_with(linli, bo.mxid, direct=False, name="Team")
            menu = await ops.exchange(team, "!lang en", "in English")
            told = await ops.exchange(
                team, "70", "not one of this card's options", reply_to=menu.event_id
            )
            assert re.search(r"from 1 to \d", told.body), told.body
            await ops.exchange(team, "2", "in a private chat", reply_to=menu.event_id)


def _option(said, prefix: str) -> str | None:
    """The number of the first option whose payload starts with ``prefix``."""
    content = said.content.get("m.new_content") or said.content
    for index, (_, payload) in enumerate(content.get("org.linli.buttons", []), start=1):
        if payload and payload.startswith(prefix):
            return str(index)
    return None


async def test_a_room_booked_by_number_in_chinese(synapse, fast_path, wiring, session_factory):
    """!rooms → the room → a day → a time → until → purpose, people → 确认, over Matrix."""
    from tests.rooms_support import make_room

    dispatcher, worker = wiring
    make_room(
        session_factory,
        datetime.now(UTC),
        hours="mon-sun 00:00-23:30",
        slot_minutes=30,
        notice_minutes=0,
    )
    async with (
        running_bot(synapse, fast_path / "bot", dispatcher, worker) as bot,
        people(synapse, fast_path, "wang") as [wang],
    ):
        room = await wang.room_with(bot.client.user_id)
        rooms = await wang.exchange(room, "!rooms", "您想预约哪个空间？")
        week = await wang.exchange(room, number_of(rooms, "棋牌活动室"), "棋牌活动室——最多 8 人")
        day = _option(week, "rm:day:")
        if day is None:  # the last half hour of a Sunday: next week
            week = await wang.exchange(room, number_of(week, "下一周"), "棋牌活动室——最多 8 人")
            day = _option(week, "rm:day:")
        times = await wang.exchange(room, day, "请选择开始时间。")
        picked = await wang.exchange(room, _option(times, "rm:slot:"), "")
        if _option(picked, "rm:run:"):
            picked = await wang.exchange(room, _option(picked, "rm:run:"), "用途")
        await wang.exchange(room, "象棋俱乐部", "一共几个人来")
        summary = await wang.exchange(room, "4", "使用须知")
        booked = await wang.exchange(room, number_of(summary, "确认"), "已预约")
        assert "#B-0001 棋牌活动室" in booked.body


async def test_a_volunteer_shift_taken_by_number_in_chinese(
    synapse, fast_path, wiring, session_factory
):
    """!volunteer → the opportunity → a role → 确认, over Matrix, and the place is recorded."""
    from db.volunteering.models import ShiftSignup
    from tests.volunteering_support import make_opportunity

    dispatcher, worker = wiring
    make_opportunity(session_factory, datetime.now(UTC))
    async with (
        running_bot(synapse, fast_path / "bot", dispatcher, worker) as bot,
        people(synapse, fast_path, "lin") as [lin],
    ):
        room = await lin.room_with(bot.client.user_id)
        listed = await lin.exchange(room, "!volunteer", "社区运动会")
        card = await lin.exchange(room, number_of(listed, "社区运动会"), "引导")
        role = await lin.exchange(room, number_of(card, "引导"), "确认")
        signed = await lin.exchange(room, number_of(role, "确认"), "您已报名")
        assert "社区运动会" in signed.body
    with session_factory() as session:
        assert [s.status for s in session.scalars(select(ShiftSignup))] == ["confirmed"]
