"""The person complained about cannot join a case by reporting the same place.

A report of the same category and place as an open case is a case of its own, shown to the
mediators as a possible duplicate with both texts; only a mediator links it. A linked reporter
learns status changes only, and each reporter answers their own follow-up."""

from __future__ import annotations

import pytest
from sqlalchemy import select

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

VICTIM_WORDS = "Very loud music from upstairs until 2 am."
ACCUSED_WORDS = "Someone keeps complaining about my music."
UPDATE_WORDS = "We will visit the building on Tuesday evening."
OUTCOME_WORDS = "The neighbour in 1302 agreed to stop the music at 22:00."


@pytest.fixture
def sent(session_factory, registry, community):
    return lambda: outbox_messages(session_factory, registry, community)


@pytest.fixture
def sweeper(session_factory, registry, community, clock):
    return Sweeper(
        session_factory=session_factory, registry=registry, community=community, clock=clock
    )


def _links(session_factory) -> dict[int, tuple[int | None, int | None]]:
    with session_factory() as session:
        rows = session.execute(
            select(DisputeCase.id, DisputeCase.linked_to_id, DisputeCase.duplicate_of_id)
        ).all()
    return {case_id: (linked, duplicate) for case_id, linked, duplicate in rows}


def _two_reports(dispatcher, resident):
    """Alice reports the noise; Mallory, the neighbour she means, reports the same place."""
    bind_mediators(dispatcher, "en")
    alice = resident("Alice", "en", user_id="1401")
    mallory = resident("Mallory", "en", user_id="1402")
    file_report(alice, place="Building 3, unit 1202", description=VICTIM_WORDS)
    reply = file_report(mallory, place="building 3 unit 1202！", description=ACCUSED_WORDS)
    return alice, mallory, reply


def test_a_same_place_report_is_its_own_case_shown_as_a_possible_duplicate(
    dispatcher, resident, session_factory, clock, sent
):
    _alice, mallory, reply = _two_reports(dispatcher, resident)
    assert "Your report #D-0002 was sent" in reply
    assert "neighbour" not in reply and "together" not in reply
    assert _links(session_factory) == {1: (None, None), 2: (None, 1)}
    cards = {c.row.card_key: c for c in to_chat(sent(), GROUP, "dp.card")}
    second = cards["dp:2"]
    assert "What happens: " + ACCUSED_WORDS in second.text
    assert (
        "⚠️ Possible duplicate of #D-0001 (same category and place). Its report: " + VICTIM_WORDS
    ) in second.text
    assert second.reply.buttons[0][0].label == "🔗 Link to #D-0001"
    assert "Possible duplicate" not in cards["dp:1"].text
    # Nobody but a mediator links: the reporter's forged press changes nothing.
    mallory.press_payload("dp:link:2")
    assert mallory.text == "Sorry, only the community's mediators can do this."
    assert _links(session_factory)[2] == (None, 1)
    mediator = make_mediator(resident, session_factory, clock, hint="en")
    mediator.send("/cases")
    assert "#D-0001" in mediator.text and "#D-0002" in mediator.text


def test_the_accused_linked_by_a_mediator_learns_only_status_changes(
    dispatcher, resident, session_factory, clock, sent, sweeper
):
    alice, mallory, _ = _two_reports(dispatcher, resident)
    mediator = make_mediator(resident, session_factory, clock, hint="en")
    mediator.press_payload("dp:link:2")
    assert mediator.text.startswith("#D-0002 is now linked to #D-0001.")
    assert _links(session_factory)[2] == (1, 1)
    cards = {c.row.card_key: c for c in to_chat(sent(), GROUP, "dp.card")}
    assert "🔗 Linked to #D-0001: the mediators work on it there." in cards["dp:2"].text
    assert cards["dp:2"].reply.buttons == ()
    assert "2 neighbours reported this" in cards["dp:1"].text
    mediator.press_payload("dp:link:2")  # pressed again: nothing changes
    assert "already linked to #D-0001" in mediator.text

    # The mediator works the case: acknowledge, an update, a meeting, in progress, resolve.
    mediator.press_payload("dp:ack:1")
    mediator.press_payload("dp:upd:1")
    mediator.press("The reporter")
    mediator.send(UPDATE_WORDS)
    mediator.press("Send")
    mediator.press_payload("dp:meet:1")
    mediator.send("2026-12-03 19:00")
    mediator.send("Community centre, room 2")
    mediator.press("Confirm")
    mediator.press_payload("dp:prog:1")
    mediator.press_payload("dp:res:1")
    mediator.send(OUTCOME_WORDS)
    mediator.press("Keep the meeting")
    mediator.press("Confirm")

    to_alice = "\n".join(m.text for m in to_chat(sent(), "1401"))
    assert UPDATE_WORDS in to_alice and OUTCOME_WORDS in to_alice
    assert "propose a meeting" in to_alice
    to_mallory = [m.text for m in to_chat(sent(), "1402")]
    assert to_mallory == [
        "Your report #D-0002 was received (acknowledged) by the community's mediators. "
        "They will keep you informed here.",
        "A mediator is now working on your report #D-0002.",
        "Your report #D-0002 was resolved.",
    ]
    mallory.send("/mycases")
    for secret in (UPDATE_WORDS, OUTCOME_WORDS, "#D-0001", "meeting", "Community centre"):
        assert secret not in mallory.text
    assert "#D-0002 · 🔊 Noise · resolved" in mallory.text
    mallory.send("/mydata")
    export = mallory.replies[0].attachment.content.decode()
    for secret in (UPDATE_WORDS, OUTCOME_WORDS, "#D-0001", "Community centre", VICTIM_WORDS):
        assert secret not in export

    # The follow-up: each answers for their own report; Mallory's "yes" settles nothing.
    clock.advance(days=3, minutes=1)
    sweeper.run()
    [asked_alice] = to_chat(sent(), "1401", "dp.followup")
    [asked_mallory] = to_chat(sent(), "1402", "dp.followup")
    assert "#D-0002" in asked_mallory.text
    mallory.press_payload(asked_mallory.reply.buttons[0][0].payload)  # yes, solved
    assert mallory.text.endswith("\nThank you! We are glad the problem is solved.")
    with session_factory() as session:
        assert session.get(DisputeCase, 1).followup == "asked"
    alice.press_payload(asked_alice.reply.buttons[0][1].payload)  # no, not solved
    assert "was reopened" in alice.text
    with session_factory() as session:
        assert session.get(DisputeCase, 1).status == "in_progress"
    assert to_chat(sent(), "1402", "dp.status")[-1].text == (
        "Your report #D-0002 was reopened. A mediator will look at it again."
    )


