"""Voice notes, albums and stickers, on both transports: a voice note gets one line (and is
kept where /ask and /report take a file, for the volunteer or mediator to play), an album is
taken whole up to the question's most, a sticker or a reaction is never an error. In English,
简体 and 繁體."""

from __future__ import annotations

import pytest
import telegram
from nio import Event
from sqlalchemy import select
from telegram import Update

from bot.matrix.convert import reacted_payload, to_inbound
from bot.matrix.media import content as matrix_content
from bot.telegram.convert import to_inbound as telegram_inbound
from db.disputes.models import DisputeCase
from db.requests.models import HelpRequest, RequestMessage
from handlers.disputes.photos import CasePhoto, render_photo
from handlers.i18n import language
from handlers.requests.cards import relay_reply
from handlers.requests.common import Relayed
from handlers.types import Attachment, Kind
from standin.botapi import BotApiStandin

CANNOT = {
    "zh-hans": "我还听不了语音，请打字。",
    "zh-hant": "我還聽不了語音，請打字。",
    "en": "I can't listen to voice messages yet — please type.",
}
EN = language("en", "Asia/Shanghai")


# ------------------------------------------------------------ the transports


def test_telegram_voice_album_and_reaction_updates():
    api = BotApiStandin()
    bot = telegram.Bot("123:abc")
    voice = telegram_inbound(
        Update.de_json(api.user_sends_voice(user_id=5), bot), bot_username=None
    )
    assert voice.kind is Kind.VOICE and voice.file_id.startswith("standin-voice-")
    photo = Update.de_json(api.user_sends_photo(user_id=5, album="a1"), bot)
    assert telegram_inbound(photo, bot_username=None).album == "a1"
    sticker = Update.de_json(api.user_sends_sticker(user_id=5), bot)
    assert telegram_inbound(sticker, bot_username=None).kind is Kind.STICKER
    reaction = Update.de_json(
        {
            "update_id": 99,
            "message_reaction": {
                "chat": {"id": 5, "type": "private"},
                "message_id": 1,
                "date": 0,
                "user": {"id": 5, "is_bot": False, "first_name": "A"},
                "old_reaction": [],
                "new_reaction": [{"type": "emoji", "emoji": "👍"}],
            },
        },
        bot,
    )
    assert telegram_inbound(reaction, bot_username=None) is None  # never an error


def test_matrix_voice_sticker_and_a_reaction_that_chooses_nothing():
    event = {
        "type": "m.room.message",
        "sender": "@li:x",
        "event_id": "$v",
        "origin_server_ts": 1,
        "content": {"msgtype": "m.audio", "body": "Voice message.ogg", "url": "mxc://x/v"},
    }
    voice = to_inbound(Event.parse_event(event), room_id="!r", is_group=False, bot_user_id="@bot:x")
    assert (voice.kind, voice.file_id) == (Kind.VOICE, "mxc://x/v")
    sticker = {"type": "m.sticker", "sender": "@li:x", "event_id": "$s", "origin_server_ts": 1}
    sticker = to_inbound(
        Event.parse_event({**sticker, "content": {"body": "🙂", "url": "mxc://x/s"}}),
        room_id="!r",
        is_group=False,
        bot_user_id="@bot:x",
    )
    assert sticker.kind is Kind.STICKER
    assert reacted_payload("❤️", (("1. Yes", "p1"),)) is None
    played = matrix_content(
        Attachment("voice.ogg", file_id="mxc://x/v", is_voice=True), "mxc://x/v"
    )
    assert played["msgtype"] == "m.audio" and played["info"]["mimetype"] == "audio/ogg"


# ------------------------------------------------------------ a voice note


@pytest.mark.parametrize("hint", ["zh-hans", "zh-hant", "en"])
def test_a_voice_note_outside_gets_one_line(resident, hint):
    person = resident("P", hint)
    person.send_kind(Kind.VOICE, file_id="v1")
    assert person.text == CANNOT[hint]


@pytest.mark.parametrize("hint", ["zh-hans", "zh-hant", "en"])
def test_a_voice_note_at_a_typed_question_asks_to_type_and_the_form_stays(resident, hint):
    person = resident("P", hint)
    person.send("/ask")
    person.press_payload(person.buttons()[0].payload)  # translation
    person.send_kind(Kind.VOICE, file_id="v1")
    assert CANNOT[hint] in person.text and "(2/" in person.text.replace("（", "(")


@pytest.mark.parametrize(
    ("hint", "shown"), [("zh-hans", "1 条语音消息"), ("en", "1 voice message")]
)
def test_ask_keeps_a_voice_note_for_the_volunteer_to_play(resident, session_factory, hint, shown):
    person = resident("P", hint)
    person.send("/ask")
    person.press_payload(person.buttons()[0].payload)  # translation
    person.send("Please help me with a letter from the bank.")
    person.send_kind(Kind.VOICE, file_id="voice-1", file_name="voice.ogg")
    person.press_payload(person.buttons()[0].payload)  # as soon as possible
    person.press_payload(person.buttons()[1].payload)  # urgent: no
    person.press_payload(person.buttons()[1].payload)  # name: no
    assert shown in person.text
    person.press_payload(person.buttons()[0].payload)  # send
    with session_factory() as session:
        first = session.scalar(select(RequestMessage))
        assert session.scalar(select(HelpRequest)) is not None
        assert (first.file_id, first.file_kind) == ("voice-1", "voice")
    played = relay_reply(
        EN, Relayed(side="resident", ref="#R-0001", file_id="voice-1", file_kind="voice")
    )
    assert played.attachment.is_voice and not played.attachment.is_photo


