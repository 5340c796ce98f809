"""A card (or list line, or panel) that says the event is full never also says places are
left, in every state that fills an event: confirmed and offered places, a waiting list, a
group waiting for more places than are left, and places cut below the signups."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from db.events.models import Event
from db.models import User
from handlers.buttons.events import CancelSignup, ManageEvent, ShowEvent, SignUp
from tests.events_support import make_event, signups
from tests.support import give_role

FULL = {"en": re.compile(r"\bfull\b", re.IGNORECASE), "zh-hans": re.compile("满")}
LEFT = {
    "en": re.compile(r"\d+ places? (is |are )?left"),
    "zh-hans": re.compile(r"剩余? ?\d+ ?个名额"),
}
HINTS = ("en", "zh-hans")


def _never_both(text: str, hint: str) -> None:
    full, left = FULL[hint].search(text), LEFT[hint].search(text)
    assert not (full and left), f"says both “{full.group()}” and “{left.group()}”:\n{text}"


def _every_view(person, event_id: int, hint: str) -> list[str]:
    """What this person can read about the event: the list, the card, /myevents, and for
    an organiser the panel and /myorganised."""
    texts = []
    for action in (
        lambda: person.send("/events"),
        lambda: person.send(f"/start ev_{event_id}"),
        lambda: person.press_payload(ShowEvent(event_id).pack()),
        lambda: person.send("/myevents"),
        lambda: person.send("/myorganised"),
        lambda: person.press_payload(ManageEvent(event_id).pack()),
    ):
        action()
        texts.append(person.text)
        _never_both(person.text, hint)
    return texts


def _organiser(session_factory, clock, resident, hint: str):
    """Olivia, the organiser, who also sees the panel and /myorganised."""
    return give_role(session_factory, clock, resident("Olivia", hint), "organiser")


def _event(session_factory, clock, organiser, **kwargs) -> int:
    with session_factory() as session:
        organiser_id = session.scalar(select(User.id).where(User.external_id == organiser.user_id))
    return make_event(session_factory, clock(), organiser_id=organiser_id, **kwargs)


@pytest.mark.parametrize("hint", HINTS)
def test_a_group_waiting_for_more_places_than_are_left_is_not_told_it_is_full(
    resident, session_factory, clock, hint
):
    """Two places left, a group of three waits for all three: the event is not full (the
    card says 2 places left), so the note says there are not enough places, not “full”."""
    olivia = _organiser(session_factory, clock, resident, hint)
    event_id = _event(session_factory, clock, olivia, capacity=3, max_party=3)
    resident("Dan", "en").press_payload(SignUp(event_id, 1).pack())
    alice = resident("Alice", hint)
    alice.send(f"/start ev_{event_id}")
    alice.press("报名" if hint == "zh-hans" else "Sign up")
    alice.press("3")
    alice.press("一起候补" if hint == "zh-hans" else "Wait for 3")
    assert signups(session_factory, event_id)[-1] == (alice.user_id, "waiting", 3)
    _never_both(alice.text, hint)
    if hint == "en":
        assert "not enough places for all 3 of you" in alice.text
        assert "You are number 1 on the waiting list" in alice.text
        assert "2 places left" in alice.text
    else:
        assert "剩余的名额不够 3 人" in alice.text
        assert "候补名单第 1 位" in alice.text
        assert "剩余 2 个名额" in alice.text
    _every_view(alice, event_id, hint)
    _every_view(olivia, event_id, hint)


@pytest.mark.parametrize("hint", HINTS)
def test_full_with_confirmed_and_offered_places(resident, session_factory, clock, hint):
    """Two places: Dan confirmed, Eve cancels and her place is offered to Bob: full (the
    offer holds it) until Bob answers."""
    olivia = _organiser(session_factory, clock, resident, hint)
    event_id = _event(session_factory, clock, olivia, capacity=2)
    dan, eve, bob = resident("Dan", hint), resident("Eve", hint), resident("Bob", hint)
    for person in (dan, eve, bob):
        person.press_payload(SignUp(event_id, 1).pack())
    eve.press_payload(CancelSignup(event_id).pack())
    assert [status for _, status, _ in signups(session_factory, event_id)] == [
        "confirmed",
        "cancelled",
        "offered",
    ]
    for person in (dan, eve, bob, olivia):
        texts = _every_view(person, event_id, hint)
        assert FULL[hint].search(texts[1]), "the card says it is full"
    offer, held, waiting = OFFERED[hint]
    for card in _every_view(bob, event_id, hint)[1:3]:  # the card, by link and by button
        assert offer in card and held in card, card
        assert waiting not in card, f"Bob holds the offer, yet is told of the waiting list:\n{card}"
    bob.press_payload(ShowEvent(event_id).pack())
    assert [b.label for b in bob.buttons()] == OFFERED_BUTTONS[hint], "each answer once"


#: Bob's answers to the offer: Confirm or Decline (which leaves the event, as Cancel my signup
#: would, so there is no Cancel beside it), then the card's usual buttons.
OFFERED_BUTTONS = {
    "en": ["✅ Confirm my place", "Decline", "📅 Add to calendar", "🔗 Share", "« All events"],
    "zh-hans": ["✅ 确认名额", "放弃", "📅 添加到日历", "🔗 分享", "« 全部活动"],
}


#: Bob's card while a place is offered to him: the offer, the place held for him, and not the
#: waiting list everyone else is told of.
OFFERED = {
    "en": ("🎟 A place is free for you", "Full — 1 place is held for you", "waiting list"),
    "zh-hans": ("🎟 候补转正：有名额了", "名额已满，其中 1 个名额为您保留", "候补名单"),
}


@pytest.mark.parametrize("hint", HINTS)
def test_full_with_a_waiting_list(resident, session_factory, clock, hint):
    olivia = _organiser(session_factory, clock, resident, hint)
    event_id = _event(session_factory, clock, olivia, capacity=1)
    dan, bob, carol = resident("Dan", hint), resident("Bob", hint), resident("Carol", hint)
    dan.press_payload(SignUp(event_id, 1).pack())
    bob.press_payload(SignUp(event_id, 1).pack())
    _never_both(bob.text, hint)
    carol.send(f"/start ev_{event_id}")
    carol.press("候补" if hint == "zh-hans" else "waiting list")
    _never_both(carol.text, hint)
    carol.press("确认" if hint == "zh-hans" else "Confirm")
    _never_both(carol.text, hint)
    for person in (dan, bob, carol, olivia):
        _every_view(person, event_id, hint)


@pytest.mark.parametrize("hint", HINTS)
def test_places_cut_below_the_signups(resident, session_factory, clock, hint):
    """Three people came before the places were cut to two: full, never “-1 places left”."""
    olivia = _organiser(session_factory, clock, resident, hint)
    event_id = _event(session_factory, clock, olivia, capacity=3)
    people = [resident(name, hint) for name in ("Dan", "Bob", "Carol")]
    for person in people:
        person.press_payload(SignUp(event_id, 1).pack())
    olivia.press_payload(ManageEvent(event_id).pack())
    olivia.press("名额" if hint == "zh-hans" else "Edit places")
    olivia.send("2")
    _never_both(olivia.text, hint)  # refused: three are coming
    with session_factory() as session, session.begin():
        session.get(Event, event_id).capacity = 2  # as an older version allowed
    for person in (*people, olivia):
        texts = _every_view(person, event_id, hint)
        assert FULL[hint].search(texts[1])
        assert "-1" not in texts[1]
