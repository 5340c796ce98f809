"""The claim race, on SQLite and on PostgreSQL: many volunteers press Claim on the same card
at the same moment, through the real dispatcher on many threads. Exactly one gets it; every
other one is told who did; the resident is told once; nothing else breaks."""

from __future__ import annotations

import dataclasses
import threading

from sqlalchemy import select

from bot.dispatcher import Dispatcher
from db.models import OutboxMessage
from db.requests.models import HelpRequest, RequestStatus, VolunteerProfile
from db.users import get_or_create_user, grant_role
from handlers.types import Reply
from tests.concurrency_support import TickingClock, run_in_threads
from tests.requests_support import file_request
from tests.support import Resident, in_group, loose_dispatcher

VOLUNTEERS = 8


def test_many_volunteers_claim_at_once_and_exactly_one_wins(session_factory, registry, community):
    clock = TickingClock()
    dispatcher = loose_dispatcher(session_factory, registry, community, clock)
    alice = Resident(dispatcher, "Alice", "en", user_id="7000")
    file_request(alice)
    ids = [str(7100 + n) for n in range(VOLUNTEERS)]
    with session_factory() as session, session.begin():
        for external_id in ids:
            user = get_or_create_user(
                session, transport="telegram", external_id=external_id, now=clock()
            )
            user.private_chat_id = external_id
            grant_role(session, user, "volunteer", now=clock(), by="test")
    start_together = threading.Barrier(VOLUNTEERS)

    def claim(user_id: str) -> list[Reply]:
        start_together.wait(timeout=30)
        return in_group(dispatcher, user_id, f"Volunteer{user_id}", payload="rq:claim:1")

    results = run_in_threads([lambda u=u: claim(u) for u in ids], threads=VOLUNTEERS)

    texts = [replies[0].text for replies in results]
    winners = [
        t
        for t in texts
        if t.endswith("is helping with #R-0001. I sent the details in a private chat.")
    ]
    losers = [t for t in texts if "#R-0001 was already taken by" in t]
    assert len(winners) == 1, texts
    assert len(losers) == VOLUNTEERS - 1, texts
    with session_factory() as session:
        request = session.scalar(select(HelpRequest))
        assert request.status == RequestStatus.IN_PROGRESS
        winner_name = winners[0].split(" ")[0]
        winner_id = ids[texts.index(winners[0])]
        assert winner_name == f"Volunteer{winner_id}"
        assert all(t.endswith(f"already taken by {winner_name}.") for t in losers)
        told = session.scalars(
            select(OutboxMessage).where(OutboxMessage.template == "rq.claimed")
        ).all()
        assert [m.chat_id for m in told] == ["7000"], "the resident is told once"
        briefings = session.scalars(
            select(OutboxMessage.chat_id).where(OutboxMessage.template == "rq.briefing")
        ).all()
        assert len(briefings) == 1
        currents = session.scalars(
            select(VolunteerProfile).where(VolunteerProfile.current_request_id.is_not(None))
        ).all()
        assert [p.user_id for p in currents] == [request.volunteer_id]


def test_claim_and_cancel_at_once_never_both_win(session_factory, registry, community):
    """The resident cancels while a volunteer claims: one of them wins, and the other is told
    — never a cancelled request that someone is "helping" with."""
    clock = TickingClock()
    # Claimed requests stay open; this one resident files four, above the default limit.
    community = dataclasses.replace(community, limit_open_requests=0)
    dispatcher = loose_dispatcher(session_factory, registry, community, clock)
    alice = Resident(dispatcher, "Alice", "en", user_id="7000")
    with session_factory() as session, session.begin():
        bob = get_or_create_user(session, transport="telegram", external_id="7200", now=clock())
        grant_role(session, bob, "volunteer", now=clock(), by="test")
    for request_id in range(1, 5):
        file_request(alice)
        cancelled, claimed = _cancel_and_claim_together(dispatcher, alice, request_id)
        with session_factory() as session:
            status = session.get(HelpRequest, request_id).status
        if status == RequestStatus.CANCELLED:
            assert cancelled[0].text.endswith("is cancelled.")
            assert "was cancelled by the resident" in claimed[0].text
        else:
            assert status == RequestStatus.IN_PROGRESS
            assert "can no longer be cancelled: it is in progress." in cancelled[0].text
            assert "is helping with" in claimed[0].text


def _cancel_and_claim_together(
    dispatcher: Dispatcher, resident: Resident, request_id: int
) -> tuple[list[Reply], list[Reply]]:
    together = threading.Barrier(2)

    def cancel() -> list[Reply]:
        together.wait(timeout=30)
        return resident.press_payload(f"rq:cancel:{request_id}")

    def claim() -> list[Reply]:
        together.wait(timeout=30)
        return in_group(dispatcher, "7200", "Volunteer7200", payload=f"rq:claim:{request_id}")

    cancelled, claimed = run_in_threads([cancel, claim], threads=2)
    return cancelled, claimed