@pytest.mark.parametrize("hint", ["zh-hans", "en"])
def test_report_keeps_a_voice_note_for_the_mediators(resident, session_factory, hint):
    person = resident("P", hint)
    person.send("楼上每天晚上吵得我睡不着" if hint != "en" else "loud music next door every night")
    person.send("3号楼1202")
    person.press_payload(next(b.payload for b in person.buttons() if "skip" in b.payload))
    person.send_kind(Kind.VOICE, file_id="voice-2")
    person.press_payload(next(b.payload for b in person.buttons() if "done" in b.payload))
    person.press_payload(next(b.payload for b in person.buttons() if "choose" in b.payload[:9]))
    person.press_payload(person.buttons()[1].payload)  # contact: no
    person.press_payload(person.buttons()[0].payload)  # send
    with session_factory() as session:
        case = session.scalar(select(DisputeCase))
        assert case.photos == ["voice:voice-2"]
    shown = render_photo(EN, CasePhoto(ref="#D-0001", file_id=case.photos[0], number=1, count=1))
    assert "voice message 1 of 1" in shown.text and shown.attachment.is_voice


# ------------------------------------------------------------ albums


KEPT = {
    "zh-hans": "我保留了前 {count} 张",
    "zh-hant": "我保留了前 {count} 張",
    "en": "I kept the first {count} photo",
}


@pytest.mark.parametrize("hint", ["zh-hans", "zh-hant", "en"])
def test_an_album_at_a_one_photo_question_keeps_the_first_quietly(resident, hint):
    person = resident("P", hint)
    person.send("/ask")
    person.press_payload(person.buttons()[0].payload)
    person.send("Please help me with a letter from the bank.")
    answers = [person.send_kind(Kind.PHOTO, file_id=f"p{n}", album="album-1") for n in range(3)]
    said = [reply.text for replies in answers for reply in replies]
    assert sum(KEPT[hint].format(count=1) in text for text in said) == 1
    assert not any("按钮" in text or "button" in text.lower() for text in said)
    person.press_payload(answers[0][-1].buttons[0][0].payload)  # the next question: still open
    assert "(5/" in person.text.replace("（", "(")


@pytest.mark.parametrize("hint", ["zh-hans", "en"])
def test_an_album_of_five_at_report_keeps_three(resident, session_factory, clock, hint):
    person = resident("P", hint)
    person.send("/report")
    person.press_payload(person.buttons()[0].payload)  # noise
    person.send("3号楼1202")
    person.press_payload(next(b.payload for b in person.buttons() if "skip" in b.payload))
    person.send("Loud music every night after midnight.")
    answers = [person.send_kind(Kind.PHOTO, file_id=f"p{n}", album="a5") for n in range(5)]
    said = [reply.text for replies in answers for reply in replies]
    assert sum(KEPT[hint].format(count=3) in text for text in said) == 1
    clock.advance(seconds=30)
    anonymous = answers[2][-1].buttons[0][1].payload  # 🕶 Anonymous
    person.press_payload(anonymous)
    person.press_payload(person.buttons()[0].payload)  # send
    with session_factory() as session:
        assert session.scalar(select(DisputeCase)).photos == ["p0", "p1", "p2"]


def test_matrix_images_sent_at_once_count_as_one_album(resident, clock):
    """No album id on Matrix: photos a moment apart after the photo question are set aside;
    one sent a minute later is a mistake, told so."""
    person = resident("P", "en", transport="matrix")
    person.send("/ask")
    person.press_payload(person.buttons()[0].payload)
    person.send("Please help me with a letter from the bank.")
    person.send_kind(Kind.PHOTO, file_id="m1")
    clock.advance(seconds=2)
    person.send_kind(Kind.PHOTO, file_id="m2")
    assert "I kept the first 1 photo" in person.text
    clock.advance(minutes=1)
    person.send_kind(Kind.PHOTO, file_id="m3")
    assert "button" in person.text.lower()


# ------------------------------------------------------------ stickers


@pytest.mark.parametrize(("hint", "sorry"), [("zh-hans", "抱歉"), ("en", "Sorry")])
def test_a_sticker_is_never_an_error(resident, hint, sorry):
    person = resident("P", hint)
    person.send_kind(Kind.STICKER)
    assert sorry not in person.text and person.buttons()  # the menu
    person.send("/ask")
    person.press_payload(person.buttons()[0].payload)
    asked = person.text
    person.send_kind(Kind.STICKER)
    assert person.text == asked.split("\n")[-1] or person.text.endswith(asked.split("\n")[-1])
    assert "text" not in person.text.lower() or hint != "en"
