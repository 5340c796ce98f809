"""Answers in a dispute change the message they came from: a meeting's ✅ / 🔁, a follow-up's
👍 / 👎, and a mediator's buttons on a case's private view. One message changes, none is added;
a press on a button that moved on changes nothing and shows where things stand; the same
answer twice tells the mediators once. English and Chinese."""

from __future__ import annotations

import pytest

from bot.sweeper import Sweeper
from handlers.types import Reply
from tests.dispute_support import file_report, make_mediator, outbox_messages, to_chat
from tests.support import GROUP, in_group

WORDS = {
    "en": {
        "meeting": "Mediation meeting about #D-0001: Thu, Dec 3, 2026, 19:00, Community centre, "
        "room 2.",
        "coming": "✅ You can come. I will remind you before the meeting.",
        "other": "🔁 You asked for another time. The mediators will propose one.",
        "again": "You had already answered so.",
        "can_come": "✅ I can come",
        "another": "🔁 Another time, please",
        "question": "Your report #D-0001 was resolved some days ago. Is the problem solved?",
        "solved": "Thank you! We are glad the problem is solved.",
        "said_solved": "You said the problem is solved. Thank you!",
    },
    "zh-hans": {
        "meeting": "关于 #D-0001 的调解会面：2026年12月3日周四 19:00，地点：Community centre, "
        "room 2。",
        "coming": "✅ 您会参加。会面前我会提醒您。",
        "other": "🔁 您希望换个时间，调解员会另外提议。",
        "again": "您之前已经这样回答过了。",
        "can_come": "✅ 我能来",
        "another": "🔁 请另约时间",
        "question": "您反映的问题 #D-0001 前几天已处理完毕。问题解决了吗？",
        "solved": "谢谢！很高兴问题已经解决。",
        "said_solved": "您已告诉我们问题已经解决。谢谢！",
    },
}


@pytest.fixture
def sent(session_factory, registry, community):
    return lambda: outbox_messages(session_factory, registry, community)


def _only_edit(replies: list[Reply]) -> Reply:
    """Answered by changing the pressed message: one reply, an edit, nothing new."""
    assert [r.edit for r in replies] == [True], [r.text for r in replies]
    return replies[0]


def _labels(reply: Reply) -> list[str]:
    return [b.label for row in reply.buttons for b in row]


def _room_notes(sent, words: str) -> int:
    return sum(words in m.text for m in to_chat(sent(), GROUP, "dp.room"))


@pytest.mark.parametrize("hint", ["en", "zh-hans"])
def test_a_meeting_answer_changes_the_proposal_and_a_second_press_tells_nobody(
    dispatcher, resident, session_factory, clock, sent, hint
):
    w = WORDS[hint]
    in_group(dispatcher, "9000", "Admin", command="/bind mediators")
    alice = resident("Alice", hint, user_id="1130")
    file_report(alice)
    mediator = make_mediator(resident, session_factory, clock, hint="en")
    mediator.press_payload("dp:meet:1")
    mediator.send("2026-12-03 19:00")
    mediator.send("Community centre, room 2")
    mediator.press("Confirm")
    [proposal] = to_chat(sent(), "1130", "dp.meeting")
    yes, other = (b.payload for b in proposal.reply.buttons[0])

    shown = _only_edit(alice.press_payload(yes))
    assert shown.text == f"{w['meeting']}\n{w['coming']}"
    assert _labels(shown) == [w["another"]], "the other answer, to change one's mind"
    assert _room_notes(sent, "the reporter can come") == 1

    again = _only_edit(alice.press_payload(yes))  # the old button, or a double tap
    assert again.text == f"{w['meeting']}\n{w['coming']}\n{w['again']}"
    assert _room_notes(sent, "the reporter can come") == 1, "the mediators are told once"
    assert len(to_chat(sent(), "1130", "dp.reminder")) == 2

    changed = _only_edit(alice.press_payload(other))
    assert changed.text == f"{w['meeting']}\n{w['other']}"
    assert _labels(changed) == [w["can_come"]]
    assert _room_notes(sent, "the reporter asks for another meeting time") == 1
    assert to_chat(sent(), "1130", "dp.reminder") == [], "no reminders for a no"

    # A newer proposal: the old one's buttons say so, in place.
    mediator.press_payload("dp:meet:1")
    mediator.send("2026-12-04 19:00")
    mediator.send("Community centre, room 2")
    mediator.press("Confirm")
    stale = _only_edit(alice.press_payload(yes))
    assert stale.buttons == ()
    assert stale.text == (
        "That meeting time was changed; please answer the newest proposal."
        if hint == "en"
        else "该会面时间已更改，请回复最新的提议。"
    )


