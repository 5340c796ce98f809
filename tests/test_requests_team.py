"""Help requests from the volunteer team's side, in both languages: Claim from the room's card
(re-checked every press), the briefing, the conversation relayed both ways with the request
named on every message, /to, /note, /release and taking over with the history, /queue,
/profile and private alerts, /teamstats."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.dispatcher import Dispatcher
from db.models import OutboxMessage
from db.requests.models import HelpRequest, RequestMessage
from db.users import get_or_create_user, grant_role
from handlers.buttons.requests import ReplyTo
from handlers.types import Kind
from tests.requests_support import file_request, make_volunteer
from tests.support import GROUP, in_group, loose_dispatcher


@pytest.fixture
def dispatcher(session_factory, registry, community, clock) -> Dispatcher:
    """As in production, with flood control loosened: these residents file several requests
    in a burst, which is what the tests exercise, not what flood control is for."""
    return loose_dispatcher(session_factory, registry, community, clock)


@pytest.fixture
def room(dispatcher):
    in_group(dispatcher, "9000", "Admin", command="/bind volunteers")
    return GROUP


@pytest.fixture
def volunteer(resident, session_factory, clock):
    return lambda name, hint="en": make_volunteer(session_factory, clock, resident(name, hint))


def test_claim_from_the_room_edits_the_card_and_briefs_the_volunteer(
    resident, volunteer, dispatcher, room, deliver, postbox
):
    alice = resident("Alice Smith", "en")
    file_request(alice, photo="letter-photo", share_name=True)
    bob = volunteer("Bob Lee", "zh-hans")
    deliver()
    replies = in_group(dispatcher, bob.user_id, "Bob Lee", payload="rq:claim:1", hint="zh-hans")
    assert replies[0].text == "Bob 正在处理 #R-0001。详情已通过私聊发送。"
    deliver()
    [card] = postbox.cards_in(room)
    assert "✅ Claimed by Bob." in card.text and card.buttons == ()
    told = postbox.texts(alice.user_id)[-1]
    assert told.startswith("Good news: Bob from the volunteer team is helping you with #R-0001.")
    assert "You can simply write here" in told
    briefing, photo = postbox.to(bob.user_id)[-2:]
    assert briefing.text.startswith("您现在负责 #R-0001。")
    assert "居民：Alice Smith" in briefing.text  # she agreed to show her name
    assert photo.attachment.file_id == "letter-photo" and photo.attachment.is_photo


def test_the_resident_name_is_hidden_without_consent(resident, volunteer):
    alice = resident("Alice Smith", "en")
    file_request(alice, share_name=False)
    bob = volunteer("Bob", "en")
    bob.press_payload("rq:claim:1")
    assert "The resident chose not to share their name." in bob.text
    assert "Alice" not in bob.text


def test_the_second_claim_is_told_it_was_taken(resident, volunteer, dispatcher, room):
    file_request(resident("Alice", "en"))
    bob, carol = volunteer("Bob", "en"), volunteer("Carol", "zh-hans")
    in_group(dispatcher, bob.user_id, "Bob", payload="rq:claim:1")
    replies = in_group(dispatcher, carol.user_id, "Carol", payload="rq:claim:1", hint="zh-hans")
    assert replies[0].text == "抱歉，Carol：#R-0001 已经被 Bob 认领了。"
    replies = in_group(dispatcher, bob.user_id, "Bob", payload="rq:claim:1")
    assert replies[0].text == "You are already helping with #R-0001."


@pytest.mark.parametrize(
    ("hint", "expected"),
    [
        ("en", "Only members of the volunteer team can claim requests."),
        ("zh-hans", "只有志愿服务队的成员才能认领求助。"),
    ],
)
def test_only_volunteers_can_claim(resident, dispatcher, room, session_factory, hint, expected):
    file_request(resident("Alice", "en"))
    replies = in_group(dispatcher, "555", "Nosy", payload="rq:claim:1", hint=hint)
    assert replies[0].text == expected
    with session_factory() as session:
        assert session.scalar(select(HelpRequest.status)) == "open"


def test_forged_and_stale_claims(resident, volunteer):
    alice = resident("Alice", "en")
    file_request(alice)
    bob = volunteer("Bob", "en")
    bob.press_payload("rq:claim:42")
    assert "That request does not exist." in bob.text
    bob.press_payload("rq:claim:abc")  # not an id: a stale or forged button
    assert bob.text.startswith("That button is no longer active.")
    alice.press_payload("rq:cancel:1")
    bob.press_payload("rq:claim:1")
    assert bob.text == "#R-0001 was cancelled by the resident; there is nothing to do."


def test_a_volunteer_cannot_claim_their_own_request(volunteer):
    bob = volunteer("Bob", "en")
    file_request(bob)
    bob.press_payload("rq:claim:1")
    assert "This is your own request" in bob.text


def test_the_conversation_is_relayed_both_ways_and_kept(
    resident, volunteer, deliver, postbox, session_factory
):
    alice = resident("Alice", "en")
    file_request(alice)
    bob = volunteer("Bob Lee", "zh-hans")
    bob.press_payload("rq:claim:1")
    assert "您现在负责 #R-0001。" in bob.text
    alice.send("/myrequests")
    assert "#R-0001 · Translation · Bob is helping you (asked Nov 26, 2026)" in alice.text
    bob.send("/help")
    assert "/resolve — 填写简短总结并关闭求助" in bob.text
    alice.send("/help")
    assert "/resolve —" not in alice.text
    assert "/ask /myrequests — help from a volunteer" in alice.text
    alice.send("Hello! The letter is about the rent.")
    assert alice.text == "✓ Sent to Bob (#R-0001)."
    alice.send_kind(Kind.PHOTO, file_id="page-2", text="Page two")
    alice.send_kind(Kind.DOCUMENT, file_id="contract", file_name="contract.pdf")
    alice.send_kind(Kind.STICKER, file_id="smile")
    assert alice.text == "I can pass on text, photos and files only. Please send one of those."
    bob.send("您好，我看一下。")
    assert bob.text == "✓ 已发给提出求助 #R-0001 的居民。"
    bob.send_kind(Kind.PHOTO, file_id="marked-up")
    deliver()
    to_bob = postbox.to(bob.user_id)
    assert to_bob[0].text == "#R-0001 · 居民来信：\nHello! The letter is about the rent."
    assert to_bob[1].text == "#R-0001 · 居民来信：\nPage two"
    assert to_bob[1].attachment.file_id == "page-2" and to_bob[1].attachment.is_photo
    assert to_bob[2].attachment.file_id == "contract" and not to_bob[2].attachment.is_photo
    assert to_bob[2].attachment.filename == "contract.pdf"
    to_alice = postbox.to(alice.user_id)[1:]  # after "Good news"
    assert to_alice[0].text == "Bob (volunteer, #R-0001):\n您好，我看一下。"
    assert to_alice[1].attachment.file_id == "marked-up"
    with session_factory() as session:
        sides = session.execute(
            select(RequestMessage.side, RequestMessage.file_id).order_by(RequestMessage.id)
        ).all()
    assert sides == [
        ("resident", None),
        ("event", None),  # Bob took it
        ("resident", None),
        ("resident", "page-2"),
        ("resident", "contract"),
        ("volunteer", None),
        ("volunteer", "marked-up"),
    ]


@pytest.mark.parametrize(
    ("hint", "expected"),
    [
        ("en", "You are not helping with any request right now, so this message has nowhere"),
        ("zh-hans", "您目前没有正在处理的求助，所以这条消息无法转发。"),
    ],
)
def test_a_volunteer_writing_with_no_request(volunteer, hint, expected):
    bob = volunteer("Bob", hint)
    bob.send("Hello?")
    assert expected in bob.text


def test_to_switches_between_requests(resident, volunteer, deliver, postbox):
    alice, wang = resident("Alice", "en"), resident("Wang", "en")
    file_request(alice)
    file_request(wang, description="Which bus goes to the hospital?")
    bob = volunteer("Bob", "en")
    bob.press_payload("rq:claim:1")
    bob.press_payload("rq:claim:2")  # the latest claim is the current one
    bob.send("Take bus 12.")
    assert bob.text == "✓ Sent to the resident who asked (#R-0002)."
    bob.send("/to R-0001")
    assert bob.text == "From now on your messages go to the resident who asked (#R-0001)."
    bob.send("I will look at your letter now.")
    bob.send("/to R-0099")
    assert "That is not one of the requests you are helping with." in bob.text
    assert [b.payload for b in bob.buttons()] == [ReplyTo(1).pack(), ReplyTo(2).pack()]
    bob.press_payload("rq:to:2")
    assert bob.text == "From now on your messages go to the resident who asked (#R-0002)."
    deliver()
    assert postbox.texts(wang.user_id)[-1] == "Bob (volunteer, #R-0002):\nTake bus 12."
    assert (
        postbox.texts(alice.user_id)[-1]
        == "Bob (volunteer, #R-0001):\nI will look at your letter now."
    )


@pytest.mark.parametrize(
    ("hint", "expected"),
    [
        (
            "en",
            "That is not one of the requests you are helping with.\n"
            "Choose which request your messages go to:",
        ),
        ("zh-hans", "这不是您正在处理的求助。\n请选择您的消息发给哪条求助："),
    ],
)
def test_a_wrong_to_with_one_request_does_not_speak_of_several(resident, volunteer, hint, expected):
    file_request(resident("Alice", "en"))
    bob = volunteer("Bob", hint)
    bob.press_payload("rq:claim:1")
    bob.send("/to R-0099")
    assert bob.text == expected
    assert [b.payload for b in bob.buttons()] == [ReplyTo(1).pack()]
    bob.send("/to")
    assert bob.text == expected.split("\n")[1]


@pytest.mark.parametrize("hint", ["en", "zh-hans"])
def test_without_a_profile_the_queue_marks_nothing(resident, volunteer, hint):
    file_request(resident("Alice", "en"))
    file_request(resident("Carl", "en"))
    bob = volunteer("Bob", hint)
    bob.press_payload("rq:claim:1")  # his (empty) profile now exists
    bob.send("/queue")
    assert "#R-0002" in bob.text
    assert "★" not in bob.text, "a star with no profile (and no legend) means nothing"


def test_with_several_requests_and_none_chosen_the_volunteer_is_asked(
    resident, volunteer, session_factory
):
    for name in ("A", "B", "C"):
        file_request(resident(name, "en"))
    bob = volunteer("Bob", "en")
    for n in (1, 2, 3):
        bob.press_payload(f"rq:claim:{n}")
    bob.send("/resolve Sorted out quickly")  # resolves #3, the current one
    bob.send("Hello?")
    assert bob.text == "Several conversations are waiting for you. Which one is this message for?"
    assert [b.label for b in bob.buttons()] == ["#R-0001", "#R-0002"]
    with session_factory() as session:
        assert session.scalar(select(RequestMessage).where(RequestMessage.text == "Hello?")) is None
    bob.press("#R-0002")  # the kept message goes there, and so do the next ones
    assert bob.text == "✓ Sent to the resident who asked (#R-0002)."
    bob.send("Are you there?")
    assert bob.text == "✓ Sent to the resident who asked (#R-0002)."
    with session_factory() as session:
        said = session.scalars(select(RequestMessage).where(RequestMessage.side == "volunteer"))
        assert [(m.request_id, m.text) for m in said] == [(2, "Hello?"), (2, "Are you there?")]


def test_note_release_and_takeover_with_the_history(
    resident, volunteer, dispatcher, room, deliver, postbox
):
    alice = resident("Alice", "en")
    file_request(alice, photo="letter-photo")
    bob, carol = volunteer("Bob", "en"), volunteer("Carol", "en")
    bob.press_payload("rq:claim:1")
    alice.send("It is about the deposit.")
    bob.send("I will call the landlord.")
    bob.send("/note")
    assert "Please write the note after the command" in bob.text
    bob.send("/note Landlord answers only in the morning.")
    assert bob.text == "Note added to #R-0001. The resident does not see it."
    bob.send("/release Sorry, I travel tomorrow.")
    assert bob.text == "#R-0001 is back in the queue. Thank you for your help so far."
    deliver()
    alice_saw = "\n".join(postbox.texts(alice.user_id))
    assert "Landlord answers only in the morning" not in alice_saw
    assert "travel" not in alice_saw
    assert postbox.texts(alice.user_id)[-1].startswith("Bob could not continue with #R-0001.")
    card, notice = postbox.cards_in(room)
    assert "Waiting for a volunteer." in card.text
    assert [b.payload for row in card.buttons for b in row] == ["rq:claim:1"]
    assert notice.text.startswith("↩️ #R-0001 is back in the queue and needs a new volunteer.")
    assert "Sorry, I travel" not in notice.text, "the note stays internal"
    assert [b.payload for row in notice.buttons for b in row] == ["rq:claim:1"]
    bob.send("Are you there?")
    assert "You are not helping with any request right now" in bob.text

    carol.press_payload("rq:claim:1")
    briefing = carol.replies[0].text
    assert "What was said so far:" in briefing
    assert "• Resident: It is about the deposit." in briefing
    assert "• Bob: I will call the landlord." in briefing
    assert "• Note by Bob: Landlord answers only in the morning." in briefing
    assert "• Note by Bob: Sorry, I travel tomorrow." in briefing
    assert "— Bob took the request." in briefing
    assert "— Bob gave the request back to the queue." in briefing
    assert carol.replies[1].attachment.file_id == "letter-photo"
    deliver()
    assert postbox.texts(alice.user_id)[-1].startswith("Good news: Carol from the volunteer team")


def test_release_and_resolve_need_a_request(volunteer):
    bob = volunteer("Bob", "zh-hans")
    bob.send("/release")
    assert bob.text == "您目前没有正在处理的求助。请发送 /queue。"
    bob.send("/resolve All done here")
    assert bob.text == "您目前没有正在处理的求助。请发送 /queue。"


def test_residents_cannot_use_the_volunteer_commands(resident):
    alice = resident("Alice", "en")
    for command in ("/queue", "/to R-0001", "/note hi", "/release", "/resolve done", "/profile"):
        alice.send(command)
        assert alice.text == "Sorry, only members of the volunteer team can do this."


def test_profile_queue_order_and_alerts(
    resident, volunteer, clock, session_factory, deliver, postbox
):
    bob = volunteer("Bob", "en")
    bob.send("/profile")
    assert "Which languages do you speak?" in bob.text
    bob.press("Chinese")
    assert "Received 1 of at most 2" in bob.text
    bob.press("Chinese")  # again: still one
    assert "Received 1 of at most 2" in bob.text
    bob.press("Done")
    bob.press("Housing")
    bob.press("Done")
    bob.press("Yes")
    assert "• Languages: Chinese" in bob.text and "• Kinds of help: Housing" in bob.text
    bob.press("Confirm")
    assert "Your profile is saved." in bob.text
    bob.send("/profile")
    assert "Your profile now: languages Chinese; kinds of help Housing; alerts on." in bob.text
    bob.send("/cancel")

    alice = resident("Alice", "en")
    file_request(alice, category="Housing", description="My heating is broken, help!")  # English
    clock.advance(minutes=1)
    file_request(alice, category="Other", description="Where is the post office?", urgent=True)
    clock.advance(minutes=1)
    wang = resident("Wang", "zh-hans")
    wang.send("/ask")
    wang.press("住房")
    wang.send("房东不退押金，怎么办？")
    wang.press("跳过")
    wang.press("尽快")
    wang.press("否")
    wang.press("否")
    wang.press("发送求助")
    bob.send("/queue")
    lines = [line for line in bob.text.splitlines() if "#R-" in line]
    assert [line.split(" · ")[0] for line in lines] == ["★ #R-0003", "#R-0002", "#R-0001"]
    assert [b.payload for b in bob.buttons()] == ["rq:claim:3", "rq:claim:2", "rq:claim:1"]
    deliver()
    alerts = postbox.texts(bob.user_id)
    assert len(alerts) == 1 and alerts[0].startswith("A new request matches your profile:")
    assert "#R-0003" in alerts[0]


def test_alerts_wait_for_service_hours_and_are_dropped_once_claimed(
    resident, volunteer, clock, session_factory, deliver, postbox
):
    bob = volunteer("Bob", "en")
    bob.send("/profile")
    bob.press("English")
    bob.press("Done")
    bob.press("Translation")
    bob.press("Done")
    bob.press("Yes")
    bob.press("Confirm")
    clock.advance(hours=6)  # 22:00 in Shanghai
    alice = resident("Alice", "en")
    file_request(alice)
    file_request(alice, description="A second letter to translate")
    assert deliver() == 0, "nothing at night"
    carol = volunteer("Carol", "en")
    carol.press_payload("rq:claim:2")
    clock.advance(hours=11)  # 09:00 next morning
    deliver()
    alerts = postbox.texts(bob.user_id)
    assert len(alerts) == 1 and "#R-0001" in alerts[0]
    with session_factory() as session:
        keys = session.scalars(select(OutboxMessage.dedup_key)).all()
    assert "rq:2:alert:u2" not in keys


def test_queue_is_empty_politely(volunteer):
    bob = volunteer("Bob", "zh-hans")
    bob.send("/queue")
    assert bob.text == "目前没有等待志愿者的求助。谢谢您！"


def test_teamstats_for_admins(resident, volunteer, clock):
    alice = resident("Alice", "en")
    file_request(alice)
    file_request(alice)
    file_request(alice)
    bob = volunteer("Bob", "en")
    clock.advance(minutes=10)
    bob.press_payload("rq:claim:1")
    clock.advance(minutes=20)
    bob.press_payload("rq:claim:2")
    clock.advance(hours=1)
    bob.send("/to R-0001")
    bob.send("/resolve Letter translated")
    alice.press_payload("rq:rate:1:5")
    admin = resident("Admin", "en", user_id="9000")
    admin.send("/teamstats")
    assert "Waiting for a volunteer: 1. In progress: 1." in admin.text
    assert "3 requests, 1 resolved" in admin.text
    assert "Median time to claim: 20 min. Median time to resolve: 1 h 30 min." in admin.text
    assert "Ratings: 5 on average from 1." in admin.text
    bob.send("/teamstats")
    assert bob.text == "Sorry, only administrators can do this.", "he is a volunteer"


def test_a_volunteer_without_a_private_chat_gets_a_link(
    resident, dispatcher, room, session_factory, clock
):
    """Telegram bots cannot open a private chat: the room reply links to one, and /start with
    the link's payload shows the request to the volunteer who holds it (and nobody else)."""
    alice = resident("Alice", "en")
    file_request(alice)
    with session_factory() as session, session.begin():
        dan = get_or_create_user(session, transport="telegram", external_id="4242", now=clock())
        grant_role(session, dan, "volunteer", now=clock(), by="test")
    [reply] = in_group(dispatcher, "4242", "Dan", payload="rq:claim:1")
    assert reply.text == (
        "Dan is helping with #R-0001. Please open a private chat with me to talk with the "
        "resident: https://t.me/linli_test_bot?start=rq_1"
    )
    clock.advance(minutes=1)
    alice.send("Are you there?")  # not "sent": Dan cannot be written to yet, but it is kept
    assert alice.text == (
        "✓ Kept for Dan (#R-0001): they will read it as soon as they open their chat with me."
    )
    dan_private = resident("Dan", "en", user_id="4242")
    dan_private.send("/start rq_1")
    assert dan_private.text.startswith("You are now helping with #R-0001.")
    assert "Are you there?" in dan_private.text
    nosy = resident("Nosy", "en")
    nosy.send("/start rq_1")
    assert nosy.text.startswith("That request is not one you are helping with.")


def test_briefing_history_in_chinese_uses_full_width_colons(resident, volunteer):
    alice = resident("Alice", "en")
    file_request(alice)
    bob, carol = volunteer("Bob", "zh-hans"), volunteer("Carol", "zh-hans")
    bob.press_payload("rq:claim:1")
    alice.send("It is about the deposit.")
    bob.send("我来联系房东。")
    bob.send("/release")
    carol.press_payload("rq:claim:1")
    briefing = carol.replies[0].text
    assert "• 居民：It is about the deposit." in briefing
    assert "• Bob：我来联系房东。" in briefing
