"""Help requests from the resident's side, through the in-memory transport and the real
outbox worker, in both languages: the /ask form, the card in the team's room, what to expect,
health consent, bad input, /myrequests, cancel, rating and reopening."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.request_models import HelpRequest, RequestMessage
from handlers.types import Kind
from tests.requests_support import file_request, make_volunteer
from tests.support import GROUP, in_group, step


@pytest.fixture
def room(dispatcher):
    """The volunteer team's room, bound by the admin (in English)."""
    replies = in_group(dispatcher, "9000", "Admin", command="/bind volunteers")
    assert "room of the volunteer team" in replies[0].text
    return GROUP


def test_english_resident_files_a_request_and_the_card_appears(
    resident, room, deliver, postbox, session_factory
):
    alice = resident("Alice Smith", "en")
    alice.send("/start")
    alice.press("Ask a volunteer")
    assert "What do you need help with?" in alice.text
    assert [b.label for b in alice.buttons()][:6] == [
        "Translation",
        "Paperwork & visas",
        "Hospital visit",
        "Housing",
        "Transport & tourism",
        "Other",
    ]
    alice.press("Translation")
    assert "Please describe what you need" in alice.text
    alice.send("Please translate the letter from my landlord.")
    assert "send it now" in alice.text
    alice.send_kind(Kind.PHOTO, file_id="letter-photo")
    alice.press("As soon as possible")
    alice.press("No")  # not urgent
    alice.press("No")  # name not shown
    assert "• Attachment: 1 photo" in alice.text
    alice.press("Send request")
    assert "Your request #R-0001 was sent to the volunteer team." in alice.text
    assert "within 30 minutes during service hours (09:00–21:00)" in alice.text

    deliver()
    [card] = postbox.cards_in(room)
    assert card.text.startswith("🙋 #R-0001 · Translation")
    assert "Language: English" in card.text
    assert "Please translate the letter from my landlord." in card.text
    assert "Waiting for a volunteer." in card.text
    assert "Alice" not in card.text and "1000" not in card.text  # never who asked
    assert [b.payload for row in card.buttons for b in row] == ["rq:claim:1"]
    with session_factory() as session:
        [message] = session.scalars(select(RequestMessage)).all()
        assert (message.side, message.file_id, message.file_kind) == (
            "resident",
            "letter-photo",
            "photo",
        )


def test_chinese_resident_files_a_request(resident, room, deliver, postbox, session_factory):
    wang = resident("王芳", "zh-hans")
    wang.send("/ask")
    assert "您需要哪方面的帮助？" in wang.text
    wang.press("政务办理与签证")
    wang.send("我想续签居留许可，需要有人陪我去出入境管理局。")
    wang.press("跳过")
    wang.press("指定日期")
    assert "请问是哪天几点？" in wang.text
    wang.send("2026-12-01 10:00")
    wang.press("是")  # urgent
    wang.press("否")
    assert "请核对" in wang.text or "•" in wang.text
    wang.press("发送求助")
    assert "您的求助 #R-0001 已发送给志愿服务队。" in wang.text
    assert "10 分钟内回复" in wang.text  # urgent
    deliver()
    [card] = postbox.cards_in(room)
    assert card.text.startswith("⚡ #R-0001 · Paperwork & visas")  # the room's language
    assert "Language: 简体中文" in card.text and "Urgent: yes" in card.text
    with session_factory() as session:
        request = session.scalar(select(HelpRequest))
        assert (request.language, request.needed, request.urgent) == ("zh_Hans", "date", True)
        assert request.needed_at.isoformat() == "2026-12-01T02:00:00+00:00"


@pytest.mark.parametrize(
    ("hint", "expected"),
    [
        ("en", "It is closed now; you will get an answer here after"),
        ("zh-hans", "现在不在服务时间内"),
    ],
)
def test_at_night_the_resident_is_told_when_to_expect_an_answer(resident, clock, hint, expected):
    clock.advance(hours=6)  # 22:00 in Shanghai
    person = resident("Night Owl", hint)
    file_request(person) if hint == "en" else _file_in_chinese(person)
    assert expected in person.text
    assert "27" in person.text  # the next morning: 27 November, 09:00
    assert "09:00" in person.text


