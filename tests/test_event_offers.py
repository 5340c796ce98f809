"""An offer's clock pauses in the quiet hours, and a declined offer can be undone for a minute."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.sweeper import Sweeper
from handlers.events.offers import awake_deadline
from handlers.types import Community
from tests.events_support import make_event, signups

SHANGHAI = ZoneInfo("Asia/Shanghai")
COMMUNITY = Community(timezone=SHANGHAI, default_locale="en")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("start", "expires"),
    [
        (at(3, 9), at(3, 21)),  # a day offer: 12 hours, no pause
        (at(3, 21, 30), at(4, 19, 30)),  # half an hour tonight, 11.5 hours tomorrow
        (at(3, 23), at(4, 20)),  # made in the quiet hours: starts at 08:00
        (at(4, 3), at(4, 20)),
        (at(3, 14), at(4, 12)),  # 8 hours today, 4 tomorrow
    ],
)
def test_the_clock_stops_in_the_quiet_hours(start, expires):
    assert awake_deadline(COMMUNITY, start, timedelta(hours=12)) == expires


def test_quiet_hours_in_the_day_and_none():
    lunch = replace(COMMUNITY, quiet_hours=(time(12), time(14)))
    assert awake_deadline(lunch, at(3, 11), timedelta(hours=2)) == at(3, 15)
    never = replace(COMMUNITY, quiet_hours=(time(0), time(0)))
    assert awake_deadline(never, at(3, 23), timedelta(hours=12)) == at(4, 11)


def _offered(session_factory, clock, resident, registry, community):
    """Alice holds the only place, Bob waits; Alice cancels, so Bob is offered it."""
    event_id = make_event(session_factory, clock(), capacity=1, starts_in=timedelta(days=5))
    alice, bob, carol = (resident(n, "en") for n in ("Alice", "Bob", "Carol"))
    alice.press_payload(f"ev:ok:{event_id}:1")
    bob.press_payload(f"ev:ok:{event_id}:1")
    carol.press_payload(f"ev:ok:{event_id}:1")
    alice.press_payload(f"ev:cx:{event_id}")
    sweeper = Sweeper(
        session_factory=session_factory, registry=registry, community=community, clock=clock
    )
    return event_id, bob, carol, sweeper


def test_a_decline_can_be_undone_for_a_minute(
    session_factory, clock, resident, registry, community
):
    event_id, bob, _, sweeper = _offered(session_factory, clock, resident, registry, community)
    bob.send(f"/start ev_{event_id}")
    bob.press("Decline")
    assert bob.text.startswith("You declined the place. If that was a mistake, press Undo")
    assert bob.replies[-1].edit  # the card changed in place
    clock.advance(seconds=50)
    sweeper.run()  # within the minute, the place waits
    assert [s[1] for s in signups(session_factory, event_id)][1:] == ["cancelled", "waiting"]
    bob.press("Undo")
    assert bob.text.startswith("Undone: the place is offered to you again.")
    bob.press("Confirm my place")
    assert "is confirmed" in bob.text
    assert [s[1] for s in signups(session_factory, event_id)][1:] == ["confirmed", "waiting"]


def test_undo_after_the_minute_or_once_the_place_is_taken_says_so(
    session_factory, clock, resident, registry, community
):
    event_id, bob, carol, sweeper = _offered(session_factory, clock, resident, registry, community)
    bob.send(f"/start ev_{event_id}")
    bob.press("Decline")
    undo = [b for b in bob.buttons() if "Undo" in b.label]
    clock.advance(minutes=1, seconds=1)
    bob.press_payload(undo[0].payload or "")
    assert bob.text.startswith("Sorry, a decline can be undone for one minute only")
    assert [s[1] for s in signups(session_factory, event_id)][1:] == ["cancelled", "waiting"]
    sweeper.run()  # now it passes on
    assert [s[1] for s in signups(session_factory, event_id)][1:] == ["cancelled", "offered"]

    # Carol declines too, and Wang signs up in that minute: the free place is his.
    carol.send(f"/start ev_{event_id}")
    carol.press("Decline")
    resident("Wang", "zh-hans").press_payload(f"ev:ok:{event_id}:1")
    assert signups(session_factory, event_id)[-1] == ("1003", "confirmed", 1)
    carol.press("Undo")
    assert carol.text.startswith("Sorry, the place has already gone to the next person in line.")
