"""In both languages: resolving a case decides about its pending
meeting and tells every party; the other side's /mycases; the reporter's answer reaches the
mediator who asked; a case card that fits a phone."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.models import OutboxMessage
from tests.dispute_support import file_report, make_mediator, to_chat
from tests.support import Resident, loose_dispatcher


@pytest.fixture
def dispatcher(session_factory, registry, community, clock):
    """A mediator works many steps in a row: flood control is not what these tests are about."""
    return loose_dispatcher(session_factory, registry, community, clock)


SUMMARY = "Neighbours mention music late at night."
OUTCOME = "Quiet after 22:00 agreed."


def _sent(session_factory, registry, community):
    from tests.dispute_support import outbox_messages

    return outbox_messages(session_factory, registry, community)


def _invite_and_meet(mediator: Resident, resident, other_hint: str, confirm: str) -> Resident:
    """The mediator invites the other side (who opens the link) and proposes a meeting."""
    mediator.press_payload("dp:inv:1")
    mediator.send(SUMMARY)
    mediator.press(confirm)
    link = mediator.text.split("start=")[-1].strip()
    bob = resident("Bob Other", other_hint, user_id="1301")
    bob.send(f"/start {link}")
    mediator.press_payload("dp:meet:1")
    mediator.send("2026-12-03 19:00")
    mediator.send("Community centre, room 2")
    mediator.press(confirm)
    return bob


def _reminders(session_factory) -> int:
    with session_factory() as session:
        return len(
            session.scalars(
                select(OutboxMessage).where(OutboxMessage.template == "dp.reminder")
            ).all()
        )


def test_resolving_cancels_the_meeting_and_tells_every_party(
    resident, session_factory, clock, registry, community
):
    alice = resident("Alice", "zh-hans", user_id="1300")
    file_report(alice, description="Loud music from flat 1302 until 2 am.")
    mediator = make_mediator(resident, session_factory, clock, hint="en")
    bob = _invite_and_meet(mediator, resident, "en", "Confirm")
    sent = _sent(session_factory, registry, community)
    for chat in ("1300", "1301"):
        meeting = to_chat(sent, chat, "dp.meeting")[0]
        person = alice if chat == "1300" else bob
        person.press_payload(meeting.reply.buttons[0][0].payload)
    assert _reminders(session_factory) > 0

    mediator.press_payload("dp:res:1")
    mediator.send(OUTCOME)
    assert "A meeting is still planned. Does it take place?" in mediator.text
    mediator.press("Cancel the meeting")
    assert "Meeting: ✖️ Cancel the meeting" in mediator.text
    mediator.press("Confirm")
    assert "· resolved" in mediator.text
    assert "Meeting:" not in mediator.text  # the cancelled meeting is off the card
    assert _reminders(session_factory) == 0

    sent = _sent(session_factory, registry, community)
    [off_alice] = to_chat(sent, "1300", "dp.meeting_off")
    assert off_alice.text.startswith("关于 #D-0001、原定 2026年12月3日")
    assert off_alice.text.endswith("的调解会面已取消。")
    [off_bob] = to_chat(sent, "1301", "dp.meeting_off")
    assert off_bob.text.startswith("The mediation meeting about #D-0001 on ")
    [news] = to_chat(sent, "1301", "dp.party_status")
    assert news.text == f"The mediators have concluded the matter #D-0001. Outcome: {OUTCOME}"

    bob.send("/mycases")
    assert bob.text.startswith("Matters the mediators invited you to:")
    assert "#D-0001 · resolved" in bob.text and SUMMARY in bob.text and OUTCOME in bob.text
    assert "Alice" not in bob.text and "flat 1302" not in bob.text  # never the reporter
    assert "Meeting:" not in bob.text
    bob.press_payload(to_chat(sent, "1301", "dp.meeting")[0].reply.buttons[0][0].payload)
    assert bob.text == "That meeting does not exist any more."  # it was cancelled


def test_resolving_keeps_the_meeting_in_chinese(
    resident, session_factory, clock, registry, community
):
    alice = resident("Alice", "en", user_id="1300")
    file_report(alice, description="Loud music from flat 1302 until 2 am.")
    mediator = make_mediator(resident, session_factory, clock, hint="zh-hans")
    bob = _invite_and_meet(mediator, resident, "zh-hans", "确认")
    sent = _sent(session_factory, registry, community)
    bob.press_payload(to_chat(sent, "1301", "dp.meeting")[0].reply.buttons[0][0].payload)
    before = _reminders(session_factory)
    assert before > 0

    bob.send("/mycases")  # the case is open: the meeting they are part of is there
    assert bob.text.startswith("调解员邀请您参与的事项：")
    assert SUMMARY in bob.text and "会面：2026年12月3日" in bob.text
    assert "flat 1302" not in bob.text and "Alice" not in bob.text

    mediator.press_payload("dp:res:1")
    mediator.send(OUTCOME)
    assert "还有一次已安排的会面" in mediator.text
    mediator.press("保留会面")
    mediator.press("确认")
    assert _reminders(session_factory) == before  # everyone is still reminded
    sent = _sent(session_factory, registry, community)
    assert to_chat(sent, "1301", "dp.meeting_off") == []
    [news] = to_chat(sent, "1301", "dp.party_status")
    assert news.text == f"调解员已处理完事项 #D-0001。结果：{OUTCOME}"
    [status] = to_chat(sent, "1300", "dp.status")
    assert status.text == f"Your report #D-0001 was resolved. Outcome: {OUTCOME}"
    # The meeting was kept: the reporter can still say they will come.
    alice.press_payload(to_chat(sent, "1300", "dp.meeting")[0].reply.buttons[0][0].payload)
    assert "✅ You can come." in alice.text


def test_mycases_says_no_cases_only_to_someone_with_none(resident):
    carol = resident("Carol", "en", user_id="1302")
    carol.send("/mycases")
    assert carol.text == "You have not reported any dispute yet."


def test_the_answer_reaches_the_mediator_who_asked_privately(
    resident, session_factory, clock, registry, community
):
    wang = resident("王芳", "zh-hans", user_id="1303")
    file_report(wang)
    mediator = make_mediator(resident, session_factory, clock, hint="zh-hans")
    mediator.press_payload("dp:ask:1")
    mediator.send("几楼？")
    assert mediator.text == "把这个问题发给反映人吗？"  # one line, not a summary
    assert [b.label for row in mediator.replies[-1].buttons for b in row] == [
        "✅ 发送",
        "✏️ 修改",
        "取消",
    ]
    mediator.press("修改")
    mediator.send("请问是几楼？")
    mediator.press("发送")
    assert "问题已发送" in mediator.text
    wang.send("13 楼")
    [note] = [
        m
        for m in to_chat(_sent(session_factory, registry, community), "5000", "dp.room")
        if "回答" in m.text
    ]
    assert note.text == "#D-0001：反映人回答了问题“请问是几楼？”：13 楼"
    assert note.reply.buttons[0][0].label == "🔎 打开 #D-0001"
    mediator.press_payload(note.reply.buttons[0][0].payload)
    assert mediator.text.startswith("⚖️ #D-0001")


def _labels(person: Resident) -> list[str]:
    return [b.label for row in person.replies[-1].buttons for b in row]


def test_the_case_card_fits_a_phone(resident, session_factory, clock):
    alice = resident("Alice", "zh-hans", user_id="1304")
    file_report(alice, anonymous=True)
    alice.send("/lang hant")  # she reads Traditional characters now
    clock.advance(hours=26)
    mediator = make_mediator(resident, session_factory, clock, hint="en")
    mediator.press_payload("dp:open:1")
    assert mediator.text.startswith("⚖️ #D-0001 · 🔊 Noise · new · waiting 26 h")
    assert "The reporter reads 繁體" in mediator.text
    labels = _labels(mediator)
    assert "📷 Photos" not in labels  # no photos, no button
    assert "🙋 Take" in labels
    mediator.press("🙋 Take")
    assert "🙋 Take" not in _labels(mediator) and "🙋 Take over" not in _labels(mediator)
    assert mediator.replies[-1].edit  # the card changes in place
    for number in range(5):
        mediator.press_payload("dp:note:1")
        mediator.send(f"Note number {number}")
        mediator.press("Confirm")
        clock.advance(minutes=10)  # (not flooding)
    mediator.press_payload("dp:open:1")
    card = mediator.text
    assert "Note number 4" in card and "Note number 2" in card and "Note number 1" not in card
    assert len(card) < 1000
    assert len(_labels(mediator)) < 10 and "📷 Photos" not in _labels(mediator)
    clock.advance(minutes=10)
    mediator.press("📜 History")
    assert "Note number 0" in mediator.text and "took the case" in mediator.text
    assert mediator.replies[-1].edit
    clock.advance(minutes=10)
    mediator.press("Back to #D-0001")
    assert mediator.text.startswith("⚖️ #D-0001")


def test_waiting_in_days_in_chinese(resident, session_factory, clock):
    alice = resident("Alice", "en", user_id="1305")
    file_report(alice, photos=("photo-a",))
    clock.advance(days=3, hours=2)
    mediator = make_mediator(resident, session_factory, clock, hint="zh-hans")
    mediator.press_payload("dp:open:1")
    assert "· 新 · 已等3 天" in mediator.text.split("\n")[0] or "已等 3 天" in mediator.text
    assert "反映人使用English" in mediator.text or "反映人使用 English" in mediator.text
    assert "📷 照片" in _labels(mediator)