def test_health_consent_is_asked_for_a_hospital_visit_and_refusing_keeps_it_unsent(
    resident, session_factory
):
    alice = resident("Alice", "en")
    alice.send("/ask")
    alice.press("Hospital visit")
    assert "Health information is sensitive under Chinese law (PIPL)." in alice.text
    alice.press("No")
    assert "Without this consent we cannot pass a request about your health" in alice.text
    assert "(PIPL)" in alice.text, "the question is asked again"
    alice.press("Yes")
    assert "Please describe what you need" in alice.text
    with session_factory() as session:
        assert session.scalar(select(HelpRequest)) is None

    wang = resident("Wang", "zh-hans")
    wang.send("/ask")
    wang.press("陪同就医")
    assert "《个人信息保护法》" in wang.text
    wang.press("否")
    assert "没有您的同意，我们不能把涉及健康的求助转给志愿者" in wang.text


def test_no_health_question_for_other_kinds_of_help(resident):
    alice = resident("Alice", "en")
    alice.send("/ask")
    alice.press("Housing")
    assert "PIPL" not in alice.text and "Please describe what you need" in alice.text


@pytest.mark.parametrize(
    ("hint", "send", "expected"),
    [
        ("en", "hi", "That is too short: please write at least 5 characters."),
        ("zh-hans", "你好", "太短"),
        ("en", "x" * 2001, "That is too long (2001 characters). Please keep it under 2000."),
        ("en", "   ", "The message was empty."),
    ],
)
def test_bad_descriptions_are_refused_and_the_question_stays(resident, hint, send, expected):
    person = resident("P", hint)
    person.send("/ask")
    person.press_payload(person.buttons()[0].payload)
    person.send(send)
    assert expected in person.text
    assert step(person, 2, 6) in person.text, "still at the description"


@pytest.mark.parametrize(
    ("hint", "typed", "expected"),
    [
        ("en", "hospital", "Chinese law (PIPL)"),  # Hospital visit: the consent comes next
        ("en", "visa", "Please describe what you need"),
        ("en", "翻译", "Please describe what you need"),  # the other language's label works too
        ("zh-hans", "就医", "《个人信息保护法》"),
        ("zh-hans", "translation", "请描述您需要什么帮助"),
    ],
)
def test_a_typed_word_that_names_one_kind_of_help_picks_it(resident, hint, typed, expected):
    person = resident("P", hint)
    person.send("/ask")
    person.send(typed)
    assert expected in person.text
    assert step(person, 2, 6) in person.text or step(person, 2, 7) in person.text


@pytest.mark.parametrize("typed", ["help", "ab", "a visa for my hospital visit"])
def test_a_typed_word_that_names_no_kind_or_several_is_refused(resident, typed):
    person = resident("P", "en")
    person.send("/ask")
    person.send(typed)
    assert "Please choose one of the buttons." in person.text
    assert step(person, 1, 6) in person.text


@pytest.mark.parametrize(
    ("hint", "expected"), [("en", "Please send text."), ("zh-hans", "请发送文字")]
)
def test_a_sticker_at_the_description_asks_again_without_an_error(resident, hint, expected):
    person = resident("P", hint)
    person.send("/ask")
    person.press_payload(person.buttons()[0].payload)
    person.send_kind(Kind.STICKER, file_id="sticker-1")
    assert expected not in person.text  # a sticker is no mistake
    assert step(person, 2, 6) in person.text
    person.send_kind(Kind.LOCATION, location=(30.0, 104.0))
    assert expected in person.text  # a location is one


def test_a_sticker_as_attachment_is_refused(resident):
    alice = resident("Alice", "en")
    alice.send("/ask")
    alice.press("Other")
    alice.send("Where do I buy a bus card?")
    alice.send_kind(Kind.STICKER, file_id="sticker-1")
    assert "send it now" in alice.text and "Please send" not in alice.text  # asked again
    alice.send_kind(Kind.LOCATION, location=(30.0, 104.0))
    assert "Please send a photo, a file or a voice message." in alice.text
    alice.send_kind(Kind.DOCUMENT, file_id="doc-1", file_name="letter.pdf")
    assert "When do you need help?" in alice.text
    alice.press("As soon as possible")
    alice.press("No")
    alice.press("No")
    assert "• Attachment: 1 file" in alice.text


def test_ask_in_the_group_points_to_a_private_chat(dispatcher):
    replies = in_group(dispatcher, "77", "Someone", command="/ask")
    assert replies[0].text == "Please write to me in a private chat to ask for help."


