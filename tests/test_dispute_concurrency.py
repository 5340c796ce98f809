"""Two mediators (or two neighbours) pressing at the same moment, on SQLite and PostgreSQL:
the database decides, exactly one wins, and the reporter is told once."""

from __future__ import annotations

from sqlalchemy import select

from db.dispute_models import (
    DisputeCase,
    DisputeEvent,
    DisputeMeeting,
    DisputeMeetingAnswer,
    DisputeParty,
)
from db.models import OutboxMessage
from handlers.types import ChatRef, Inbound, Kind, Sender
from tests.concurrency_support import RACERS, TickingClock, press_inbound, race
from tests.dispute_support import file_report, make_mediator
from tests.support import loose_dispatcher


def test_many_mediators_acknowledge_at_once(session_factory, registry, community, resident, clock):
    alice = resident("Alice", "en", user_id="1301")
    file_report(alice)
    ids = [str(5100 + n) for n in range(RACERS)]
    for n, user_id in enumerate(ids):
        make_mediator(resident, session_factory, clock, f"M{n}", "en", user_id=user_id)
    racing = loose_dispatcher(session_factory, registry, community, TickingClock())
    answers = race(racing, [press_inbound(user_id, "dp:ack:1") for user_id in ids])
    won = [a for a in answers if a.startswith("⚖️ #D-0001 · 🔊 Noise · acknowledged")]
    lost = [
        a
        for a in answers
        if a.startswith("#D-0001 was changed in the meantime: it is now acknowledged.\n⚖️")
    ]
    assert (len(won), len(lost)) == (1, RACERS - 1), answers
    with session_factory() as session:
        told = session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.chat_id == "1301", OutboxMessage.template == "dp.status"
            )
        ).all()
        statuses = session.scalars(
            select(DisputeEvent.text).where(DisputeEvent.kind == "status")
        ).all()
    assert len(told) == 1 and statuses == ["acknowledged"]
    answers = race(racing, [press_inbound(user_id, "dp:take:1") for user_id in ids])
    with session_factory() as session:
        holder = session.get(DisputeCase, 1).mediator_id
        takes = session.scalars(select(DisputeEvent.kind).where(DisputeEvent.kind == "take")).all()
    assert holder is not None and takes == ["take"], answers


def test_an_invitation_opens_for_one_person_only(
    session_factory, registry, community, resident, clock
):
    file_report(resident("Alice", "en", user_id="1302"))
    mediator = make_mediator(resident, session_factory, clock, hint="en")
    mediator.press_payload("dp:inv:1")
    mediator.send("About noise at night.")
    mediator.press("Confirm")
    token = mediator.text.split("start=dp_")[-1].strip()
    racing = loose_dispatcher(session_factory, registry, community, TickingClock())
    inbounds = [
        Inbound(
            ChatRef("telegram", str(6100 + n)),
            Sender("telegram", str(6100 + n), f"N{n}", None, "en"),
            Kind.COMMAND,
            text=f"/start dp_{token}",
            command="start",
            args=f"dp_{token}",
        )
        for n in range(RACERS)
    ]
    answers = race(racing, inbounds)
    assert sum("About noise at night." in a for a in answers) == 1, answers
    assert sum("not valid or was already used" in a for a in answers) == RACERS - 1
    with session_factory() as session:
        [party] = session.scalars(select(DisputeParty)).all()
        assert party.user_id is not None and party.token_hash != token


def test_everyone_confirming_a_meeting_at_once_agrees_it(
    session_factory, registry, community, resident, clock
):
    """Each confirmation reads the others' answers: without a lock on the meeting, the last
    two confirming together each see the other's answer missing and it is never agreed."""
    ids = [str(7100 + n) for n in range(RACERS)]
    file_report(resident("R0", "en", user_id=ids[0]))
    mediator = make_mediator(resident, session_factory, clock, hint="en")
    for n, user_id in enumerate(ids[1:], start=1):  # the other side: several neighbours
        mediator.press_payload("dp:inv:1")
        mediator.send("About noise at night.")
        mediator.press("Confirm")
        token = mediator.text.split("start=dp_")[-1].strip()
        resident(f"R{n}", "en", user_id=user_id).send(f"/start dp_{token}")
    mediator.press_payload("dp:meet:1")
    mediator.send("2026-12-03 19:00")
    mediator.send("Community centre, room 2")
    mediator.press("Confirm")
    with session_factory() as session:
        meeting = session.scalars(select(DisputeMeeting)).one()
        assert len(session.scalars(select(DisputeMeetingAnswer)).all()) == RACERS
    racing = loose_dispatcher(session_factory, registry, community, TickingClock())
    answers = race(racing, [press_inbound(user_id, f"dp:mt:{meeting.id}:y") for user_id in ids])
    assert all("✅ You can come." in a for a in answers), answers
    with session_factory() as session:
        assert session.get(DisputeMeeting, meeting.id).status == "agreed"


def test_mediators_proposing_meetings_at_once_leave_one_proposal(
    session_factory, registry, community, resident, clock
):
    """Each proposal replaces the current one: without a lock on the case, proposals made at
    once each replace the same old one and several stay open, with their reminders."""
    file_report(resident("Alice", "en", user_id="7200"))
    ids = [str(7300 + n) for n in range(RACERS)]
    confirms = []
    for n, user_id in enumerate(ids):
        mediator = make_mediator(resident, session_factory, clock, f"M{n}", "en", user_id=user_id)
        mediator.press_payload("dp:meet:1")
        mediator.send(f"2026-12-0{n + 3} 19:00")
        mediator.send("Community centre, room 2")
        [confirm] = [b.payload for b in mediator.buttons() if "Confirm" in b.label]
        confirms.append(press_inbound(user_id, confirm))
    racing = loose_dispatcher(session_factory, registry, community, TickingClock())
    answers = race(racing, confirms)
    assert all("The meeting was proposed to everyone involved." in a for a in answers), answers
    with session_factory() as session:
        statuses = session.scalars(select(DisputeMeeting.status)).all()
        current = session.scalars(
            select(DisputeMeeting.id).where(DisputeMeeting.status != "replaced")
        ).all()
        keys = session.scalars(
            select(OutboxMessage.dedup_key).where(OutboxMessage.template == "dp.reminder")
        ).all()
    assert len(statuses) == RACERS and len(current) == 1, statuses
    assert keys and all(key.startswith(f"dp:m{current[0]}:") for key in keys), keys
