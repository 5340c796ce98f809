"""The stars under a resolved request change the message they are on (one message, edited in
place), in English and in Chinese; a star on a message that moved on is answered with the
rating as it stands; the same star pressed twice — one after the other, or at the same moment,
on SQLite and on PostgreSQL — tells the volunteer once."""

from __future__ import annotations

import io
import re
import threading

import pytest
from sqlalchemy import select

from bot.console import ConsoleChat
from bot.outbox import OutboxWorker
from db.models import OutboxMessage, User
from db.request_models import HelpRequest
from handlers.types import Reply
from tests.concurrency_support import press_inbound, run_in_threads
from tests.requests_support import file_request, make_volunteer
from tests.support import Resident, loose_dispatcher

SAID = {
    "en": {
        "thanks": "Thank you for rating #R-0001: ⭐⭐⭐⭐.",
        "head": "Bob marked #R-0001 as resolved:\nTranslated the letter.",
        "again": "You have already rated #R-0001: ⭐⭐⭐⭐. Thank you!",
        "changed": "Your rating of #R-0001 is now ⭐⭐⭐⭐⭐.",
        "comment": "💬 Add a comment",
        "form": "Would you like to add a comment?",
    },
    "zh_Hans": {
        "thanks": "感谢您为 #R-0001 评分：⭐⭐⭐⭐。",
        "head": "Bob 已将 #R-0001 标记为已解决：\nTranslated the letter.",
        "again": "您已经为 #R-0001 评过分：⭐⭐⭐⭐。谢谢您！",
        "changed": "您对 #R-0001 的评分已改为：⭐⭐⭐⭐⭐。",
        "comment": "💬 写评价",
        "form": "您想写几句评价吗？",
    },
}


def _resolved(resident, session_factory, clock, locale: str = "en"):
    """Alice's request, resolved by Bob; Alice reads ``locale``."""
    alice = resident("Alice", "en")
    file_request(alice)
    bob = make_volunteer(session_factory, clock, resident("Bob Lee", "en"))
    bob.press_payload("rq:claim:1")
    bob.send("/resolve Translated the letter.")
    with session_factory() as session, session.begin():
        session.scalar(select(User).where(User.external_id == alice.user_id)).locale = locale
    return alice, bob


def _told(session_factory, volunteer_chat: str) -> list[dict]:
    with session_factory() as session:
        rows = session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.template == "rq.feedback", OutboxMessage.chat_id == volunteer_chat)
            .order_by(OutboxMessage.id)
        ).all()
        return [{k: v for k, v in row.params.items() if v is not None} for row in rows]


def _only_edit(replies: list[Reply]) -> Reply:
    """The press answered by changing its own message: one reply, an edit, nothing new."""
    assert [r.edit for r in replies] == [True], [r.text for r in replies]
    return replies[0]


@pytest.mark.parametrize("locale", ["en", "zh_Hans"])
def test_a_star_changes_its_message_and_a_second_press_tells_nobody(
    resident, session_factory, clock, locale
):
    said = SAID[locale]
    alice, bob = _resolved(resident, session_factory, clock, locale)

    shown = _only_edit(alice.press_payload("rq:rate:1:4"))
    assert shown.text.startswith(said["head"]), "the summary stays on top"
    assert said["thanks"] in shown.text
    labels = [b.label for row in shown.buttons for b in row]
    assert "⭐⭐⭐⭐ ✓" in labels, "the stars show the rating"
    assert said["comment"] in labels
    assert _told(session_factory, bob.user_id) == [{"ref": "#R-0001", "stars": 4}]

    # The same star again (a double tap, or the old message's button): nothing changes.
    again = _only_edit(alice.press_payload("rq:rate:1:4"))
    assert said["again"] in again.text
    assert [b.label for row in again.buttons for b in row] == labels
    assert len(_told(session_factory, bob.user_id)) == 1, "the volunteer hears it once"

    # Another star within 10 minutes changes it, in place; the volunteer hears the change.
    changed = _only_edit(alice.press_payload("rq:rate:1:5"))
    assert said["changed"] in changed.text
    assert _told(session_factory, bob.user_id)[-1] == {"ref": "#R-0001", "stars": 5}

    # After 10 minutes the stars are gone; an old star is answered with the rating as it is.
    clock.advance(minutes=11)
    late = _only_edit(alice.press_payload("rq:rate:1:2"))
    assert said["again"].replace("⭐⭐⭐⭐", "⭐⭐⭐⭐⭐") in late.text
    assert not any(b.payload.startswith("rq:rate") for row in late.buttons for b in row)
    assert len(_told(session_factory, bob.user_id)) == 2

    # 💬 opens the comment form; once commented, the old 💬 shows the message as it is.
    alice.press_payload("rq:comment:1")
    assert said["form"] in alice.text
    alice.send("Very kind." if locale == "en" else "非常热心。")
    alice.press("Send" if locale == "en" else "发送")
    stale = _only_edit(alice.press_payload("rq:comment:1"))
    assert said["comment"] not in [b.label for row in stale.buttons for b in row]
    with session_factory() as session:
        request = session.scalar(select(HelpRequest))
        assert (request.rating, request.comment) == (
            5,
            "Very kind." if locale == "en" else "非常热心。",
        )


