"""Where the services meet: one neighbour with a help request in progress and a dispute report
the mediators are asking about. Free text goes to the conversation that spoke to them last, so
an answer meant for the mediators never reaches a volunteer (or the other way round)."""

from __future__ import annotations

import pytest

from bot.dispatcher import Dispatcher
from bot.flood import FloodGuard
from tests.dispute_support import file_report, make_mediator, outbox_messages, to_chat
from tests.requests_support import file_request, make_volunteer


@pytest.fixture
def dispatcher(session_factory, registry, community, clock) -> Dispatcher:
    return Dispatcher(
        session_factory=session_factory,
        registry=registry,
        community=community,
        clock=clock,
        flood=FloodGuard(limit=1000),
    )


def test_free_text_goes_to_the_conversation_that_spoke_last(
    resident, session_factory, registry, community, clock
):
    ana = resident("Ana", "en", user_id="1201")
    file_request(ana)
    bob = make_volunteer(session_factory, clock, resident("Bob", "en", user_id="1202"))
    bob.press_payload("rq:claim:1")
    clock.advance(minutes=1)
    bob.send("Hello Ana, I can translate the letter today.")
    clock.advance(minutes=1)
    file_report(ana)
    mediator = make_mediator(resident, session_factory, clock, hint="en")
    clock.advance(minutes=1)
    mediator.press_payload("dp:ask:1")
    mediator.send("Which floor does the music come from?")
    mediator.press("Send")

    clock.advance(minutes=1)
    ana.send("The 13th floor.")  # the mediators asked last: it answers them
    assert ana.text == "Thank you. Your answer was passed to the mediators (#D-0001)."
    to_bob = [
        m.text for m in to_chat(outbox_messages(session_factory, registry, community), "1202")
    ]
    assert not any("13th floor" in text for text in to_bob), "a dispute answer reached a volunteer"

    clock.advance(minutes=1)
    bob.send("Could you send me a photo of the second page?")
    clock.advance(minutes=1)
    ana.send("Yes, one moment.")  # the volunteer spoke last now
    assert ana.text.startswith("✓ Sent to Bob (#R-0001).")
    to_bob = [
        m.text for m in to_chat(outbox_messages(session_factory, registry, community), "1202")
    ]
    assert any("Yes, one moment." in text for text in to_bob)
