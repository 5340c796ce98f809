"""One process, two transports: a help request from a Telegram resident (on the Bot API
stand-in) is claimed from a Matrix team room (on a real Synapse), and the conversation is
relayed across the two, photos included: a Telegram photo is fetched from the Bot API and
uploaded, encrypted, to the volunteer's encrypted chat; the volunteer's encrypted photo is
downloaded, decrypted and sent to Telegram as a file."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from handlers.types import Community
from tests.matrix_support import grant, people, running_bot
from tests.media_support import assert_no_metadata, gps_jpeg
from tests.requests_support import (
    ALWAYS_ON_DUTY,
    RESIDENT,
    answer_as_resident,
    calls_to_chat,
    said_in_chat,
)
from tests.telegram_support import running_bot as running_telegram

pytestmark = [
    pytest.mark.timeout(180),
    pytest.mark.xdist_group("synapse"),  # one homeserver per run, in one worker
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]


async def test_a_telegram_residents_request_worked_from_a_matrix_team_room(
    synapse, fast_path, session_factory
):
    async with people(synapse, fast_path, "bob") as [bob]:
        community = Community(
            timezone=ZoneInfo("Asia/Shanghai"),
            default_locale="zh_Hans",
            admin_refs=frozenset({f"matrix:{bob.mxid}"}),
            bot_username="linli_test_bot",
            **ALWAYS_ON_DUTY,
        )
        async with (
            running_telegram(session_factory, community) as (api, dispatcher, worker),
            running_bot(synapse, fast_path / "bot", dispatcher, worker) as bot,
        ):
            linli = bot.client.user_id
            chat = await bob.room_with(linli, encrypted=True)
            await bob.exchange(chat, "!lang en", "in English")
            team = await bob.room_with(linli, direct=False, name="YAM", encrypted=True)
            await bob.exchange(team, "!bind volunteers", "room of the volunteer team")
            grant(session_factory, bob.mxid, "volunteer")

            # Alice asks on Telegram, with a photo of the letter.
            api.user_sends_text(user_id=RESIDENT, text="/ask", first_name="Alice")
            await answer_as_resident(api, 2, label="Translation")
            await answer_as_resident(api, 3, text="Please translate the letter from my landlord.")
            await api.wait_for(calls_to_chat(RESIDENT), count=4)
            photo = api.user_sends_photo(user_id=RESIDENT, first_name="Alice")
            letter = api.file(photo["message"]["photo"][-1]["file_id"])
            await answer_as_resident(api, 5, label="As soon as possible")
            await answer_as_resident(api, 6, label="No")
            await answer_as_resident(api, 7, label="No")
            await answer_as_resident(api, 8, label="Send request")

            # Bob claims it in the Matrix room by replying to the card.
            card = await bob.wait_for(team, "#R-0001 · Translation", worker=worker)
            await bob.exchange(
                team, "1", "I sent the details in a private chat.", reply_to=card.event_id
            )
            await said_in_chat(api, worker, RESIDENT, "Good news:")
            await bob.wait_for(chat, "You are now helping with #R-0001.", worker=worker)
            briefing = await bob.wait_for(chat, _image, worker=worker)
            assert "file" in briefing.content and "url" not in briefing.content  # encrypted
            assert await bob.file_bytes(briefing) == letter

            # Telegram → Matrix and back.
            api.user_sends_text(
                user_id=RESIDENT, text="It is about the deposit.", first_name="Alice"
            )
            await bob.wait_for(chat, "It is about the deposit.", worker=worker)
            said = await bob.say(chat, "Thanks, reading it now.")
            assert await bob.reacted(chat, said) == "👍"
            await said_in_chat(api, worker, RESIDENT, "Thanks, reading it now.")

            # A photo each way.
            before = len(bob.messages(chat))
            second = api.user_sends_photo(user_id=RESIDENT, caption="Page two", first_name="Alice")
            page_two = api.file(second["message"]["photo"][-1]["file_id"])
            relayed = await bob.wait_for(chat, _image, worker=worker, after=before)
            assert relayed.sender == linli
            assert await bob.file_bytes(relayed) == page_two
            translation = b"\xff\xd8\xff the translation"
            await bob.send_photo(chat, translation, encrypt=True)
            sent = await said_in_chat(api, worker, RESIDENT, "", method="sendPhoto")
            assert sent.params["photo"]["content"] == translation
            # A phone's photo from Matrix reaches Telegram without its EXIF and GPS.
            await bob.send_photo(chat, gps_jpeg(), encrypt=True)
            await worker.tick()
            _, phone = await api.wait_for(
                calls_to_chat(RESIDENT, ("sendPhoto",)), count=2, timeout=30
            )
            assert_no_metadata(phone.params["photo"]["content"])
            # Once each: nothing failed in the outbox, nothing was sent twice.
            assert len([s for s in bob.messages(chat, linli) if _image(s)]) == 2
            assert len(api.calls_to("sendPhoto")) == 2


def _image(said) -> bool:
    return said.content.get("msgtype") == "m.image"