def test_myrequests_and_cancelling_an_open_request(resident, room, deliver, postbox):
    alice = resident("Alice", "en")
    alice.send("/myrequests")
    assert "You have not asked the volunteer team for help yet." in alice.text
    file_request(alice)
    alice.send("/myrequests")
    assert "#R-0001 · Translation · waiting for a volunteer (asked Nov 26, 2026)" in alice.text
    alice.press("Cancel #R-0001")  # a tap by mistake loses nothing: first a question
    assert alice.text == "Cancel your request #R-0001? The volunteer team will no longer see it."
    assert [b.label for b in alice.buttons()] == ["✖️ Yes, cancel #R-0001", "Keep my request"]
    alice.press("Keep my request")
    assert alice.text == "#R-0001 stays with the volunteer team."
    alice.send("/myrequests")
    assert "waiting for a volunteer" in alice.text
    alice.press("Cancel #R-0001")
    alice.press("Yes, cancel #R-0001")
    assert "Your request #R-0001 is cancelled." in alice.text
    alice.send("/myrequests")
    assert "#R-0001 · Translation · cancelled" in alice.text
    assert alice.buttons() == []
    deliver()
    [card] = postbox.cards_in(room)
    assert "✖️ Cancelled by the resident." in card.text
    assert card.buttons == ()  # no Claim any more
    alice.press_payload("rq:cancel:1")
    assert "#R-0001 can no longer be cancelled: it is cancelled." in alice.text


def test_myrequests_in_chinese(resident):
    wang = resident("Wang", "zh-hans")
    wang.send("/myrequests")
    assert "您还没有向志愿服务队求助过。" in wang.text
    wang.send("/ask")
    for answer in ("翻译", "请帮我翻译一封房东的信", "跳过", "尽快", "否", "否", "✅ 发送求助"):
        if answer in [b.label for b in wang.buttons()]:
            wang.press(answer)
        else:
            wang.send(answer)
    wang.send("/myrequests")
    wang.press("✖️ 取消 #R-0001")
    assert wang.text == "确定取消求助 #R-0001 吗？取消后，志愿服务队将不再看到这条求助。"
    assert [b.label for b in wang.buttons()] == ["✖️ 确定取消 #R-0001", "保留求助"]
    wang.press("保留求助")
    assert wang.text == "#R-0001 会继续由志愿服务队处理。"
    wang.send("/myrequests")
    wang.press("✖️ 取消 #R-0001")
    wang.press("✖️ 确定取消 #R-0001")
    assert wang.text == "您的求助 #R-0001 已取消。"


@pytest.mark.parametrize(
    "payload", ["rq:cancel:1", "rq:cx:1", "rq:keep:1", "rq:rate:1:5", "rq:reopen:1"]
)
def test_a_resident_cannot_touch_another_residents_request(resident, session_factory, payload):
    alice = resident("Alice", "en")
    file_request(alice)
    mallory = resident("Mallory", "en")
    mallory.press_payload(payload)
    assert "I could not find that request among yours." in mallory.text
    mallory.send("/myrequests")
    assert "#R-0001" not in mallory.text
    with session_factory() as session:
        assert session.scalar(select(HelpRequest.status)) == "open"


@pytest.mark.parametrize(
    "payload",
    [
        "rq:cancel:",
        "rq:cancel:x",
        "rq:rate:1",
        "rq:rate:1:9",
        "rq:zzz",
        "rq:claim:99999999999",
        "rq:cancel:²",  # a digit to str.isdigit, not to int()
        "rq:cx:x",
        "rq:keep:²",
        "rq:rate:1:²",
    ],
)
def test_forged_request_buttons_get_a_clear_answer(resident, payload):
    alice = resident("Alice", "en")
    file_request(alice)
    alice.press_payload(payload)
    assert alice.text  # answered, no apology
    assert "something went wrong" not in alice.text


def test_free_text_with_no_request_is_offered_to_the_team(resident):
    alice = resident("Alice", "en")
    alice.send("Hello, is anyone there?")
    assert "I can pass your message to our volunteer team as a help request." in alice.text
    assert "Send it to the volunteer team" in alice.buttons()[0].label


