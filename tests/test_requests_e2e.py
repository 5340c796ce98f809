"""The whole help-request path over HTTP, through the real python-telegram-bot Application on
the Bot API stand-in: an English resident files a request with a photo, the card appears in the
volunteers' group, two volunteers press Claim at once and one wins, the conversation is relayed
both ways with the photo, the volunteer resolves and the resident rates."""

from __future__ import annotations

from dataclasses import replace

import pytest

from db import requests
from db.users import get_or_create_user, grant_role
from standin.botapi import BotApiStandin
from tests.media_support import assert_no_metadata, gps_jpeg, gps_of
from tests.requests_support import (
    ADMIN,
    ALWAYS_ON_DUTY,
    BOB,
    CAROL,
    RESIDENT,
    answer_as_resident,
    buttons_of,
    calls_to_chat,
    said_in_chat,
)
from tests.telegram_support import running_bot

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

GROUP = -100500


async def test_a_request_from_filing_to_rating_over_telegram(session_factory, community, clock):
    community = replace(community, **ALWAYS_ON_DUTY)
    async with running_bot(session_factory, community) as (api, _, worker):
        # The admin binds the volunteers' group; two volunteers have opened a private chat.
        api.user_sends_text(user_id=ADMIN, text="/bind volunteers", chat_id=GROUP)
        [bound] = await api.wait_for(calls_to_chat(GROUP))
        assert "room of the volunteer team" in bound.params["text"]
        for volunteer, name in ((BOB, "Bob"), (CAROL, "Carol")):
            api.user_sends_text(user_id=volunteer, text="/start", first_name=name)
            await api.wait_for(calls_to_chat(volunteer))
        with session_factory() as session, session.begin():
            for volunteer in (BOB, CAROL):
                user = get_or_create_user(
                    session, transport="telegram", external_id=str(volunteer), now=clock()
                )
                grant_role(session, user, "volunteer", now=clock(), by="test")

        # Alice files a request in English, with a photo of the letter.
        api.user_sends_text(user_id=RESIDENT, text="/ask", first_name="Alice")
        await answer_as_resident(api, 2, label="Translation")  # title, then the first question
        await answer_as_resident(api, 3, text="Please translate the letter from my landlord.")
        await api.wait_for(calls_to_chat(RESIDENT), count=4)
        photo = api.user_sends_photo(user_id=RESIDENT, first_name="Alice")
        letter = photo["message"]["photo"][-1]["file_id"]
        await answer_as_resident(api, 5, label="As soon as possible")
        await answer_as_resident(api, 6, label="No")
        await answer_as_resident(api, 7, label="No")
        summary = await answer_as_resident(api, 8, label="Send request")
        assert "• Attachment: 1 photo" in summary.params["text"]
        calls = await api.wait_for(calls_to_chat(RESIDENT), count=9)
        assert "Your request #R-0001 was sent to the volunteer team." in calls[-1].params["text"]

        # The card appears in the group with a Claim button (the outbox is woken at once).
        card_call = await said_in_chat(api, worker, GROUP, "#R-0001 · Translation")
        card = api.sent_messages(GROUP)[1]
        assert card["message_id"] == card_call.response["result"]["message_id"]
        assert card["text"].startswith("🙋 #R-0001 · Translation")
        assert "Alice" not in card["text"]
        assert _buttons_of(card) == {"✋ Claim": "rq:claim:1"}

        # Bob and Carol press Claim at the same moment: one wins, the other is told.
        for volunteer, name in ((BOB, "Bob"), (CAROL, "Carol")):
            api.user_presses(
                user_id=volunteer,
                data="rq:claim:1",
                chat_id=GROUP,
                message_id=card["message_id"],
                first_name=name,
            )
        won = await said_in_chat(api, worker, GROUP, "I sent the details in a private chat.")
        lost = await said_in_chat(api, worker, GROUP, "#R-0001 was already taken by")
        winner_name = won.params["text"].split(" ")[0]
        winner = BOB if winner_name == "Bob" else CAROL
        loser_name = "Carol" if winner == BOB else "Bob"
        assert lost.params["text"] == (
            f"Sorry, {loser_name}: #R-0001 was already taken by {winner_name}."
        )

        # The card is edited in place; Alice is told; the winner gets the briefing and photo.
        edit = await said_in_chat(api, worker, GROUP, f"✅ Claimed by {winner_name}.")
        assert edit.method == "editMessageText"
        assert int(edit.params["message_id"]) == card["message_id"]
        assert len(api.sent_messages(GROUP)) == 4, "the card was edited, not posted again"
        await said_in_chat(
            api, worker, RESIDENT, f"Good news: {winner_name} from the volunteer team"
        )
        await said_in_chat(api, worker, winner, "You are now helping with #R-0001.")
        briefing_photo = await said_in_chat(api, worker, winner, "#R-0001 · from the resident:")
        assert briefing_photo.method == "sendPhoto"
        assert briefing_photo.params["photo"] == letter

        # Both ways: Alice writes and sends another photo; the volunteer answers.
        said = api.user_sends_text(
            user_id=RESIDENT, text="It is about the deposit.", first_name="Alice"
        )
        # Acknowledged by a 👍 on Alice's own message, not by another message.
        await _reacted(api, RESIDENT, said["message"]["message_id"])
        second = api.user_sends_photo(user_id=RESIDENT, caption="Page two", first_name="Alice")
        page_two = second["message"]["photo"][-1]["file_id"]
        await said_in_chat(
            api, worker, winner, "#R-0001 · from the resident:\nIt is about the deposit."
        )
        relayed_photo = await said_in_chat(
            api, worker, winner, "#R-0001 · from the resident:\nPage two"
        )
        assert relayed_photo.method == "sendPhoto" and relayed_photo.params["photo"] == page_two
        answer = api.user_sends_text(
            user_id=winner, text="Thanks, I am reading it now.", first_name=winner_name
        )
        await _reacted(api, winner, answer["message"]["message_id"])
        await said_in_chat(
            api,
            worker,
            RESIDENT,
            f"{winner_name} (volunteer, #R-0001):\nThanks, I am reading it now.",
        )

        # A photo sent as a file keeps everything the phone wrote into it, and its name: the
        # volunteer gets the picture drawn again, without EXIF or GPS, under a neutral name.
        original = gps_jpeg()
        api.user_sends_document(
            user_id=RESIDENT,
            file_name="IMG_0042 Alice Wang home.jpg",
            mime_type="image/jpeg",
            content=original,
            first_name="Alice",
        )
        pictured = await said_in_chat(
            api, worker, winner, "#R-0001 · from the resident:", "sendDocument"
        )
        upload = pictured.params["document"]
        assert isinstance(upload, dict), "uploaded anew, not passed on by its file id"
        assert upload["filename"] == "image.jpg"
        assert_no_metadata(upload["content"])
        assert gps_of(original), "the resident's file still has its GPS: only the copy is clean"

        sent_back = api.user_sends_document(
            user_id=winner,
            file_name="Bob Li translation.pdf",
            content=b"%PDF-1.4 the translation",
            first_name=winner_name,
        )
        assert sent_back["message"]["document"]["file_name"] == "Bob Li translation.pdf"
        document = await said_in_chat(
            api, worker, RESIDENT, f"{winner_name} (volunteer, #R-0001):", "sendDocument"
        )
        assert document.params["document"]["filename"] == "file.pdf"  # a neutral name
        assert document.params["document"]["content"] == b"%PDF-1.4 the translation"

        # Resolve; Alice rates it.
        api.user_sends_text(
            user_id=winner, text="/resolve Translated the letter.", first_name=winner_name
        )
        await said_in_chat(api, worker, winner, "#R-0001 is resolved.")
        await said_in_chat(api, worker, GROUP, f"☑️ Resolved by {winner_name}.")
        ask_rating = await said_in_chat(
            api, worker, RESIDENT, f"{winner_name} marked #R-0001 as resolved:"
        )
        assert buttons_of(ask_rating)["⭐⭐⭐⭐⭐"] == "rq:rate:1:5"
        api.user_presses(
            user_id=RESIDENT,
            data="rq:rate:1:5",
            message_id=ask_rating.response["result"]["message_id"],
        )
        rated = await said_in_chat(
            api, worker, RESIDENT, "Thank you for rating #R-0001: ⭐⭐⭐⭐⭐.", "editMessageText"
        )
        assert rated.params["message_id"] == ask_rating.response["result"]["message_id"]
        assert "💬 Add a comment" in buttons_of(rated), "the message it came from, changed"


