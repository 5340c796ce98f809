"""The dispute clocks with a controllable clock: escalation to admins when nobody acknowledged
a report in time (once), and the follow-up question after a case was resolved (No reopens)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from bot.dispatcher import Dispatcher
from bot.sweeper import Sweeper
from db.dispute_models import DisputeCase
from tests.dispute_support import (
    bind_mediators,
    file_report,
    make_mediator,
    outbox_messages,
    to_chat,
)
from tests.support import GROUP


@pytest.fixture
def community(community):
    """Shorter than the defaults (24h, 3d), to show the settings are what counts."""
    return replace(
        community, dispute_ack_within=timedelta(hours=12), dispute_followup_after=timedelta(days=2)
    )


@pytest.fixture
def sweeper(session_factory, registry, community, clock):
    return Sweeper(
        session_factory=session_factory, registry=registry, community=community, clock=clock
    )


@pytest.fixture
def sent(session_factory, registry, community):
    return lambda: outbox_messages(session_factory, registry, community)


def test_unacknowledged_report_is_escalated_to_admins_once(
    dispatcher, resident, sweeper, clock, sent
):
    admin = resident("Admin", "en", user_id="9000")
    admin.send("/start")
    reporter = resident("Alice Hidden", "en", user_id="1201")
    file_report(reporter)
    clock.advance(hours=11, minutes=59)
    assert sweeper.run() == []
    assert to_chat(sent(), "9000") == []
    clock.advance(minutes=2)
    assert sweeper.run() == []
    [escalated] = to_chat(sent(), "9000", "dp.escalated")
    assert escalated.text == (
        "Dispute report #D-0001 (🔊 Noise) has not been acknowledged since "
        "Thu, Nov 26, 2026, 16:00. Please make sure a mediator takes it."
    )
    assert "Alice" not in escalated.text and "1201" not in escalated.text
    clock.advance(hours=5)
    assert sweeper.run() == []
    assert len(to_chat(sent(), "9000", "dp.escalated")) == 1, "once"


def test_acknowledged_in_time_is_not_escalated(
    dispatcher, resident, sweeper, session_factory, clock, sent
):
    admin = resident("Admin", "zh-hans", user_id="9000")
    admin.send("/start")
    file_report(resident("Alice", "en", user_id="1202"))
    mediator = make_mediator(resident, session_factory, clock)
    clock.advance(hours=11)
    mediator.press_payload("dp:ack:1")
    clock.advance(hours=30)
    sweeper.run()
    assert to_chat(sent(), "9000") == []


def test_escalation_in_chinese(dispatcher, resident, sweeper, clock, sent):
    resident("Admin", "zh-hans", user_id="9000").send("/start")
    file_report(resident("王芳", "zh-hans", user_id="1203"))
    clock.advance(days=2)
    sweeper.run()
    [escalated] = to_chat(sent(), "9000", "dp.escalated")
    assert escalated.text.startswith(
        "纠纷反映 #D-0001（🔊 噪音）自 2026年11月26日周四 16:00 起仍未受理。"
    )


def _resolve(mediator, case_id: int = 1, outcome: str = "Agreed on quiet hours.") -> None:
    mediator.press_payload(f"dp:res:{case_id}")
    mediator.send(outcome)
    mediator.press("确认" if mediator.language_code.startswith("zh") else "Confirm")


def test_follow_up_no_reopens_and_tells_the_mediators(
    dispatcher: Dispatcher, resident, sweeper, session_factory, clock, sent
):
    bind_mediators(dispatcher, "en")
    wang = resident("王芳", "zh-hans", user_id="1204")
    file_report(wang)
    mediator = make_mediator(resident, session_factory, clock, hint="en")
    _resolve(mediator)
    clock.advance(days=1, hours=23)
    sweeper.run()
    assert to_chat(sent(), "1204", "dp.followup") == []
    clock.advance(hours=2)
    sweeper.run()
    sweeper.run()
    [question] = to_chat(sent(), "1204", "dp.followup")
    assert question.text == "您反映的问题 #D-0001 前几天已处理完毕。问题解决了吗？"
    labels = [b.label for row in question.reply.buttons for b in row]
    assert labels == ["👍 是，已解决", "👎 没有解决"]
    wang.press_payload(question.reply.buttons[0][1].payload)
    assert wang.text == (
        "您反映的问题 #D-0001 前几天已处理完毕。问题解决了吗？\n"
        "谢谢您告诉我们。您反映的问题 #D-0001 已重新打开，调解员已收到通知。"
    )
    assert [r.edit for r in wang.replies] == [True], "the question changed in place"
    with session_factory() as session:
        case = session.get(DisputeCase, 1)
        assert (case.status, case.followup) == ("in_progress", "no")
    assert "#D-0001 was reopened: the reporter says the problem is not solved." in [
        m.text for m in to_chat(sent(), GROUP, "dp.room")
    ]
    assert "· in progress" in to_chat(sent(), GROUP, "dp.card")[-1].text
    wang.press_payload(question.reply.buttons[0][1].payload)  # pressed again
    assert wang.text.endswith("您已告诉我们问题没有解决，调解员已收到通知。")
    assert [(r.edit, r.buttons) for r in wang.replies] == [(True, ())]
    # Resolved again: a new follow-up cycle.
    _resolve(mediator, outcome="The music stops at 22:00 now.")
    clock.advance(days=2, minutes=1)
    sweeper.run()
    second = to_chat(sent(), "1204", "dp.followup")
    assert len(second) == 2
    wang.press_payload(second[-1].reply.buttons[0][0].payload)
    assert wang.text.endswith("\n谢谢！很高兴问题已经解决。")
    assert (
        "The reporter confirmed the problem is solved."
        in to_chat(sent(), GROUP, "dp.card")[-1].text
    )


def test_follow_up_in_english_and_only_for_the_reporter(
    dispatcher, resident, sweeper, session_factory, clock, sent
):
    alice = resident("Alice", "en", user_id="1205")
    file_report(alice)
    mediator = make_mediator(resident, session_factory, clock, hint="en")
    _resolve(mediator)
    clock.advance(days=4)
    sweeper.run()
    [question] = to_chat(sent(), "1205", "dp.followup")
    assert question.text == "Your report #D-0001 was resolved some days ago. Is the problem solved?"
    mediator.press_payload(question.reply.buttons[0][1].payload)
    assert mediator.text == "That question is not for you, or it no longer exists."
    with session_factory() as session:
        assert session.get(DisputeCase, 1).status == "resolved"
