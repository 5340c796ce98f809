"""Timely answers: the service-hours clock, and the escalation sweep driven by a FakeClock —
announced again in the room, admins told, the silent volunteer reminded, each once, and the
clocks waiting at night."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.dispatcher import Dispatcher
from bot.sweeper import Sweeper
from handlers.requests.hours import in_service_hours, next_opening, service_time_between
from tests.requests_support import file_request, make_volunteer
from tests.support import GROUP, PostBox, Resident, in_group, run_outbox

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOURS = (time(9), time(21))


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (local(26, 10), local(26, 11, 30), timedelta(minutes=90)),  # inside
        (local(26, 7), local(26, 9, 15), timedelta(minutes=15)),  # starts before opening
        (local(26, 20, 50), local(26, 23), timedelta(minutes=10)),  # runs past closing
        (local(26, 20, 50), local(27, 9, 20), timedelta(minutes=30)),  # the night waits
        (local(26, 22), local(27, 8), timedelta()),  # all night
        (local(26, 9), local(28, 9), timedelta(hours=24)),  # two whole days
        (local(26, 12), local(26, 12), timedelta()),
        (local(26, 12), local(26, 11), timedelta()),  # backwards: nothing
        (local(26, 23, 30), local(27, 0, 30), timedelta()),  # around midnight
    ],
)
def test_service_time_between(start, end, expected):
    assert service_time_between(start, end, HOURS, SHANGHAI) == expected
    utc_start, utc_end = start.astimezone(UTC), end.astimezone(UTC)
    assert service_time_between(utc_start, utc_end, HOURS, SHANGHAI) == expected


def test_in_service_hours_and_next_opening():
    assert in_service_hours(local(26, 9), HOURS, SHANGHAI)
    assert not in_service_hours(local(26, 21), HOURS, SHANGHAI)
    assert next_opening(local(26, 12), HOURS, SHANGHAI) == local(26, 12)
    assert next_opening(local(26, 22), HOURS, SHANGHAI) == local(27, 9)
    assert next_opening(local(27, 3), HOURS, SHANGHAI) == local(27, 9)


@pytest.fixture
def sweep(session_factory, registry, community, clock):
    sweeper = Sweeper(
        session_factory=session_factory, registry=registry, community=community, clock=clock
    )

    def run() -> None:
        assert sweeper.run() == []

    return run


@pytest.fixture
def team(dispatcher, resident):
    """The room bound, and the admin (9000) reachable in a private chat, in Chinese."""
    in_group(dispatcher, "9000", "Admin", command="/bind volunteers")
    admin = resident("Admin", "zh-hans", user_id="9000")
    admin.send("/start")
    return admin


def reminders_in_room(postbox: PostBox) -> list[str]:
    return [text for text in postbox.texts(GROUP) if text.startswith("⏰")]


def test_an_unclaimed_request_is_announced_again_then_admins_are_told(
    resident, team, clock, sweep, deliver, postbox
):
    file_request(resident("Alice", "en"))  # 16:00 in Shanghai
    clock.advance(minutes=29)
    sweep()
    deliver()
    assert reminders_in_room(postbox) == []
    clock.advance(minutes=1)
    sweep()
    sweep()  # a second run (or a second worker) says nothing more
    deliver()
    [again] = reminders_in_room(postbox)
    assert again.startswith(
        "⏰ #R-0001 is still waiting for a volunteer (30 minutes of service time)."
    )
    assert "Please translate the letter" in again
    assert len(postbox.cards_in(GROUP)) == 2, "the card and one reminder, posted anew"
    clock.advance(minutes=90)
    sweep()
    sweep()
    deliver()
    [to_admin] = postbox.texts(team.user_id)
    assert to_admin.startswith("⚠️ #R-0001 已等待 2 小时（按服务时间计算），仍没有志愿者认领。")
    clock.advance(hours=5)
    sweep()
    deliver()
    assert len(reminders_in_room(postbox)) == 1 and len(postbox.texts(team.user_id)) == 1


def test_urgent_requests_are_announced_after_ten_minutes(
    resident, team, clock, sweep, deliver, postbox
):
    file_request(resident("Alice", "en"), urgent=True)
    clock.advance(minutes=9)
    sweep()
    deliver()
    assert reminders_in_room(postbox) == []
    clock.advance(minutes=1)
    sweep()
    deliver()
    assert len(reminders_in_room(postbox)) == 1


def test_the_clocks_wait_at_night(resident, team, clock, sweep, deliver, postbox):
    clock.current = local(26, 20, 50).astimezone(UTC)
    file_request(resident("Alice", "en"))
    clock.current = local(27, 8, 59).astimezone(UTC)  # 10 service minutes so far
    sweep()
    deliver()
    assert reminders_in_room(postbox) == []
    clock.current = local(27, 9, 20).astimezone(UTC)
    sweep()
    deliver()
    assert len(reminders_in_room(postbox)) == 1


def test_a_claimed_request_stops_the_clock_and_a_release_restarts_it(
    resident, team, session_factory, clock, sweep, deliver, postbox
):
    file_request(resident("Alice", "en"))
    bob = make_volunteer(session_factory, clock, resident("Bob", "en"))
    clock.advance(minutes=20)
    bob.press_payload("rq:claim:1")
    clock.advance(minutes=20)
    sweep()
    bob.send("/release")
    clock.advance(minutes=29)
    sweep()
    deliver()
    assert reminders_in_room(postbox) == []
    clock.advance(minutes=1)
    sweep()
    deliver()
    assert len(reminders_in_room(postbox)) == 1


def test_a_silent_volunteer_is_reminded_then_admins_are_told(
    resident, team, session_factory, clock, sweep, deliver, postbox
):
    file_request(resident("Alice", "en"))
    bob = make_volunteer(session_factory, clock, resident("Bob", "en"))
    bob.press_payload("rq:claim:1")  # Thu 16:00; 12 service hours a day
    clock.advance(days=1)  # Fri 16:00: 12 service hours of silence
    bob.send("Hello, I am looking into it.")  # the clock starts again
    clock.advance(days=2, minutes=-1)  # Sun 15:59: 23 h 59 min
    sweep()
    deliver()
    assert not any(t.startswith("Reminder:") for t in postbox.texts(bob.user_id))
    clock.advance(minutes=1)
    sweep()
    sweep()
    deliver()
    [reminder] = [t for t in postbox.texts(bob.user_id) if t.startswith("Reminder:")]
    assert reminder.startswith(
        "Reminder: you have not written to the resident who asked for #R-0001 for 24 hours "
        "of service time."
    )
    clock.advance(days=2)
    sweep()
    sweep()
    deliver()

    def to_admin() -> list[str]:  # from 1 December admins also hear about next year's holidays
        return [t for t in postbox.texts(team.user_id) if "节假日" not in t]

    assert to_admin() == ["⚠️ #R-0001 由 Bob 认领，但按服务时间计算，已经 48 小时没有回复居民。"]
    clock.advance(days=5)
    sweep()
    deliver()
    assert len(to_admin()) == 1, "told once"


def test_the_limits_are_the_communitys_settings(
    session_factory, registry, community, clock, postbox
):
    """With LINLI_REQUEST_CLAIM_WITHIN=5m the room hears again after five minutes, and the
    resident is promised an answer within five."""
    quick = replace(community, request_claim_within=timedelta(minutes=5))
    dispatcher = Dispatcher(
        session_factory=session_factory, registry=registry, community=quick, clock=clock
    )
    in_group(dispatcher, "9000", "Admin", command="/bind volunteers")
    alice = Resident(dispatcher, "Alice", "en")
    file_request(alice)
    assert "within 5 minutes during service hours" in alice.text
    sweeper = Sweeper(
        session_factory=session_factory, registry=registry, community=quick, clock=clock
    )
    clock.advance(minutes=5)
    assert sweeper.run() == []
    run_outbox(session_factory, registry, quick, clock, postbox)
    assert len(reminders_in_room(postbox)) == 1


def test_a_request_held_by_someone_no_longer_a_volunteer_goes_back_to_the_queue(
    resident, team, session_factory, clock, sweep, deliver, postbox
):
    """An admin removed Bob's volunteer role while he held a request: he can no longer
    /release or /resolve it, and the resident's messages must not keep reaching him."""
    from db.requests.models import HelpRequest, RequestStatus
    from db.users import find_user, revoke_role

    alice = resident("Alice", "en")
    file_request(alice)
    bob = make_volunteer(session_factory, clock, resident("Bob", "en"))
    bob.press_payload("rq:claim:1")
    with session_factory() as session, session.begin():
        revoke_role(session, find_user(session, "telegram", bob.user_id), "volunteer")
    clock.advance(seconds=10)
    sweep()
    sweep()
    deliver()
    with session_factory() as session:
        request = session.get(HelpRequest, 1)
        assert (request.status, request.volunteer_id) == (RequestStatus.OPEN, None)
    back = [t for t in postbox.texts(GROUP) if t.startswith("↩️")]
    assert len(back) == 1
    assert back[0].startswith("↩️ #R-0001 is back in the queue and needs a new volunteer.")
    released = [t for t in postbox.texts(alice.user_id) if "could not continue" in t]
    assert len(released) == 1 and released[0].startswith("Bob could not continue with #R-0001.")
    before = len(postbox.texts(bob.user_id))
    alice.send("Are you still there?")
    assert alice.text.startswith("Your request #R-0001 is still waiting for a volunteer.")
    deliver()
    assert len(postbox.texts(bob.user_id)) == before