@pytest.mark.parametrize("hint", ["en", "zh-hans"])
def test_a_follow_up_answer_changes_the_question(
    dispatcher, resident, session_factory, clock, sent, registry, community, hint
):
    w = WORDS[hint]
    alice = resident("Alice", hint, user_id="1131")
    file_report(alice)
    mediator = make_mediator(resident, session_factory, clock, hint="en")
    mediator.press_payload("dp:res:1")
    mediator.send("Agreed on quiet hours.")
    mediator.press("Confirm")
    clock.advance(days=3, minutes=1)
    Sweeper(
        session_factory=session_factory, registry=registry, community=community, clock=clock
    ).run()
    [question] = to_chat(sent(), "1131", "dp.followup")
    yes, no = (b.payload for b in question.reply.buttons[0])

    shown = _only_edit(alice.press_payload(yes))
    assert (shown.text, shown.buttons) == (f"{w['question']}\n{w['solved']}", ())
    again = _only_edit(alice.press_payload(no))  # the old message's other button
    assert (again.text, again.buttons) == (f"{w['question']}\n{w['said_solved']}", ())
    assert to_chat(sent(), GROUP, "dp.room") == [], "the case was not reopened"


MEDIATOR = {
    "en": {
        "status": "⚖️ #D-0001 · 🔊 Noise · acknowledged",
        "moved": "#D-0001 was changed in the meantime: it is now acknowledged.",
        "hold": "You already hold #D-0001.",
        "form": "📝 Update on the case · case #D-0001",
        "sent": "The update was sent.",
        "send": "Send",
    },
    "zh-hans": {
        "status": "⚖️ #D-0001 · 🔊 噪音 · 已受理",
        "moved": "#D-0001 刚刚有了变化：现在是已受理。",
        "hold": "#D-0001 已由您负责。",
        "form": "📝 案件进展 · 案件 #D-0001",
        "sent": "进展已发送。",
        "send": "发送",
    },
}


@pytest.mark.parametrize("hint", ["en", "zh-hans"])
def test_a_mediators_buttons_change_the_case_view(
    dispatcher, resident, session_factory, clock, sent, hint
):
    """Each press on a case's private view changes that view: Acknowledge, Take, and the
    forms (their first question takes the view's place, and Send turns the summary back into
    the case). An old button shows the case as it stands; the reporter is told once."""
    w = MEDIATOR[hint]
    alice = resident("Alice", "en", user_id="1132")
    file_report(alice)
    li = make_mediator(resident, session_factory, clock, hint=hint)
    li.send("/cases")
    _only_edit(li.press_payload("dp:open:1"))

    shown = _only_edit(li.press_payload("dp:acknowledge:1"))
    assert shown.text.startswith(w["status"])
    again = _only_edit(li.press_payload("dp:acknowledge:1"))  # the old view's button
    assert again.text.startswith(f"{w['moved']}\n{w['status']}")
    assert len(to_chat(sent(), "1132", "dp.status")) == 1, "the reporter is told once"

    _only_edit(li.press_payload("dp:take:1"))
    held = _only_edit(li.press_payload("dp:take:1"))
    assert held.text.startswith(f"{w['hold']}\n{w['status']}")

    asked = _only_edit(li.press_payload("dp:update:1"))  # no "Case …" line, no form title
    assert asked.text.startswith(w["form"] + "\n")
    li.press_payload(asked.buttons[0][0].payload)  # for the reporter
    li.send("We spoke with the neighbour upstairs.")
    done = _only_edit(li.press(w["send"]))
    assert done.text.startswith(f"{w['sent']}\n{w['status']}")
    assert len(to_chat(sent(), "1132", "dp.update")) == 1