async def _reacted(api: BotApiStandin, chat_id: int, message_id: int) -> None:
    """Wait for the bot's 👍 on the person's message; no “✓ Sent to” message is sent."""
    await api.wait_for(
        lambda call: (
            call.method == "setMessageReaction"
            and int(call.params["chat_id"]) == chat_id
            and int(call.params["message_id"]) == message_id
        )
    )
    assert api.reactions(chat_id, message_id) == ["👍"]
    assert not any("✓ Sent to" in (m.get("text") or "") for m in api.sent_messages(chat_id))


def _buttons_of(message: dict) -> dict[str, str]:
    markup = message.get("reply_markup") or {}
    return {
        button["text"]: button.get("callback_data")
        for row in markup.get("inline_keyboard", [])
        for button in row
    }


async def test_a_volunteers_reply_over_telegram_reaches_the_resident_replied_to(
    session_factory, community, clock
):
    """Bob helps Alice and Dan; Dan's request is his current one. Bob replies (Telegram's
    reply-to) to Alice's relayed message: it reaches Alice, not Dan."""
    community = replace(community, **ALWAYS_ON_DUTY)
    dan = 102
    async with running_bot(session_factory, community) as (api, _, worker):
        for user_id, name in ((RESIDENT, "Alice"), (dan, "Dan"), (BOB, "Bob")):
            api.user_sends_text(user_id=user_id, text="/start", first_name=name)
            await api.wait_for(calls_to_chat(user_id))
        with session_factory() as session, session.begin():
            people = {
                user_id: get_or_create_user(
                    session, transport="telegram", external_id=str(user_id), now=clock()
                )
                for user_id in (RESIDENT, dan, BOB)
            }
            grant_role(session, people[BOB], "volunteer", now=clock(), by="test")
            for resident in (RESIDENT, dan):
                letter = requests.NewRequest(
                    category="translation", description="A letter.", needed="asap"
                )
                request = requests.create_request(
                    session, people[resident], letter, now=clock(), language="en"
                )
                requests.claim(session, request.id, people[BOB], now=clock())

        api.user_sends_text(user_id=RESIDENT, text="Can you call my landlord?", first_name="Alice")
        relayed = await said_in_chat(api, worker, BOB, "Can you call my landlord?")
        message_id = relayed.response["result"]["message_id"]
        api.user_sends_text(user_id=BOB, text="Yes, at nine.", reply_to=message_id)
        await said_in_chat(api, worker, RESIDENT, "Yes, at nine.")
        api.user_sends_text(user_id=BOB, text="Please send the letter.")  # his current: Dan's
        await said_in_chat(api, worker, dan, "Please send the letter.")
        assert not any(
            "Yes, at nine." in (call.params.get("text") or "")
            for call in api.calls
            if calls_to_chat(dan)(call)
        )
