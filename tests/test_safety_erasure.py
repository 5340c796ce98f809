"""/deleteme leaves no words of theirs waiting to be sent, no place or
location pin on their finished cases, and one audit entry; delivered messages lose their
parameters after LINLI_OUTBOX_KEEP."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from bot.dispatcher import Dispatcher
from bot.flood import FloodGuard
from bot.sweeper import Sweeper
from db.disputes.models import DisputeCase
from db.models import AuditEntry, OutboxMessage, User
from db.retention import EXPIRED_PARAMS
from handlers.types import Kind
from tests.dispute_support import make_mediator
from tests.requests_support import file_request, make_volunteer
from tests.support import PostBox, group_command, in_group, run_outbox

PASSPORT = "My passport number is E12345678"
HOME = "I live in unit 1202 myself"


@pytest.fixture
def dispatcher(session_factory, registry, community, clock) -> Dispatcher:
    return Dispatcher(
        session_factory=session_factory,
        registry=registry,
        community=community,
        clock=clock,
        flood=FloodGuard(limit=1000),
    )


def _report_with_a_pin(person) -> None:
    person.send("/report")
    person.press("Noise")
    person.send_kind(Kind.LOCATION, location=(30.41234, 104.05678))
    person.press("Skip")
    person.send("Drilling every morning at 6.")
    person.press("Skip")
    person.press("With my name")
    person.press("No")
    person.press("Send the report")


def _outbox_params(session_factory) -> str:
    with session_factory() as session:
        return "\n".join(
            json.dumps(row.params, ensure_ascii=False)
            for row in session.scalars(select(OutboxMessage))
        )


@pytest.mark.parametrize(
    ("hint", "yes", "kept"),
    [
        ("en", "Yes, delete", "Notes that volunteers and mediators wrote themselves"),
        ("zh-hans", "是，删除", "志愿者和调解员自己写的关于您的求助和反映的记录会保留"),
    ],
)
def test_deleteme_leaves_no_words_waiting_and_no_place_and_one_audit_entry(
    dispatcher, resident, session_factory, clock, registry, community, hint, yes, kept
):
    in_group(dispatcher, "9000", "Admin", command="/bind volunteers")
    group_command(dispatcher, "9000", "/bind mediators", "en")
    alice = resident("Alice Zhang", "en", user_id="1501")
    file_request(alice)
    bob = make_volunteer(session_factory, clock, resident("Bob Volunteer", "en", user_id="1502"))
    bob.press_payload("rq:claim:1")
    run_outbox(session_factory, registry, community, clock, PostBox())  # all sent so far
    _report_with_a_pin(alice)
    mediator = make_mediator(resident, session_factory, clock, hint="en")
    mediator.press_payload("dp:ask:1")
    mediator.send("Where exactly?")
    mediator.press("Send")
    alice.send(HOME)  # Bob and the mediators both wait for her words: she is asked which
    alice.press("#D-0001")  # her answer: a note to the mediators' room, not sent yet
    mediator.press_payload("dp:res:1")
    mediator.send("Works now end at 8.")
    mediator.press("Confirm")
    alice.send(PASSPORT)  # relayed to Bob (the question is answered), not sent yet
    assert PASSPORT in _outbox_params(session_factory)
    assert HOME in _outbox_params(session_factory)
    with session_factory() as session:
        alice_id = session.scalar(select(User.id).where(User.external_id == "1501"))
    if hint != "en":
        alice.send("/lang zh_Hans")

    alice.send("/deleteme")
    alice.press(yes)
    assert kept in alice.text

    # Nothing she wrote waits in the outbox, and Bob never receives it.
    params = _outbox_params(session_factory)
    assert PASSPORT not in params and "E12345678" not in params
    assert HOME not in params and "Alice" not in params
    postbox = PostBox()
    run_outbox(session_factory, registry, community, clock, postbox)
    delivered = "\n".join(d.reply.text for d in postbox.received)
    assert "E12345678" not in delivered and HOME not in delivered
    # Her finished case keeps no place and no pin.
    with session_factory() as session:
        case = session.get(DisputeCase, 1)
        assert (case.place_text, case.place_key, case.latitude, case.longitude) == (
            None,
            None,
            None,
            None,
        )
        [entry] = session.scalars(select(AuditEntry)).all()
    assert entry.action == "erased" and entry.subject_id == alice_id
    assert entry.text == (
        f"user {alice_id} erased at {clock().isoformat(timespec='seconds')}, by themselves"
    )


# ---------------------------------------------------------------------------- 5. retention


def test_delivered_messages_lose_their_words_after_the_keep_period(
    dispatcher, resident, session_factory, clock, registry, community
):
    keep = replace(community, outbox_keep=timedelta(days=30))
    sweeper = Sweeper(
        session_factory=session_factory, registry=registry, community=keep, clock=clock
    )
    in_group(dispatcher, "9000", "Admin", command="/bind volunteers")
    alice = resident("Alice", "en", user_id="1511")
    file_request(alice, description="Please help me read my tenancy contract.")
    bob = make_volunteer(session_factory, clock, resident("Bob", "en", user_id="1512"))
    bob.press_payload("rq:claim:1")
    alice.send(PASSPORT)
    run_outbox(session_factory, registry, community, clock, PostBox())
    with session_factory() as session, session.begin():
        # One message could not be delivered: failed rows are blanked too.
        session.execute(text("UPDATE outbox SET status = 'failed' WHERE id = 1"))
    alice.send("And my phone is 138 0000 0000.")  # still pending at the sweep
    clock.advance(days=29)
    sweeper.run()
    assert PASSPORT in _outbox_params(session_factory)
    clock.advance(days=1, minutes=1)
    sweeper.run()
    with session_factory() as session:
        rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    done = [row for row in rows if row.status in ("sent", "failed")]
    assert done and all(row.params == EXPIRED_PARAMS for row in done)
    assert all(
        (row.template and row.chat_id and row.sent_at) or row.status == "failed" for row in done
    )
    [pending] = [row for row in rows if row.status == "pending" and row.template == "rq.relay"]
    assert pending.params["text"] == "And my phone is 138 0000 0000."
    assert PASSPORT not in _outbox_params(session_factory)