@pytest.mark.parametrize(
    ("hint", "expected"),
    [
        ("en", "Your request #R-0001 is still waiting for a volunteer. I added your message"),
        ("zh-hans", "您的求助 #R-0001 还在等待志愿者认领。"),
    ],
)
def test_free_text_while_waiting_is_added_to_the_request(resident, session_factory, hint, expected):
    person = resident("P", hint)
    file_request(person) if hint == "en" else _file_in_chinese(person)
    person.send("One more thing: the letter is due Friday.")
    assert expected in person.text
    with session_factory() as session:
        texts = session.scalars(select(RequestMessage.text).order_by(RequestMessage.id)).all()
    assert texts[-1] == "One more thing: the letter is due Friday."


def _file_in_chinese(person) -> None:
    person.send("/ask")
    person.press("翻译")
    person.send("请帮我翻译房东的信。")
    person.press("跳过")
    person.press("尽快")
    person.press("否")
    person.press("否")
    person.press("发送求助")


def test_resolved_request_is_rated_commented_and_can_be_reopened(
    resident, room, session_factory, clock, deliver, postbox
):
    alice = resident("Alice", "en")
    file_request(alice)
    bob = make_volunteer(session_factory, clock, resident("Bob Lee", "en"))
    bob.press_payload("rq:claim:1")
    bob.send("/resolve")
    assert "Please add a short summary after the command" in bob.text
    bob.send("/resolve Translated the letter; all is fine.")
    assert "#R-0001 is resolved." in bob.text
    deliver()
    resolved = postbox.to(alice.user_id)[-1]
    assert resolved.text.startswith(
        "Bob marked #R-0001 as resolved:\nTranslated the letter; all is fine."
    )
    payloads = [b.payload for row in resolved.buttons for b in row]
    assert payloads == [f"rq:rate:1:{n}" for n in range(1, 6)] + ["rq:reopen:1"]
    alice.press_payload("rq:rate:1:4")
    assert "Thank you for rating #R-0001: ⭐⭐⭐⭐." in alice.text
    alice.press("Add a comment")
    assert "Would you like to add a comment?" in alice.text
    alice.send("Very kind and quick.")
    alice.press("Send")
    assert "your comment was passed to the volunteer team" in alice.text
    clock.advance(minutes=11)  # a rating can be changed for 10 minutes only
    alice.press_payload("rq:rate:1:1")
    assert "You have already rated #R-0001: ⭐⭐⭐⭐. Thank you!" in alice.text
    deliver()
    assert postbox.texts(bob.user_id)[-2:] == [
        "The resident rated your help with #R-0001: ⭐⭐⭐⭐",
        "The resident's comment on #R-0001:\nVery kind and quick.",
    ]
    with session_factory() as session:
        request = session.scalar(select(HelpRequest))
        assert (request.rating, request.comment, request.summary) == (
            4,
            "Very kind and quick.",
            "Translated the letter; all is fine.",
        )
    clock.advance(days=3)
    alice.send("/myrequests")
    alice.press("Reopen #R-0001")
    assert "#R-0001 is open again" in alice.text
    deliver()
    assert postbox.texts(room)[-1].startswith("↩️ The resident reopened #R-0001.")
    with session_factory() as session:
        request = session.scalar(select(HelpRequest))
        assert (request.status, request.volunteer_id, request.rating) == ("open", None, None)


def test_reopening_is_refused_after_seven_days(resident, session_factory, clock):
    wang = resident("Wang", "zh-hans")
    _file_in_chinese(wang)
    bob = make_volunteer(session_factory, clock, resident("Bob", "en"))
    bob.press_payload("rq:claim:1")
    bob.send("/resolve Done and dusted")
    clock.advance(days=8)
    wang.press_payload("rq:reopen:1")
    assert "不能重新打开" in wang.text
    wang.send("/myrequests")
    assert "重新打开" not in " ".join(b.label for b in wang.buttons())


@pytest.mark.parametrize(
    ("hint", "said"),
    [("en", "It is sent to the resident as you write it"), ("zh-hans", "总结会原样发给居民")],
)
def test_the_resolve_hint_says_the_summary_goes_to_the_resident(
    resident, session_factory, clock, hint, said
):
    file_request(resident("Alice", "en"))
    bob = make_volunteer(session_factory, clock, resident("Bob", hint))
    bob.press_payload("rq:claim:1")
    assert ("write it in their language" in bob.text) or ("请用居民的语言写" in bob.text)
    bob.send("/resolve")
    assert said in bob.text
