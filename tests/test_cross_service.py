"""Where the services meet: one neighbour with a help request in progress and a dispute report
the mediators are asking about, and a volunteer helping two neighbours. Free text goes to what
waits for it (``handlers/answers.py``): a reply to a relayed message goes to its conversation;
with one conversation waiting, there; with several, the person is asked which, and their
message is kept until they pick — an answer meant for the mediators never reaches a volunteer,
and a volunteer's words for one resident never reach the other."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.dispatcher import Dispatcher
from bot.flood import FloodGuard
from db.awaiting import KeptMessage
from db.requests.models import RequestMessage
from handlers.types import Inbound, Kind
from tests.dispute_support import file_report, make_mediator
from tests.requests_support import file_request, make_volunteer

QUESTION = "Which floor does the music come from?"


@pytest.fixture
def dispatcher(session_factory, registry, community, clock) -> Dispatcher:
    return Dispatcher(
        session_factory=session_factory,
        registry=registry,
        community=community,
        clock=clock,
        flood=FloodGuard(limit=1000),
    )


def _ana_with_a_volunteer_and_a_question(resident, session_factory, clock, deliver, hint="en"):
    """Ana's request is in Bob's hands, Bob spoke to her, then a mediator asked her about her
    report: both wait for her words."""
    ana = resident("Ana", hint, user_id="1201")
    file_request(ana)
    bob = make_volunteer(session_factory, clock, resident("Bob", "en", user_id="1202"))
    bob.press_payload("rq:claim:1")
    bob.send("Hello Ana, I can translate the letter today.")
    file_report(ana)
    mediator = make_mediator(resident, session_factory, clock, hint="en")
    mediator.press_payload("dp:ask:1")
    mediator.send(QUESTION)
    mediator.press("Send")
    deliver()
    return ana, bob, mediator


def _said(session_factory, text: str) -> int:
    with session_factory() as session:
        return session.scalar(
            select(func.count()).select_from(RequestMessage).where(RequestMessage.text == text)
        )


def test_a_reply_to_the_question_goes_to_the_mediators_and_thanks_to_the_volunteer_goes_to_him(
    resident, session_factory, clock, deliver, postbox
):
    ana, _bob, _ = _ana_with_a_volunteer_and_a_question(resident, session_factory, clock, deliver)
    ana.reply_to(postbox.ref_of("1201", QUESTION), "The 13th floor.")
    assert ana.text == "Thank you. Your answer was passed to the mediators (#D-0001)."
    deliver()
    assert not any("13th floor" in text for text in postbox.texts("1202"))

    ana.reply_to(postbox.ref_of("1201", "I can translate the letter"), "Thank you, Bob!")
    assert ana.text.startswith("✓ Sent to Bob (#R-0001).")
    deliver()
    assert "Thank you, Bob!" in postbox.texts("1202")[-1]


def test_free_text_with_two_waiting_asks_which_and_sends_it_once(
    resident, session_factory, clock, deliver, postbox
):
    ana, _bob, _ = _ana_with_a_volunteer_and_a_question(resident, session_factory, clock, deliver)
    ana.send("Thanks, see you tomorrow.")
    assert ana.text == "Several conversations are waiting for you. Which one is this message for?"
    assert [b.label for b in ana.buttons()] == ["#R-0001", "#D-0001"]
    assert _said(session_factory, "Thanks, see you tomorrow.") == 0, "nothing sent before a pick"
    pick = ana.buttons()[0].payload or ""
    ana.press("#R-0001")
    assert len(ana.replies) == 1 and ana.text == "✓ Sent to Bob (#R-0001)."
    deliver()
    assert "Thanks, see you tomorrow." in postbox.texts("1202")[-1]

    ana.press_payload(pick)  # the same button again: the message went already
    assert ana.text == "That choice is no longer open. Please send your message again."
    assert _said(session_factory, "Thanks, see you tomorrow.") == 1
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(KeptMessage)) == 0


def test_a_forged_or_stale_pick_is_refused_in_their_language(
    resident, session_factory, clock, deliver
):
    ana, *_ = _ana_with_a_volunteer_and_a_question(resident, session_factory, clock, deliver)
    ana.send("/lang zh_Hans")
    ana.send("明天见")
    assert ana.text == "有几个对话在等您回复。这条消息是发给哪一个的？"
    kept = (ana.buttons()[0].payload or "").split(":")[2]
    for forged in (f"aw:pick:{kept}:rq:99", f"aw:pick:{kept}:xx:1"):
        ana.press_payload(forged)
        assert ana.text == "这个选择已失效。请重新发送您的消息。"
    for malformed in ("aw:pick:x:rq:1", "aw:eat", f"aw:pick:{kept}:rq"):
        ana.press_payload(malformed)
        assert ana.text.startswith("这个按钮已经失效。")
    # The mediators' question is answered through its button meanwhile: that pick is stale.
    ana.press_payload("dp:ans:1")
    ana.send("十三楼")
    ana.press("发送")
    ana.press_payload(f"aw:pick:{kept}:dp:1")
    assert ana.text == "这个选择已失效。请重新发送您的消息。"
    ana.press_payload(f"aw:pick:{kept}:rq:1")  # the kept message still goes to Bob
    assert ana.text == "✓ 已发给 Bob（#R-0001）。"
    assert _said(session_factory, "明天见") == 1


def test_once_the_question_is_answered_free_text_goes_to_the_volunteer(
    resident, session_factory, clock, deliver, postbox
):
    ana, _, _ = _ana_with_a_volunteer_and_a_question(resident, session_factory, clock, deliver)
    ana.reply_to(postbox.ref_of("1201", QUESTION), "The 13th floor.")
    ana.send("Yes, one moment.")
    assert ana.text.startswith("✓ Sent to Bob (#R-0001).")
    deliver()
    assert "Yes, one moment." in postbox.texts("1202")[-1]


def test_a_volunteer_helping_two_residents_reaches_the_one_replied_to(
    resident, session_factory, clock, deliver, postbox
):
    ana, cai = resident("Ana", "en", user_id="1201"), resident("Cai", "en", user_id="1203")
    file_request(ana)
    file_request(cai)
    bob = make_volunteer(session_factory, clock, resident("Bob", "en", user_id="1202"))
    bob.press_payload("rq:claim:1")
    bob.press_payload("rq:claim:2")  # Cai's request is his current one now
    ana.send("Could you call the clinic for me?")
    cai.send("The letter is in my mailbox.")
    deliver()

    bob.reply_to(postbox.ref_of("1202", "call the clinic"), "Yes, I will call at nine.")
    assert bob.text == "✓ Sent to the resident who asked (#R-0001)."
    bob.send("Please send me a photo of it.")  # free text: his current request, Cai's
    assert bob.text == "✓ Sent to the resident who asked (#R-0002)."
    deliver()
    assert "Yes, I will call at nine." in postbox.texts("1201")[-1]
    assert not any("call at nine" in text for text in postbox.texts("1203"))
    assert "Please send me a photo of it." in postbox.texts("1203")[-1]

    bob.send("/to R-0001")  # /to still switches where free text goes
    bob.send("See you at nine.")
    assert bob.text == "✓ Sent to the resident who asked (#R-0001)."


def test_a_reply_to_a_finished_conversation_is_free_text_again(
    resident, session_factory, clock, deliver, postbox
):
    ana, bob, _ = _ana_with_a_volunteer_and_a_question(resident, session_factory, clock, deliver)
    bob.send("/resolve Translated the letter.")
    ana.reply_to(postbox.ref_of("1201", "I can translate the letter"), "The 13th floor.")
    assert ana.text == "Thank you. Your answer was passed to the mediators (#D-0001)."


def test_a_matrix_reply_to_the_question_answers_it_though_the_question_has_a_button(
    resident, session_factory, clock, deliver, postbox
):
    """Matrix passes the buttons of the message replied to (a typed label or number presses
    one); words that name none of them are the answer to the question."""
    ana, _, _ = _ana_with_a_volunteer_and_a_question(resident, session_factory, clock, deliver)
    question = postbox.ref_of("1201", QUESTION)
    buttons = tuple(
        (b.label, b.payload or "") for row in postbox.shown[question].buttons for b in row
    )
    reply = Inbound(
        ana.chat,
        ana.sender,
        Kind.TEXT,
        text="The 13th floor.",
        reply_to=question,
        reply_buttons=buttons,
        numbered_buttons=True,
    )
    ana.replies = ana.dispatcher.handle(reply)
    assert ana.text == "Thank you. Your answer was passed to the mediators (#D-0001)."
