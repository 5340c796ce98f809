"""Dispute reports through the in-memory transport, in both languages: the report form and the
emergency numbers, the mediators' card and workflow, questions, the other side, meetings,
linked reports and /mycases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from db.dispute_models import DisputeCase, DisputeEvent
from db.models import OutboxMessage
from handlers.types import Kind
from tests.dispute_support import (
    bind_mediators,
    file_report,
    make_mediator,
    outbox_messages,
    to_chat,
)
from tests.support import GROUP

ZH_EMERGENCY = "🚨 如果有人正处于危险中，请立即拨打：报警 110，火警 119，急救 120。"
EN_EMERGENCY = (
    "🚨 If anyone is in danger right now, call at once: 110 police, 119 fire, 120 ambulance."
)


@pytest.fixture
def sent(session_factory, registry, community):
    return lambda: outbox_messages(session_factory, registry, community)


def _case(session_factory, case_id: int = 1) -> DisputeCase:
    with session_factory() as session:
        return session.get(DisputeCase, case_id)


def test_named_report_in_english_reaches_the_mediators_room(dispatcher, resident, sent):
    bind_mediators(dispatcher, "en")
    alice = resident("Alice Smith", "en", user_id="1101")
    reply = file_report(alice, anonymous=False, contact=True, photos=("photo-a", "photo-b"))
    assert "Thank you. Your report #D-0001 was sent to the community's mediators." in reply
    [card] = to_chat(sent(), GROUP, "dp.card")
    assert card.text.startswith("⚖️ #D-0001 · 🔊 Noise · new")
    assert "Place: Building 3, unit 1202" in card.text
    assert "When: every night after 23:00" in card.text
    assert "What happens: Very loud music from upstairs until 2 am." in card.text
    assert "Photos: 2" in card.text
    assert "Reported by: Alice, agrees to be contacted through the bot" in card.text
    assert card.row.card_key == "dp:1"
    assert card.reply.buttons[-1][0].url == "https://t.me/linli_test_bot?start=dp_c1"
    assert [b.label for row in card.reply.buttons for b in row][:2] == ["✅ Acknowledge", "🙋 Take"]
    photos = to_chat(sent(), GROUP, "dp.photo")
    assert [p.reply.attachment.file_id for p in photos] == ["photo-a", "photo-b"]
    assert photos[0].text == "#D-0001: photo 1 of 2"


def test_anonymous_report_in_chinese_with_a_shared_location(dispatcher, resident, sent):
    bind_mediators(dispatcher)
    wang = resident("王芳", "zh-hans", user_id="1102")
    wang.send("/report")
    assert "如遇紧急情况" in wang.replies[0].text
    assert "是什么方面的问题？" in wang.text
    wang.press("停车")
    wang.send_kind(Kind.LOCATION, location=(30.4, 104.05))
    wang.press("跳过")
    wang.send("有车长期占用消防通道。")
    wang.press("跳过")
    assert "调解员不会知道您是谁，但仍可以通过机器人向您提问" in wang.text
    wang.press("匿名")
    assert "请核对您填写的内容" in wang.text and "🕶 匿名" in wang.text
    wang.press("提交反映")
    assert "谢谢。您反映的问题已转给社区调解员，编号 #D-0001。" in wang.text
    assert "您的反映是匿名的" in wang.text
    [card] = to_chat(sent(), GROUP, "dp.card")
    assert "⚖️ #D-0001 · 🚗 停车 · 待受理" in card.text
    assert "地点：📍 30.40000，104.05000" in card.text
    assert "反映人：匿名（可通过机器人提问）" in card.text
    assert "王" not in card.text


@pytest.mark.parametrize(
    ("hint", "text", "expected"),
    [
        ("zh-hans", "楼上有人打架，有人受伤了", ZH_EMERGENCY),
        ("en", "there is a gas leak on the stairs", EN_EMERGENCY),
        ("en", "Someone has a knife and is shouting", EN_EMERGENCY),
        ("en", "He threatened to kill my family", EN_EMERGENCY),
        ("en", "Their dog bit my son; the neighbours fight every night", EN_EMERGENCY),
        ("zh-hans", "他威胁说要杀了我", ZH_EMERGENCY),
        ("zh-hans", "邻居家的狗咬人了", ZH_EMERGENCY),
    ],
)
def test_emergency_numbers_come_first(resident, hint, text, expected):
    person = resident("P", hint)
    person.send("/report")
    person.press("噪音" if hint.startswith("zh") else "Noise")
    person.send("3 栋 1202")
    person.send(text)  # "when" is free text too
    assert person.replies[0].text.startswith(expected)
    person.send("Music and shouting, every night.")
    assert not any(expected in r.text for r in person.replies), "only when it sounds like one"
    assert "照片" in person.text or "photos" in person.text  # the form carries on


def test_bad_input_in_the_report_form(resident):
    alice = resident("Alice", "en")
    alice.send("/report")
    alice.send("noise please")
    assert "Please choose one of the buttons." in alice.text
    alice.press("Noise")
    alice.send_kind(Kind.STICKER)  # no mistake: the question again
    assert "Please share" not in alice.text and "Where does it happen?" in alice.text
    alice.send_kind(Kind.DOCUMENT, file_id="d1")
    assert "Please share a location or write the place as text." in alice.text
    alice.send("x" * 201)
    assert "That is too long (201 characters)" in alice.text
    alice.send("Building 3")
    alice.press("Skip")
    alice.send_kind(Kind.PHOTO, file_id="p1")
    assert "Please send text." in alice.text
    alice.send("bad")
    assert "at least 5 characters" in alice.text
    alice.send("Loud music at night")
    alice.send("a photo as text")
    assert "Please send a photo." in alice.text
    for n in range(3):
        alice.send_kind(Kind.PHOTO, file_id=f"p{n}")
    assert "Should the mediators know who you are?" in alice.text  # 3 photos end the field


def test_forged_and_stale_dispute_buttons(dispatcher, resident, session_factory, clock):
    bind_mediators(dispatcher)
    alice = resident("Alice", "en", user_id="1103")
    file_report(alice)
    alice.press_payload("dp:ack:1")
    assert alice.text == "Sorry, only the community's mediators can do this."
    alice.press_payload("dp:zz:1")
    assert alice.text.startswith("That button is no longer active.")
    alice.press_payload("dp:fu:1:maybe")  # neither yes nor no: not a follow-up answer
    assert alice.text.startswith("That button is no longer active.")
    mediator = make_mediator(resident, session_factory, clock, hint="en")
    mediator.press_payload("dp:ack:999")
    assert mediator.text == "That case does not exist. Send /cases to see the open ones."
    for forged in ("dp:ack:" + "9" * 40, "dp:ack:²"):  # too long; "²" is a digit to isdigit
        mediator.press_payload(forged)  # not an id: never reaches the handler
        assert mediator.text.startswith("That button is no longer active."), forged
    mediator.send("/start dp_c²")
    assert "something went wrong" not in mediator.text
    mediator.press_payload("dp:mt:1:y")
    assert mediator.text == "That meeting does not exist any more."
    mediator.press_payload("dp:side:1")
    assert "not for you" in mediator.text
    alice.send("/cases")
    assert alice.text == "Sorry, only the community's mediators can do this."


def test_workflow_tells_the_reporter_in_their_language(
    dispatcher, resident, session_factory, clock, sent
):
    bind_mediators(dispatcher)
    wang = resident("王芳", "zh-hans", user_id="1104")
    file_report(wang, description="楼上每天晚上很吵，一直到两点。")
    li = make_mediator(resident, session_factory, clock)
    li.send("/cases")
    assert "#D-0001 · 🔊 噪音 · 待受理" in li.text
    li.press("#D-0001")
    assert "反映人：匿名（可通过机器人提问）" in li.text
    li.press("受理")
    assert "⚖️ #D-0001 · 🔊 噪音 · 已受理" in li.text
    [told] = to_chat(sent(), "1104", "dp.status")
    assert told.text == "您反映的问题 #D-0001 已受理。社区调解员会在这里告诉您进展。"
    li.press_payload("dp:ack:1")  # twice: the case moved on
    assert li.text.startswith("#D-0001 刚刚有了变化：现在是已受理。\n⚖️ #D-0001 · 🔊 噪音 · 已受理")
    assert [r.edit for r in li.replies] == [True], "the view, as it stands, in place"
    li.press_payload("dp:take:1")
    assert "调解员：Li" in li.text
    # Another mediator takes it over; the first is told.
    zhao = make_mediator(resident, session_factory, clock, "Zhao", "en", user_id="5001")
    zhao.press_payload("dp:open:1")
    zhao.press("Take over")
    assert "Mediator: Zhao" in zhao.text
    [over] = to_chat(sent(), "5000", "dp.takenover")
    assert over.text == "Zhao 接管了您负责的案件 #D-0001。"
    zhao.press("In progress")
    zhao.press("Internal note")
    zhao.send("Flat 1302 is probably the source.")
    zhao.press("Confirm")
    assert "The note was kept on the case." in zhao.text
    zhao.press("Update")
    zhao.press("The reporter")
    zhao.send("We spoke with the property office.")
    zhao.press("Send")
    assert "The update was sent." in zhao.text
    zhao.press("Resolve")
    zhao.send("The neighbour agreed to stop the music at 22:00.")
    zhao.press("Confirm")
    assert "⚖️ #D-0001 · 🔊 Noise · resolved" in zhao.text
    texts = [m.text for m in to_chat(sent(), "1104")]
    assert texts == [
        "您反映的问题 #D-0001 已受理。社区调解员会在这里告诉您进展。",
        "调解员正在处理您反映的问题 #D-0001。",
        "调解员关于您反映的问题 #D-0001 的进展：We spoke with the property office.",
        "您反映的问题 #D-0001 已解决。处理结果：The neighbour agreed to stop the music at 22:00.",
    ], "the internal note is not relayed"
    with session_factory() as session:
        kinds = session.scalars(
            select(DisputeEvent.kind).where(DisputeEvent.kind != "viewed").order_by(DisputeEvent.id)
        ).all()
    assert kinds == ["reported", "status", "take", "takeover", "status", "note", "update", "status"]
    # The card in the room was re-queued on every change, one card key: edited in place.
    cards = to_chat(sent(), GROUP, "dp.card")
    assert {c.row.card_key for c in cards} == {"dp:1"} and len(cards) >= 5
    assert "已解决" in cards[-1].text and "处理结果：" in cards[-1].text
    wang.send("/mycases")
    assert "#D-0001 · 🔊 噪音 · 已解决" in wang.text
    assert "进展：We spoke with the property office." in wang.text
    assert "Flat 1302" not in wang.text
    assert "处理结果：The neighbour agreed to stop the music at 22:00." in wang.text, (
        "the outcome can be read again later"
    )


def test_close_with_a_reason(dispatcher, resident, session_factory, clock, sent):
    alice = resident("Alice", "en", user_id="1105")
    file_report(alice)
    mediator = make_mediator(resident, session_factory, clock, hint="en")
    mediator.press_payload("dp:open:1")
    mediator.press("Close")
    mediator.press("not a matter between neighbours")
    mediator.press("Confirm")
    assert "· closed" in mediator.text
    assert to_chat(sent(), "1105", "dp.status")[-1].text == (
        "Your report #D-0001 was closed. Reason: not a matter between neighbours"
    )
    mediator.press_payload("dp:res:1")
    assert "#D-0001 was changed in the meantime: it is now closed." in mediator.text
    alice.send("/mycases")
    assert "Closed because: not a matter between neighbours" in alice.text


def test_closing_a_case_drops_the_reminders_of_its_meeting(
    dispatcher, resident, session_factory, clock, sent
):
    """Nobody is reminded of a mediation meeting about a case that was closed before it."""
    alice = resident("Alice", "zh-hans", user_id="1124")
    file_report(alice)
    mediator = make_mediator(resident, session_factory, clock, hint="en")
    mediator.press_payload("dp:meet:1")
    mediator.send("2026-12-03 19:00")
    mediator.send("Community centre, room 2")
    mediator.press("Confirm")
    [invitation] = to_chat(sent(), "1124", "dp.meeting")
    alice.press_payload(invitation.reply.buttons[0][0].payload)
    assert alice.text.endswith("\n✅ 您会参加。会面前我会提醒您。")
    assert len(to_chat(sent(), "1124", "dp.reminder")) == 2
    mediator.press_payload("dp:open:1")
    mediator.press("Close")
    mediator.press("no response")
    mediator.press("Confirm")
    assert "· closed" in mediator.text
    with session_factory() as session:
        pending = session.scalars(
            select(OutboxMessage.dedup_key).where(OutboxMessage.template == "dp.reminder")
        ).all()
    assert pending == []
    assert (
        to_chat(sent(), "1124", "dp.status")[-1].text
        == "您反映的问题 #D-0001 已关闭。原因：无人回应"
    )
    alice.press_payload(invitation.reply.buttons[0][0].payload)  # the old button, pressed again
    assert alice.text == "该会面已不存在。"
    with session_factory() as session:
        assert (
            session.scalars(
                select(OutboxMessage).where(OutboxMessage.template == "dp.reminder")
            ).all()
            == []
        )


def test_question_to_an_anonymous_reporter_and_the_answer(
    dispatcher, resident, session_factory, clock, sent
):
    bind_mediators(dispatcher, "en")
    alice = resident("Alice", "en", user_id="1106")
    file_report(alice)
    mediator = make_mediator(resident, session_factory, clock, hint="en")
    mediator.press_payload("dp:open:1")
    mediator.press("Ask the reporter")
    mediator.send("Which floor does the music come from?")
    mediator.press("Send")
    [question] = to_chat(sent(), "1106", "dp.question")
    assert question.text.startswith(
        "The mediators have a question about your report #D-0001: Which floor"
    )
    alice.send("/mycases")
    assert "❓ Question: Which floor does the music come from?" in alice.text
    alice.send("The 13th floor, I think.")
    assert alice.text == "Thank you. Your answer was passed to the mediators (#D-0001)."
    [note] = to_chat(sent(), GROUP, "dp.room")
    assert note.text == (
        "#D-0001: the reporter answered your question “Which floor does the music come from?”: "
        "The 13th floor, I think."
    )
    alice.send("hello again")  # no open question: free text is not taken as an answer
    assert "I can pass your message to our volunteer team" in alice.text  # the fallback
    alice.press_payload(question.reply.buttons[0][0].payload)
    assert "already answered" in alice.text
    mediator.press_payload("dp:open:1")
    assert "answered: The 13th floor, I think." in mediator.text


def test_answer_by_button_in_chinese(dispatcher, resident, session_factory, clock, sent):
    wang = resident("王芳", "zh-hans", user_id="1107")
    file_report(wang)
    mediator = make_mediator(resident, session_factory, clock)
    mediator.press_payload("dp:open:1")
    mediator.press("提问")
    mediator.send("几楼？")
    mediator.press("发送")
    [question] = to_chat(sent(), "1107", "dp.question")
    assert "关于您反映的问题 #D-0001，调解员想问：几楼？" in question.text
    wang.press_payload(question.reply.buttons[0][0].payload)
    assert "调解员的问题：几楼？" in wang.text
    wang.send("13 楼，有人打架")
    assert wang.replies[0].text.startswith(ZH_EMERGENCY)
    wang.press("发送")
    assert "谢谢。您的回答已转给调解员（#D-0001）。" in wang.text


def test_the_other_side_sees_only_the_summary(dispatcher, resident, session_factory, clock, sent):
    bind_mediators(dispatcher, "en")
    alice = resident("Alice Reporter", "en", user_id="1108")
    file_report(alice, description="The dog barks all day in flat 1302.")
    mediator = make_mediator(resident, session_factory, clock, hint="en")
    mediator.press_payload("dp:open:1")
    mediator.press("Invite the other side")
    mediator.send("Neighbours mention a dog barking during the day.")
    mediator.press("Confirm")
    assert "https://t.me/linli_test_bot?start=dp_" in mediator.text
    link = mediator.text.split("start=")[-1].strip()
    bob = resident("Bob", "zh-hans", user_id="1109")
    bob.send(f"/start {link}")
    assert "社区调解员想就一件邻里之间的事情听听您的意见（编号 #D-0001）" in bob.text
    assert "Neighbours mention a dog barking during the day." in bob.text
    assert "barks all day" not in bob.text and "Alice" not in bob.text
    carol = resident("Carol", "en", user_id="1110")
    carol.send(f"/start {link}")
    assert "This invitation link is not valid or was already used" in carol.text
    carol.send("/start dp_forgedtoken123456")
    assert "not valid" in carol.text
    bob.send(f"/start {link}")  # the same person may open it again
    assert "事情概述" in bob.text
    carol.press_payload("dp:side:1")
    assert "not for you" in carol.text
    bob.press("说明我的情况")
    bob.send("狗白天只叫一会儿。")
    bob.press("发送")
    assert "谢谢。调解员会阅读您的说明" in bob.text
    notes = [m.text for m in to_chat(sent(), GROUP, "dp.room")]
    assert notes == [
        "#D-0001: the other side opened the invitation.",
        "#D-0001: the other side gave their view: 狗白天只叫一会儿。",
    ]
    mediator.press_payload("dp:upd:1")
    mediator.press("The other side")
    mediator.send("Thank you, we will suggest a meeting.")
    mediator.press("Send")
    [update] = to_chat(sent(), "1109", "dp.party_update")
    assert update.text == "社区调解员关于 #D-0001 的进展：Thank you, we will suggest a meeting."
    assert to_chat(sent(), "1108", "dp.update") == [], "an update for the other side only"


def test_update_for_the_other_side_before_anyone_opened_the_link(resident, session_factory, clock):
    alice = resident("Alice", "en", user_id="1111")
    file_report(alice)
    mediator = make_mediator(resident, session_factory, clock, hint="en")
    mediator.press_payload("dp:upd:1")
    mediator.press("The other side")
    mediator.send("Hello")
    mediator.press("Send")
    assert "Nobody from the other side has opened an invitation yet." in mediator.text


def test_meeting_is_agreed_and_reminded(dispatcher, resident, session_factory, clock, sent):
    bind_mediators(dispatcher, "en")
    alice = resident("Alice", "en", user_id="1112")
    file_report(alice)
    mediator = make_mediator(resident, session_factory, clock, hint="en")
    mediator.press_payload("dp:inv:1")
    mediator.send("About noise at night.")
    mediator.press("Confirm")
    bob = resident("Bob", "zh-hans", user_id="1113")
    bob.send("/start " + mediator.text.split("start=")[-1].strip())
    mediator.press_payload("dp:meet:1")
    mediator.send("2026-12-03 19:00")
    mediator.send("Community centre, room 2")
    mediator.press("Confirm")
    assert "The meeting was proposed to everyone involved." in mediator.text
    [to_alice] = to_chat(sent(), "1112", "dp.meeting")
    assert to_alice.text.startswith(
        "The mediators propose a meeting about #D-0001: Thu, Dec 3, 2026, 19:00"
    )
    [to_bob] = to_chat(sent(), "1113", "dp.meeting")
    assert to_bob.text.startswith("调解员想就 #D-0001 约您会面：2026年12月3日周四 19:00")
    alice.press_payload(to_alice.reply.buttons[0][0].payload)
    assert alice.text == (
        "Mediation meeting about #D-0001: Thu, Dec 3, 2026, 19:00, Community centre, room 2.\n"
        "✅ You can come. I will remind you before the meeting."
    )
    bob.press_payload(to_bob.reply.buttons[0][1].payload)  # another time, please
    assert bob.text.endswith("\n🔁 您希望换个时间，调解员会另外提议。")
    notes = [m.text for m in to_chat(sent(), GROUP, "dp.room")]
    assert notes[-2:] == [
        "#D-0001: the reporter can come to the meeting.",
        "#D-0001: the other side asks for another meeting time.",
    ]
    reminders = to_chat(sent(), "1112", "dp.reminder")
    assert [r.row.due_at - clock() for r in reminders] == [
        timedelta(days=7, hours=3 - 24),
        timedelta(days=7, hours=3 - 2),
    ]  # 19:00 Shanghai is 11:00 UTC; the clock says 08:00 UTC on Nov 26
    assert reminders[0].text == (
        "Reminder: the mediation meeting about #D-0001 is on Thu, Dec 3, 2026, 19:00, "
        "Community centre, room 2."
    )
    assert len(to_chat(sent(), "5000", "dp.reminder")) == 2, "the mediator is reminded too"
    assert to_chat(sent(), "1113", "dp.reminder") == [], "Bob asked for another time"
    # A new time replaces the old proposal and removes its reminders.
    mediator.press_payload("dp:meet:1")
    mediator.send("2026-12-04 19:00")
    mediator.send("Community centre, room 2")
    mediator.press("Confirm")
    with session_factory() as session:
        pending = session.scalars(
            select(OutboxMessage.dedup_key).where(OutboxMessage.template == "dp.reminder")
        ).all()
    assert all(key.startswith("dp:m2:") for key in pending), pending
    alice.press_payload(to_alice.reply.buttons[0][0].payload)  # the old proposal's button
    assert "That meeting time was changed" in alice.text
    [moved] = [m for m in to_chat(sent(), "1113", "dp.meeting") if "改到" in m.text]
    bob.press_payload(moved.reply.buttons[0][0].payload)
    alice.press_payload(to_chat(sent(), "1112", "dp.meeting")[-1].reply.buttons[0][0].payload)
    mediator.press_payload("dp:open:1")
    assert "Meeting: Fri, Dec 4, 2026, 19:00, Community centre, room 2 (agreed)" in mediator.text


def test_reports_of_the_same_place_are_linked_by_a_mediator(
    dispatcher, resident, session_factory, clock, sent
):
    bind_mediators(dispatcher, "en")
    alice = resident("Alice", "en", user_id="1114")
    wang = resident("王芳", "zh-hans", user_id="1115")
    carol = resident("Carol", "en", user_id="1116")
    file_report(alice, place="Building 3, unit 1202")
    reply = file_report(wang, place="building 3 unit 1202！")
    assert "其他邻居" not in reply  # nobody learns that others reported
    file_report(carol, place="Building 3, unit 1202", category="parking")  # another category
    with session_factory() as session:
        rows = session.execute(
            select(DisputeCase.id, DisputeCase.linked_to_id, DisputeCase.duplicate_of_id)
        ).all()
    assert {row[0]: (row[1], row[2]) for row in rows} == {
        1: (None, None),
        2: (None, 1),
        3: (None, None),
    }
    mediator = make_mediator(resident, session_factory, clock, hint="en")
    mediator.send("/cases")
    assert "#D-0002" in mediator.text and "#D-0003" in mediator.text
    mediator.press_payload("dp:link:2")
    cards = to_chat(sent(), GROUP, "dp.card")
    assert "2 neighbours reported this" in [c for c in cards if c.row.card_key == "dp:1"][-1].text
    assert "#D-0001: another neighbour reported the same problem (reports so far: 2)." in [
        m.text for m in to_chat(sent(), GROUP, "dp.room")
    ]
    mediator.send("/cases")
    assert "#D-0002" not in mediator.text and "#D-0003" in mediator.text
    mediator.press_payload("dp:ack:1")
    assert to_chat(sent(), "1114", "dp.status")[-1].text.startswith(
        "Your report #D-0001 was received"
    )
    assert to_chat(sent(), "1115", "dp.status")[-1].text.startswith("您反映的问题 #D-0002 已受理")
    wang.send("/mycases")
    assert "#D-0002 · 🔊 噪音 · 已受理" in wang.text


def test_mycases_shows_only_ones_own(resident):
    alice = resident("Alice", "en", user_id="1117")
    bob = resident("Bob", "en", user_id="1118")
    bob.send("/mycases")
    assert bob.text.startswith("You have not reported any dispute yet.")
    file_report(alice, description="Alice's own words about it.")
    file_report(bob, category="parking", place="Gate 2", description="A car blocks the gate.")
    bob.send("/mycases")
    assert "#D-0002 · 🚗 Parking · new" in bob.text
    assert "#D-0001" not in bob.text
    assert "you reported it" in bob.text


def test_csv_export_keeps_anonymous_reporters_anonymous(resident, session_factory, clock):
    alice = resident("Alice Secret", "en", user_id="1119")
    file_report(alice)
    bob = resident("Bob Named", "en", user_id="1120")
    file_report(bob, anonymous=False, category="parking", place="Gate 2")
    mediator = make_mediator(resident, session_factory, clock, hint="en")
    mediator.send("/cases")
    mediator.press("CSV")
    [reply] = mediator.replies
    assert reply.text == "2 cases"
    content = reply.attachment.content.decode("utf-8-sig")
    assert "#D-0001,noise,new" in content and ",anonymous," in content
    assert ",Bob," in content and "Alice" not in content and "Secret" not in content


def test_on_the_console_the_invitation_is_a_start_command(session_factory, registry, clock):
    """Without a bot username there are no t.me links: the mediator gets ``/start dp_…``."""
    from zoneinfo import ZoneInfo

    from bot.dispatcher import Dispatcher
    from handlers.types import Community
    from standin.people import Resident

    console = Community(timezone=ZoneInfo("Asia/Shanghai"), default_locale="en")
    dispatcher = Dispatcher(
        session_factory=session_factory, registry=registry, community=console, clock=clock
    )
    alice = Resident(dispatcher, "alice", "en", transport="console", user_id="alice")
    file_report(alice)
    li = Resident(dispatcher, "li", "en", transport="console", user_id="li")
    li.send("/start")
    with session_factory() as session, session.begin():
        from db.users import find_user, grant_role

        grant_role(session, find_user(session, "console", "li"), "mediator", now=clock(), by="t")
    li.press_payload("dp:inv:1")
    li.send("About noise at night.")
    li.press("Confirm")
    command = li.text.splitlines()[-1]
    assert command.startswith("/start dp_") and len(command) > len("/start dp_") + 10
    bob = Resident(dispatcher, "bob", "en", transport="console", user_id="bob")
    bob.send(command)
    assert "About noise at night." in bob.text


def test_a_photo_is_not_taken_as_an_answer(resident, session_factory, clock, sent):
    alice = resident("Alice", "en", user_id="1121")
    file_report(alice)
    mediator = make_mediator(resident, session_factory, clock, hint="en")
    mediator.press_payload("dp:ask:1")
    mediator.send("Which floor?")
    mediator.press("Send")
    alice.send_kind(Kind.PHOTO, file_id="p9")
    assert "Sorry, I did not understand that." in alice.text
    alice.send("  ")
    alice.send("Floor 13")
    assert alice.text == "Thank you. Your answer was passed to the mediators (#D-0001)."


def test_an_old_question_does_not_swallow_free_text(resident, session_factory, clock):
    alice = resident("Alice", "en", user_id="1123")
    file_report(alice)
    mediator = make_mediator(resident, session_factory, clock, hint="en")
    mediator.press_payload("dp:ask:1")
    mediator.send("Which floor?")
    mediator.press("Send")
    clock.advance(days=15)
    alice.send("Floor 13")
    assert "I can pass your message to our volunteer team" in alice.text  # the fallback
    alice.send("/mycases")
    alice.press("Answer #D-0001")  # the button still answers it
    alice.send("Floor 13")
    assert alice.text == "Send your answer to the mediators?"
    alice.press("Send")
    assert alice.text == "Thank you. Your answer was passed to the mediators (#D-0001)."


def test_without_a_room_mediators_are_told_privately(resident, session_factory, clock, sent):
    li = make_mediator(resident, session_factory, clock, hint="en")
    zhao = make_mediator(resident, session_factory, clock, "Zhao", "zh-hans", user_id="5001")
    alice = resident("Alice", "en", user_id="1122")
    file_report(alice)
    assert to_chat(sent(), "5000", "dp.room")[0].text == (
        "#D-0001: a new dispute report. Send /cases to see it."
    )
    assert to_chat(sent(), "5001", "dp.room")[0].text == "#D-0001：新的纠纷反映。发送 /cases 查看。"
    zhao.press_payload("dp:take:1")
    li.press_payload("dp:ask:1")
    li.send("Which floor?")
    li.press("Send")
    alice.send("Floor 13")
    # The answer goes to the mediator who holds the case, and to the one who asked (privately,
    # with the case a press away).
    assert [m.text for m in to_chat(sent(), "5001", "dp.room")][-1].startswith(
        "#D-0001：反映人回答了问题“Which floor?”：Floor 13"
    )
    to_li = to_chat(sent(), "5000", "dp.room")
    assert len(to_li) == 2
    assert to_li[-1].text == "#D-0001: the reporter answered your question “Which floor?”: Floor 13"
    assert to_li[-1].reply.buttons[0][0].payload == "dp:open:1"


def test_without_a_room_a_former_mediator_is_told_nothing_more(
    resident, session_factory, clock, sent
):
    """The mediator holding a case lost the role: the reporter's answer (and anything else
    about the case) goes to the mediators who still are, not to them."""
    from db.users import find_user, revoke_role

    li = make_mediator(resident, session_factory, clock, hint="en")
    make_mediator(resident, session_factory, clock, "Zhao", "zh-hans", user_id="5001")
    alice = resident("Alice", "en", user_id="1123")
    file_report(alice)
    li.press_payload("dp:ask:1")
    li.send("Which floor?")
    li.press("Send")
    li.press_payload("dp:take:1")
    with session_factory() as session, session.begin():
        revoke_role(session, find_user(session, "telegram", "5000"), "mediator")
    alice.send("Floor 13")
    assert alice.text == "Thank you. Your answer was passed to the mediators (#D-0001)."
    assert [m.text for m in to_chat(sent(), "5000", "dp.room")] == [
        "#D-0001: a new dispute report. Send /cases to see it."
    ]
    assert [m.text for m in to_chat(sent(), "5001", "dp.room")][-1].startswith(
        "#D-0001：反映人回答了问题“Which floor?”：Floor 13"
    )


def test_case_history_reads_as_chinese_for_a_chinese_mediator(
    dispatcher, resident, session_factory, clock
):
    bind_mediators(dispatcher)
    wang = resident("Wang", "zh-hans", user_id="1112")
    file_report(wang, anonymous=False)
    mediator = make_mediator(resident, session_factory, clock)
    mediator.press_payload("dp:meet:1")
    mediator.send("2026-12-03 19:00")
    mediator.send("社区活动室")
    mediator.press("确认")
    history = mediator.text
    assert "— 反映人：提交了反映" in history, "a full-width colon after who did it"
    assert "提议会面：2026年12月3日周四 19:00，社区活动室" in history, "a full-width comma"
    assert ": " not in history.replace("19:00", "")