def test_a_no_from_a_linked_reporter_reopens_the_case(
    dispatcher, resident, session_factory, clock, sent, sweeper
):
    alice, bob, _ = _two_reports(dispatcher, resident)
    mediator = make_mediator(resident, session_factory, clock, hint="en")
    mediator.press_payload("dp:link:2")
    mediator.press_payload("dp:res:1")
    mediator.send(OUTCOME_WORDS)
    mediator.press("Confirm")
    clock.advance(days=3, minutes=1)
    sweeper.run()
    [asked_alice] = to_chat(sent(), "1401", "dp.followup")
    [asked_bob] = to_chat(sent(), "1402", "dp.followup")
    alice.press_payload(asked_alice.reply.buttons[0][0].payload)  # yes
    with session_factory() as session:
        assert session.get(DisputeCase, 1).status == "resolved"
    bob.press_payload(asked_bob.reply.buttons[0][1].payload)  # no
    assert bob.text.endswith(
        "Thank you for telling us. Your report #D-0002 was reopened and the mediators were told."
    )
    with session_factory() as session:
        assert session.get(DisputeCase, 1).status == "in_progress"
        assert session.get(DisputeCase, 2).status == "in_progress"
    assert "#D-0001 was reopened: the reporter says the problem is not solved." in [
        m.text for m in to_chat(sent(), GROUP, "dp.room")
    ]


def test_a_duplicate_cannot_be_linked_once_the_first_case_is_closed(
    dispatcher, resident, session_factory, clock, sent
):
    _two_reports(dispatcher, resident)
    mediator = make_mediator(resident, session_factory, clock, hint="zh-hans")
    mediator.press_payload("dp:close:1")
    mediator.press("重复")
    mediator.press("确认")
    mediator.press_payload("dp:link:2")
    assert "#D-0002" in mediator.text and "无法再关联" in mediator.text
    assert _links(session_factory)[2] == (None, 1)
    card = [c for c in to_chat(sent(), GROUP, "dp.card") if c.row.card_key == "dp:2"][-1]
    assert "Possible duplicate" not in card.text


def test_reports_a_week_apart_are_not_possible_duplicates(
    dispatcher, resident, session_factory, clock
):
    _two_reports(dispatcher, resident)
    clock.advance(days=8)
    carol = resident("Carol", "en", user_id="1403")
    file_report(carol, place="Building 3, unit 1202")
    assert _links(session_factory)[3] == (None, None)


def test_mediators_linking_at_once_link_once(
    dispatcher, resident, session_factory, registry, community, clock
):
    from db.dispute_models import DisputeEvent
    from tests.concurrency_support import RACERS, TickingClock, press_inbound, race
    from tests.support import loose_dispatcher

    _two_reports(dispatcher, resident)
    ids = [str(5200 + n) for n in range(RACERS)]
    for n, user_id in enumerate(ids):
        make_mediator(resident, session_factory, clock, f"M{n}", "en", user_id=user_id)
    racing = loose_dispatcher(session_factory, registry, community, TickingClock())
    answers = race(racing, [press_inbound(user_id, "dp:link:2") for user_id in ids])
    won = [a for a in answers if a.startswith("#D-0002 is now linked to #D-0001.")]
    lost = [
        a
        for a in answers
        if a == "This report is already linked to #D-0001."
        or a.startswith("#D-0002 can no longer be linked")
    ]
    assert (len(won), len(lost)) == (1, RACERS - 1), answers
    with session_factory() as session:
        kinds = session.scalars(select(DisputeEvent.kind).where(DisputeEvent.kind == "linked"))
        assert list(kinds) == ["linked"]
    assert _links(session_factory)[2] == (1, 1)
