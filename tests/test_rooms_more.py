"""Rooms beyond the one-off booking, in both languages: a club's recurring dates (the taken
ones listed, the rest booked, weekly hours counted), approval by an admin, check-in, no-shows
released by the sweep (and the slot's watchers told), and the pause after three no-shows."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import update

from bot.sweeper import Sweeper
from db.room_models import Room
from tests.events_support import queued
from tests.rooms_support import book_friday_evening, bookings, make_room
from tests.support import loose_dispatcher


@pytest.fixture
def dispatcher(session_factory, registry, community, clock):
    """These flows take many steps in a few (fake) seconds: flood control loosened."""
    return loose_dispatcher(session_factory, registry, community, clock)


@pytest.fixture
def sweep(session_factory, registry, community, clock):
    sweeper = Sweeper(
        session_factory=session_factory, registry=registry, community=community, clock=clock
    )
    return sweeper.run


def book(person, day: str, start: str, until: str, *, purpose: str = "Club") -> None:
    person.send("/rooms")
    person.press("Chess and card room")
    while day not in [b.label.split(" (")[0] for b in person.buttons()]:
        person.press("Next week »")
    person.press(day)
    person.press(start)
    if until in [b.label for b in person.buttons()]:
        person.press(until)
    person.send(purpose)
    person.send("4")
    person.press("Confirm")


def test_a_club_repeats_its_booking_and_hears_which_dates_were_taken(
    resident, session_factory, clock
):
    make_room(session_factory, clock(), week_hours=3)
    alice, bob = resident("Alice", "en"), resident("Bob", "en")
    book(bob, "Fri, Dec 11", "19:00", "until 20:00")  # one of the club's dates, taken
    book(alice, "Sat, Dec 19", "10:00", "until 12:00")  # 2 of Alice's 3 hours that week
    book_friday_evening(alice, purpose="Chess club")
    alice.press("Confirm")
    alice.press("Repeat for a club")
    assert "Repeat #B-0003 (Chess and card room, Fri, Nov 27 19:00) for your group?" in alice.text
    alice.press("Every week, 4 more times")
    assert "More dates booked: 1." in alice.text
    assert "#B-0004 Fri, Dec 4, 2026, 19:00" in alice.text
    assert "Fri, Dec 11, 2026, 19:00: taken" in alice.text
    assert "Fri, Dec 18, 2026, 19:00: over your weekly hours" in alice.text
    assert "Fri, Dec 25, 2026, 19:00: too far ahead" in alice.text
    # Cancelling one date of the series leaves the others.
    alice.send("/mybookings")
    alice.press("#B-0003")
    assert "Repeat for a club" not in [b.label for b in alice.buttons()]  # already a series
    alice.press("Cancel booking")
    alice.press("Yes, cancel it")
    statuses = {ref: status for ref, status, _, _ in bookings(session_factory)}
    assert statuses["#B-0003"] == "cancelled" and statuses["#B-0004"] == "confirmed"


def test_a_club_in_chinese_every_other_week(resident, session_factory, clock):
    make_room(session_factory, clock(), ahead_days=60)
    wang = resident("Wang", "zh-hans")
    wang.send("/rooms")
    wang.press("棋牌活动室")
    wang.press("11月27日周五")
    wang.press("19:00")
    wang.press("21:00")
    wang.send("围棋社")
    wang.send("5")
    wang.press("确认")
    wang.press("重复预约")
    wang.press("隔周一次，再约 4 次")
    assert "又预约了 4 个日期。" in wang.text
    assert "12月11日周五" in wang.text and "12月4日" not in wang.text


def test_a_room_that_needs_approval(resident, session_factory, clock, deliver, postbox, sweep):
    make_room(session_factory, clock())
    with session_factory() as session, session.begin():
        session.execute(update(Room).values(needs_approval=True))
    admin = resident("Admin", "en", user_id="9000")
    admin.send("/start")
    alice, wang = resident("Alice Chen", "en"), resident("Wang", "zh-hans")
    book_friday_evening(alice)
    alice.press("Confirm")
    assert "Requested. An admin must approve bookings of this room" in alice.text
    assert queued(session_factory, "rooms.reminder") == []  # not before it is approved
    deliver()
    [card] = postbox.to("9000")
    assert "A booking needs your approval:" in card.text
    assert (
        "#B-0001 Chess and card room, Fri, Nov 27, 2026, 19:00–21:00. Alice: Weekly chess club"
        in card.text
    )
    assert "Chen" not in card.text
    admin.press_payload(card.buttons[0][0].payload)
    assert "Approved: #B-0001" in admin.text
    deliver()
    assert (
        "Your booking #B-0001 (Chess and card room, Fri, Nov 27, 2026, 19:00–21:00) is approved."
        in postbox.texts(alice.user_id)[-1]
    )
    assert len(queued(session_factory, "rooms.reminder")) == 1
    # Declined with a reason, in Chinese.
    wang.send("/rooms")
    wang.press("棋牌活动室")
    wang.press("11月28日周六")
    wang.press("10:00")
    wang.press("11:00")
    wang.send("读书会")
    wang.send("3")
    wang.press("确认")
    deliver()
    card = postbox.to("9000")[-1]
    decline = next(b for row in card.buttons for b in row if "rules" in b.label)
    admin.press_payload(decline.payload)
    admin.press_payload(decline.payload)  # a second press changes nothing
    assert "already decided" in admin.text
    deliver()
    assert "未通过审核。这个预约不符合该空间的使用规定。" in postbox.texts(wang.user_id)[-1]
    wang.press_payload("rm:day:1:20261128")
    assert "10:00 空闲" in wang.text  # the slot is free again
    # Undecided: the admins are reminded after a day, the request dropped at its start.
    book(alice, "Sat, Nov 28", "15:00", "until 16:00")
    clock.advance(hours=24, minutes=1)
    sweep()
    deliver()
    assert "This booking has waited a day for a decision:" in postbox.texts("9000")[-1]
    clock.current = datetime(2026, 11, 28, 7, 0, tzinfo=UTC)  # Sat 15:00 Shanghai
    sweep()
    deliver()
    assert "no one could approve your booking #B-0003" in postbox.texts(alice.user_id)[-1]
    sweep()
    deliver()
    assert len([t for t in postbox.texts(alice.user_id) if "no one could approve" in t]) == 1


def test_check_in_and_a_no_show_released_to_a_watcher(
    resident, session_factory, clock, deliver, postbox, sweep
):
    make_room(session_factory, clock())
    alice, bob = resident("Alice", "en"), resident("Bob", "zh-hans")
    book_friday_evening(alice)
    alice.press("Confirm")
    bob.send("/rooms")
    bob.press("棋牌活动室")
    bob.press("11月27日周五")
    bob.press("时段空出时通知我")
    bob.press("🔔 20:00")
    assert "20:00 空出来时我会通知您。" in bob.text
    clock.current = datetime(2026, 11, 27, 10, 40, tzinfo=UTC)  # 18:40, 20 min before
    alice.press_payload("rm:checkin:1")
    assert "Check-in opens 15 minutes before the start, at 18:45." in alice.text
    clock.current = datetime(2026, 11, 27, 11, 14, tzinfo=UTC)  # 19:14, not checked in
    sweep()
    assert bookings(session_factory)[0][1] == "confirmed"
    clock.current = datetime(2026, 11, 27, 11, 16, tzinfo=UTC)  # 19:16
    sweep()
    sweep()  # once is enough: nothing twice
    assert bookings(session_factory)[0][1:] == ("released", "Weekly chess club", 0)
    deliver()
    [told] = postbox.texts(alice.user_id)[-1:]
    assert "was not checked in 15 minutes after its start" in told
    [freed] = [t for t in postbox.texts(bob.user_id) if "又空出来了" in t]
    assert "20:00" in freed
    alice.press_payload("rm:checkin:1")
    assert "This booking is over" in alice.text


def test_checked_in_is_kept(resident, session_factory, clock, sweep):
    make_room(session_factory, clock())
    alice = resident("Alice", "en")
    book_friday_evening(alice)
    alice.press("Confirm")
    clock.current = datetime(2026, 11, 27, 10, 50, tzinfo=UTC)  # 18:50
    alice.press_payload("rm:show:1")
    alice.press("Check in")
    assert "Checked in. Enjoy your time!" in alice.text
    clock.current = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    sweep()
    assert bookings(session_factory)[0][1] == "confirmed"


def test_three_no_shows_pause_booking_and_an_admin_lifts_it(
    resident, session_factory, clock, sweep, linli
):
    make_room(session_factory, clock(), week_hours=20)
    alice = resident("Alice", "en")
    for day in ("Fri, Nov 27", "Sat, Nov 28", "Sun, Nov 29"):
        book(alice, day, "19:00", "until 20:00")
    clock.current = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)  # Sun 20:00
    sweep()
    assert [row[1] for row in bookings(session_factory)] == ["released"] * 3
    alice.send("/rooms")
    alice.press("Chess and card room")
    alice.press("Next week »")
    alice.press("Tue, Dec 1")
    alice.press("10:00")
    alice.press("until 11:00")
    alice.send("Practice")
    alice.send("2")
    alice.press("Confirm")
    assert "you cannot book rooms until Dec 29, 2026" in alice.text
    from db import room_clock
    from db.users import get_or_create_user

    with session_factory() as session, session.begin():
        user = get_or_create_user(
            session, transport="telegram", external_id=alice.user_id, now=clock()
        )
        assert room_clock.lift_pause(session, user, now=clock())
    book(alice, "Tue, Dec 1", "10:00", "until 11:00")
    assert "✅ Booked." in alice.text


def test_mydata_and_deleteme_cover_bookings(resident, session_factory, clock, deliver, postbox):
    import json

    make_room(session_factory, clock())
    alice, bob = resident("Alice", "en"), resident("Bob", "en")
    book_friday_evening(alice, purpose="My private party")
    alice.press("Confirm")
    bob.press_payload("rm:watch:1:20261127:1140")
    alice.send("/mydata")
    assert "• Room bookings: 1" in alice.text
    data = json.loads(alice.replies[-1].attachment.content)
    [booking] = data["room_bookings"]
    assert booking["reference"] == "#B-0001" and booking["purpose"] == "My private party"
    alice.send("/deleteme")
    alice.press("Yes, delete my data")
    assert bookings(session_factory) == [("#B-0001", "cancelled", "", 0)]
    deliver()
    assert any("free again" in text for text in postbox.texts(bob.user_id))


def test_a_bookings_purpose_is_blanked_ninety_days_after(resident, session_factory, clock, sweep):
    make_room(session_factory, clock())
    alice = resident("Alice", "en")
    book_friday_evening(alice)
    alice.press("Confirm")
    clock.current = datetime(2026, 11, 27, 10, 50, tzinfo=UTC)
    alice.press_payload("rm:checkin:1")
    clock.advance(days=89)
    sweep()
    assert bookings(session_factory)[0][2] == "Weekly chess club"
    clock.advance(days=2)
    sweep()
    assert bookings(session_factory)[0][2] == ""


def test_check_in_with_the_code_on_the_door(resident, session_factory, clock):
    make_room(session_factory, clock())
    with session_factory() as session, session.begin():
        session.execute(update(Room).values(door_code="4821"))
    wang = resident("Wang", "zh-hans")
    wang.send("/rooms")
    wang.press("棋牌活动室")
    wang.press("11月27日周五")
    wang.press("19:00")
    wang.press("21:00")
    wang.send("象棋")
    wang.send("4")
    wang.press("确认")
    wang.send("/checkin 4821")
    assert "开始前 15 分钟" in wang.text  # too early: nothing open for check-in
    clock.current = datetime(2026, 11, 27, 10, 50, tzinfo=UTC)  # 18:50
    wang.send("/checkin 1234")
    assert "/checkin 4821" in wang.text
    wang.send("/checkin 4821")
    assert "✅ 已签到，祝您使用愉快！" in wang.text and "#B-0001" in wang.text


def test_approval_cards_go_to_the_front_desks_room_when_bound(
    resident, session_factory, clock, deliver, postbox, dispatcher
):
    from tests.support import GROUP, group_command, in_group

    make_room(session_factory, clock())
    with session_factory() as session, session.begin():
        session.execute(update(Room).values(needs_approval=True))
    assert "front desk" in group_command(dispatcher, "9000", "/bind frontdesk")
    alice = resident("Alice", "en")
    book_friday_evening(alice)
    alice.press("Confirm")
    deliver()
    [card] = postbox.to(GROUP)
    assert "A booking needs your approval:" in card.text or "有一个预约需要您审核" in card.text
    assert postbox.to("9000") == []  # not also to each admin privately
    stranger = in_group(dispatcher, "4242", "Nosy", payload=card.buttons[0][0].payload)
    assert "#B-0001" not in "\n".join(r.text for r in stranger)  # only admins decide
    in_group(dispatcher, "9000", "Admin", payload=card.buttons[0][0].payload)
    deliver()
    assert "is approved" in postbox.texts(alice.user_id)[-1]
