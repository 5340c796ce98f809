"""Per-person limits answered in the person's language, blocking by an admin
(chat and command line), and a flood guard that holds across several workers."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from bot.dispatcher import Dispatcher
from bot.flood import SharedFloodGuard
from db.disputes.models import DisputeCase
from db.engine import make_engine, make_session_factory
from db.models import AuditEntry, OutboxMessage
from db.requests.models import HelpRequest
from handlers.types import ChatRef, Inbound, Kind, Sender
from tests.dispute_support import file_report
from tests.events_support import make_event
from tests.requests_support import file_request
from tests.support import loose_dispatcher


@pytest.fixture
def dispatcher(session_factory, registry, community, clock) -> Dispatcher:
    return loose_dispatcher(session_factory, registry, community, clock)


def _count(session_factory, model) -> int:
    with session_factory() as session:
        return session.scalar(select(func.count()).select_from(model))


def _outbox_rows(session_factory) -> int:
    return _count(session_factory, OutboxMessage)


# ---------------------------------------------------------------------------- limits


def test_a_fourth_open_help_request_is_refused_in_english(resident, session_factory):
    alice = resident("Alice", "en", user_id="1601")
    for n in range(3):
        file_request(alice, description=f"Please help me with letter number {n + 1}.")
    assert _count(session_factory, HelpRequest) == 3
    before = _outbox_rows(session_factory)
    alice.send("/ask")
    assert alice.text == (
        "You already have 3 open help requests, the most one person can have at once. "
        "Please wait until one is resolved, or cancel one in /myrequests."
    )
    assert _count(session_factory, HelpRequest) == 3
    assert _outbox_rows(session_factory) == before, "nothing reaches the volunteers"
    alice.send("/myrequests")
    alice.press("Cancel")
    alice.press("Yes")
    file_request(alice, description="Please help me with the fourth letter.")
    assert _count(session_factory, HelpRequest) == 4


def test_a_sixth_dispute_report_in_a_day_is_refused_in_chinese(resident, session_factory, clock):
    wang = resident("王芳", "zh-hans", user_id="1602")
    for n in range(5):
        file_report(wang, place=f"{n + 1} 号楼", description=f"第 {n + 1} 个问题：楼道堆满杂物。")
    wang.send("/report")
    assert wang.text == (
        "您在过去 24 小时内已提交 5 次纠纷反映，已达到每人的上限。请明天再试。"
        "如遇紧急情况，请拨打 110、119 或 120。"
    )
    assert _count(session_factory, DisputeCase) == 5
    clock.advance(hours=24, minutes=1)
    file_report(wang, place="6 号楼", description="第 6 个问题：楼道堆满杂物。")
    assert _count(session_factory, DisputeCase) == 6


def test_an_eleventh_signup_in_an_hour_is_refused(resident, session_factory, clock):
    events = [make_event(session_factory, clock(), title_en=f"Talk {n}") for n in range(11)]
    bob = resident("Bob", "en", user_id="1603")
    for event_id in events[:10]:
        bob.press_payload(f"ev:join:{event_id}")
        bob.press_payload(f"ev:ok:{event_id}:1")
        assert "You are signed up" in bob.text
    bob.press_payload(f"ev:join:{events[10]}")
    assert "You have signed up 10 times in the last hour, the most one person can." in bob.text
    bob.press_payload(f"ev:ok:{events[10]}:1")  # a forged confirmation is refused too
    assert "Please try again in an hour." in bob.text
    clock.advance(hours=1, minutes=1)
    bob.press_payload(f"ev:ok:{events[10]}:1")
    assert "You are signed up" in bob.text


# ---------------------------------------------------------------------------- blocking


def test_an_admin_blocks_an_anonymous_reporter_by_the_case_reference(
    dispatcher, resident, session_factory
):
    spammer = resident("Spammer", "en", user_id="1610")
    file_report(spammer)
    admin = resident("Admin", "en", user_id="9000")
    spammer.send("/block #D-0001")
    assert "only" in spammer.text.lower() or "not allowed" in spammer.text.lower()
    admin.send("/block #D-0001 thirty reports in two minutes")
    assert admin.text == (
        "#D-0001 is blocked: whoever filed it gets one neutral answer and reaches nobody."
    )
    assert "Spammer" not in admin.text and "1610" not in admin.text
    before = _outbox_rows(session_factory)
    for text in ("/report", "/ask", "hello", "/start"):
        replies = spammer.send(text)
        assert [r.text for r in replies] == [
            "Sorry, this service is not available to you at the moment. "
            "Please contact the community office if you have questions."
        ]
    spammer.press_payload("dp:fu:1:n")
    assert spammer.text.startswith("Sorry, this service is not available")
    assert _outbox_rows(session_factory) == before, "nothing reaches the teams"
    admin.send("/block #D-0001")
    assert admin.text == "#D-0001 was already blocked."
    admin.send("/unblock #D-0001")
    assert admin.text == "#D-0001 is no longer blocked."
    spammer.send("/start")
    assert "Welcome" in spammer.text
    with session_factory() as session:
        actions = [e.action for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
        texts = " ".join(session.scalars(select(AuditEntry.text)))
    assert actions == ["blocked", "unblocked"]
    assert "thirty reports in two minutes" in texts and "1610" not in texts


def test_a_blocked_person_is_answered_in_chinese(resident):
    li = resident("李", "zh-hans", user_id="1611")
    li.send("/start")
    admin = resident("Admin", "zh-hans", user_id="9000")
    admin.send("/block telegram:1611")
    assert admin.text == "telegram:1611 已被屏蔽：对方只会收到一条中性回复，无法联系任何人。"
    li.send("你好")
    assert li.text == "抱歉，您目前无法使用此服务。如有疑问，请联系社区办公室。"
    admin.send("/block telegram:9000")
    assert admin.text == "管理员不能被屏蔽。请先撤销其角色。"
    admin.send("/block nobody")
    assert admin.text == "找不到“nobody”对应的人。"


def test_block_and_unblock_on_the_command_line(linli):
    linli("shell", "--as", "bob", "--lang", "en", stdin="/start\n")
    blocked = linli("users", "block", "console:bob", "abusive", "messages")
    assert blocked.returncode == 0, blocked.stderr
    assert blocked.stdout.strip() == "console:bob: blocked"
    chat = linli("shell", "--as", "bob", "--lang", "en", stdin="/ask\n").stdout
    assert "this service is not available to you" in chat
    assert "What do you need help with?" not in chat
    assert linli("users", "unblock", "console:bob").stdout.strip() == ("console:bob: unblocked")
    chat = linli("shell", "--as", "bob", "--lang", "en", stdin="/ask\n").stdout
    assert "What do you need help with?" in chat
    missing = linli("users", "block", "#D-0099")
    assert missing.returncode != 0 and "nobody found" in missing.stderr


# ---------------------------------------------------------------------------- flood


def _hello(n: int) -> Inbound:
    return Inbound(
        ChatRef("telegram", "1620"),
        Sender("telegram", "1620", "Flooder", None, "en"),
        Kind.TEXT,
        text=f"hello {n}",
    )


def test_the_flood_guard_holds_across_two_workers(engine, database_url, registry, community, clock):
    """Two workers (each its own engine and dispatcher, one database) share one count: the
    first message over the limit is warned once, whichever worker gets it."""
    engines = [engine, make_engine(database_url)]
    try:
        workers = [
            Dispatcher(
                session_factory=make_session_factory(each),
                registry=registry,
                community=community,
                clock=clock,
                flood=SharedFloodGuard(
                    make_session_factory(each), limit=5, clock=lambda: clock().timestamp()
                ),
            )
            for each in engines
        ]
        answers: list[list[str]] = []
        lock = threading.Lock()

        def send(worker: Dispatcher, start: int) -> None:
            for n in range(start, start + 8):
                replies = worker.handle(_hello(n))
                with lock:
                    answers.append([r.text for r in replies])

        threads = [threading.Thread(target=send, args=(w, i * 8)) for i, w in enumerate(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        warned = [
            a for a in answers if a == ["You are sending messages very fast. Please wait a moment."]
        ]
        dropped = [a for a in answers if a == []]
        answered = [a for a in answers if a and a not in warned]
        assert (len(answered), len(warned), len(dropped)) == (5, 1, 10), answers
        # The window passes: both workers answer again.
        clock.advance(seconds=11)
        assert workers[1].handle(_hello(99)) != []
        assert workers[0].handle(_hello(100)) != []
    finally:
        engines[1].dispose()