@pytest.mark.parametrize("locale", ["en", "zh_Hans"])
def test_a_star_after_the_request_was_reopened_shows_where_it_is(
    resident, session_factory, clock, locale
):
    alice, _ = _resolved(resident, session_factory, clock, locale)
    alice.press_payload("rq:reopen:1")
    shown = _only_edit(alice.press_payload("rq:rate:1:3"))
    expected = (
        "#R-0001 is waiting for a volunteer now."
        if locale == "en"
        else "#R-0001 现在的状态：待处理。"
    )
    assert expected in shown.text
    assert shown.buttons == ()


def test_the_same_star_pressed_twice_at_once_tells_the_volunteer_once(
    session_factory, registry, community, clock, resident
):
    """Two presses of one star at the same moment (a double tap reaching two workers): one
    rates, the other finds it rated; one notification. Runs on SQLite, and on PostgreSQL
    when ``LINLI_TEST_DATABASE_URL`` names one."""
    alice, bob = _resolved(resident, session_factory, clock)
    dispatcher = loose_dispatcher(session_factory, registry, community, clock)
    together = threading.Barrier(2)

    def press() -> list[Reply]:
        together.wait(timeout=30)
        return dispatcher.handle(press_inbound(alice.user_id, "rq:rate:1:4"))

    results = run_in_threads([press, press], threads=2)
    assert all([r.edit for r in replies] == [True] for replies in results), results
    texts = [replies[0].text for replies in results]
    assert sum("Thank you for rating #R-0001: ⭐⭐⭐⭐." in t for t in texts) == 1, texts
    assert sum("You have already rated #R-0001: ⭐⭐⭐⭐. Thank you!" in t for t in texts) == 1
    assert _told(session_factory, bob.user_id) == [{"ref": "#R-0001", "stars": 4}]


async def test_on_the_console_a_star_prints_the_message_again(
    session_factory, registry, community, clock, dispatcher
):
    """The console prints a changed message again; a second press of the same star (its
    letter is still there) says it is rated already, and the volunteer hears it once."""
    alice = Resident(dispatcher, "Alice", "en", transport="console", user_id="alice")
    file_request(alice)
    vic = make_volunteer(
        session_factory,
        clock,
        Resident(dispatcher, "Vic", "en", transport="console", user_id="vic"),
    )
    vic.press_payload("rq:claim:1")
    vic.send("/resolve Translated the letter.")
    worker = OutboxWorker(
        session_factory=session_factory, registry=registry, community=community, clock=clock
    )
    out = io.StringIO()
    chat = ConsoleChat(dispatcher, worker, name="alice", language_hint="en", out=out)
    await worker.tick()
    shown = out.getvalue()
    assert "📨 (to alice)\nVic marked #R-0001 as resolved:" in shown
    star = re.search(r"\[(\w)\] ⭐⭐⭐⭐   ", shown)
    assert star, shown
    await chat.say(star[1])
    await chat.say(star[1])
    said = out.getvalue()[len(shown) :]
    assert said.count("Vic marked #R-0001 as resolved:\nTranslated the letter.") == 2
    assert "Thank you for rating #R-0001: ⭐⭐⭐⭐." in said
    assert "You have already rated #R-0001: ⭐⭐⭐⭐. Thank you!" in said
    assert _told(session_factory, vic.user_id) == [{"ref": "#R-0001", "stars": 4}]
