"""Rooms for residents, through the dispatcher, in both languages: the rooms, a week at a glance
edited in place, a day's slots, a run of slots, the form with the house rules, the booked screen
(reference, reminder, .ics, Cancel), /mybookings, the weekly limit, and what others see."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import icalendar

from tests.events_support import queued
from tests.rooms_support import book_friday_evening, bookings, make_room

# The clock's start (tests/support.py): Thu 26 Nov 2026, 08:00 UTC = 16:00 in Shanghai.


def test_a_booking_in_english_from_rooms_to_booked(resident, session_factory, clock):
    make_room(session_factory, clock())
    alice = resident("Alice", "en")
    alice.send("/rooms")
    assert "Which room would you like to book?" in alice.text
    assert "Chess and card room — up to 8 people" in alice.text
    alice.press("Chess and card room")
    assert alice.replies[-1].edit  # the week replaces the list
    assert "Board games, go and Chinese chess." in alice.text
    assert "Week of Mon, Nov 23 to Sun, Nov 29:" in alice.text
    assert "Thu, Nov 26: free: 4/12" in alice.text  # 17:00 on: an hour's notice from 16:00
    assert "Wed, Nov 25: past" in alice.text
    alice.press("Next week »")
    assert alice.replies[-1].edit and "Week of Mon, Nov 30 to Sun, Dec 6:" in alice.text
    alice.press("« Previous week")
    alice.press("Fri, Nov 27")
    assert "Chess and card room, Fri, Nov 27:" in alice.text
    assert "09:00 free" in alice.text
    alice.press("19:00")
    assert "from 19:00. Until when?" in alice.text
    assert [b.label for b in alice.buttons()] == ["until 20:00", "until 21:00", "« Day"]
    alice.press("until 21:00")
    assert alice.replies[0].edit  # the first question replaces the screen
    assert "What is it for?" in alice.text
    alice.send("Weekly chess club")
    alice.send("6")
    assert "Keep it quiet; put the tables back before you leave." in alice.text  # house rules
    assert "Fri, Nov 27, 2026, 19:00–21:00" in alice.text
    alice.press("Confirm")
    assert "✅ Booked." in alice.text
    assert "#B-0001 Chess and card room, Fri, Nov 27, 2026, 19:00–21:00" in alice.text
    assert "Purpose: Weekly chess club. People: 6." in alice.text
    assert bookings(session_factory) == [("#B-0001", "confirmed", "Weekly chess club", 2)]
    reminder = queued(session_factory, "rooms.reminder")
    assert len(reminder) == 1
    assert reminder[0].due_at == datetime(2026, 11, 27, 10, 0, tzinfo=UTC)  # 18:00 Shanghai
    alice.press("Add to calendar")
    calendar = icalendar.Calendar.from_ical(alice.replies[-1].attachment.content)
    entry = next(iter(calendar.walk("VEVENT")))
    assert entry.decoded("dtstart") == datetime(2026, 11, 27, 11, 0, tzinfo=UTC)
    assert entry.decoded("dtend") == datetime(2026, 11, 27, 13, 0, tzinfo=UTC)
    alarm = next(iter(entry.walk("VALARM")))  # the calendar reminds as the bot does: 1 h before
    assert alarm.decoded("trigger") == -timedelta(hours=1)


def test_a_booking_in_chinese_and_cancelling_it(resident, session_factory, clock):
    make_room(session_factory, clock())
    wang = resident("Wang", "zh-hans")
    wang.send("/start")
    wang.press("预约空间")
    assert "您想预约哪个空间？" in wang.text
    wang.press("棋牌活动室")
    assert "棋牌、围棋、象棋。" in wang.text
    wang.press("11月27日周五")
    wang.press("19:00")
    wang.press("21:00")
    wang.send("象棋俱乐部")
    wang.send("4")
    assert "请保持安静，离开前把桌椅归位。" in wang.text
    wang.press("确认")
    assert "已预约" in wang.text and "#B-0001" in wang.text
    wang.send("/mybookings")
    assert "#B-0001 棋牌活动室" in wang.text
    wang.press("#B-0001")
    wang.press("取消预约")
    assert "取消 #B-0001" in wang.text
    wang.press("是的，取消")
    assert "您的预约 #B-0001 已取消。" in wang.text
    assert bookings(session_factory) == [("#B-0001", "cancelled", "象棋俱乐部", 0)]
    assert queued(session_factory, "rooms.reminder") == []  # the reminder went with it


def test_others_see_taken_never_who(resident, session_factory, clock):
    make_room(session_factory, clock())
    book_friday_evening(resident("Alice", "en"))
    resident("Alice", "en").press("Confirm")
    bob = resident("Bob", "en")
    bob.send("/rooms")
    bob.press("Chess and card room")
    assert "Fri, Nov 27: free: 10/12" in bob.text
    bob.press("Fri, Nov 27")
    assert "19:00 not free" in bob.text and "20:00 not free" in bob.text
    assert "Alice" not in bob.text and "chess club" not in bob.text
    assert "19:00" not in [b.label for b in bob.buttons()]
    # A stale or forged press of the taken slot is answered, and nothing is booked twice.
    bob.press_payload("rm:slot:1:20261127:1140")
    assert "Sorry, that time is not free any more." in bob.text
    assert len(bookings(session_factory)) == 1


def test_the_slot_taken_while_filling_in_the_form(resident, session_factory, clock):
    make_room(session_factory, clock())
    alice, bob = resident("Alice", "en"), resident("Bob", "zh-hans")
    book_friday_evening(alice)
    bob.send("/rooms")
    bob.press("棋牌活动室")
    bob.press("11月27日周五")
    bob.press("20:00")
    bob.send("读书会")
    bob.send("3")
    alice.press("Confirm")
    bob.press("确认")
    assert "刚刚被别人预约" in bob.text
    assert "11月27日周五" in bob.text  # the week again, to choose another time
    assert [row[1] for row in bookings(session_factory)] == ["confirmed"]


def test_weekly_hours_and_capacity_are_kept(resident, session_factory, clock):
    make_room(session_factory, clock(), week_hours=2, capacity=8)
    alice = resident("Alice", "en")
    book_friday_evening(alice, people="9")
    alice.press("Confirm")
    assert "At most 8 people fit in this room." in alice.text
    alice.send("8")
    alice.press("Confirm")
    assert "✅ Booked." in alice.text
    alice.send("/rooms")
    alice.press("Chess and card room")
    alice.press("Sat, Nov 28")
    alice.press("10:00")
    alice.press("until 11:00")
    alice.send("Practice")
    alice.send("2")
    alice.press("Confirm")
    assert "at most 2 h a week. You can still book 0 h that week." in alice.text
    assert len(bookings(session_factory)) == 1


def test_bad_input_keeps_the_form_where_it_was(resident, session_factory, clock):
    make_room(session_factory, clock())
    alice = resident("Alice", "en")
    alice.send("/rooms")
    alice.press("Chess and card room")
    alice.press("Fri, Nov 27")
    alice.press("09:00")
    alice.press("until 10:00")
    alice.send("x" * 300)
    assert "That is too long (300 characters)" in alice.text
    alice.send("Homework club")
    alice.send("many")
    assert "is not a whole number" in alice.text
    alice.send("5")
    assert "Confirm" in " ".join(b.label for b in alice.buttons())


def test_forged_room_buttons_are_refused_in_the_persons_language(resident, session_factory, clock):
    make_room(session_factory, clock())
    wang = resident("Wang", "zh-hans")
    for payload in ("rm:day:1:20261399", "rm:week:99", "rm:run:1:20261127:1140:9", "rm:cancel:5"):
        wang.press_payload(payload)
        assert "抱歉" in wang.text, (payload, wang.text)
    assert bookings(session_factory) == []


def test_a_reminder_goes_out_an_hour_before(resident, session_factory, clock, deliver, postbox):
    make_room(session_factory, clock())
    alice = resident("Alice", "en")
    book_friday_evening(alice)
    alice.press("Confirm")
    clock.advance(hours=25, minutes=59)
    deliver()
    assert postbox.texts(alice.user_id) == []
    clock.advance(minutes=2)
    deliver()
    [text] = postbox.texts(alice.user_id)
    assert (
        "Reminder: your booking #B-0001 — Chess and card room, Fri, Nov 27, 2026, 19:00–21:00"
        in text
    )


def test_roomsday_for_the_front_desk(resident, session_factory, clock):
    make_room(session_factory, clock())
    book_friday_evening(resident("Alice Chen", "en"))
    resident("Alice Chen", "en").press("Confirm")
    clock.advance(days=1)
    from tests.support import give_role

    desk = give_role(session_factory, clock, resident("Desk", "zh-hans"), "organiser")
    desk.send("/rooms")
    desk.press("今天的预约")
    assert "今天的空间预约" in desk.text
    assert "19:00–21:00 #B-0001 Alice" in desk.text and "Chen" not in desk.text
    stranger = resident("Bob", "en")
    stranger.send("/roomsday")
    assert "#B-0001" not in stranger.text


def test_an_admin_closes_a_room_and_the_booker_is_told(resident, session_factory, clock):
    make_room(session_factory, clock())
    book_friday_evening(resident("Alice", "en"))
    resident("Alice", "en").press("Confirm")
    admin = resident("Admin", "en", user_id="9000")
    admin.send("/rooms")
    admin.press("Manage rooms")
    assert "Chess and card room: open for booking. Bookings to come: 1." in admin.text
    admin.press("Close Chess and card room")
    assert "Bookings cancelled (their people are told): 1." in admin.text
    assert [row.template for row in queued(session_factory, "rooms.closed")] == ["rooms.closed"]
    assert bookings(session_factory)[0][1] == "cancelled"
    bob = resident("Bob", "en")
    bob.send("/rooms")
    assert "No rooms can be booked right now." in bob.text
    bob.press_payload("rm:week:1")
    assert "not open for booking" in bob.text
    admin.press("Open Chess and card room")
    assert "Chess and card room: open for booking" in admin.text
    bob.send("/rooms")
    assert "Chess and card room — up to 8 people" in bob.text


def test_traditional_readers_get_traditional_room_names_and_rules(resident, session_factory, clock):
    make_room(session_factory, clock())
    lin = resident("Lin", "zh-tw")
    lin.send("/rooms")
    assert "棋牌活動室" in lin.text and "棋牌活动室" not in lin.text
    lin.press("棋牌活動室")
    assert "棋牌、圍棋、象棋。" in lin.text
    lin.press("11月27日週五")
    lin.press("19:00")
    lin.press("21:00")
    lin.send("圍棋社")
    lin.send("4")
    assert "請保持安靜，離開前把桌椅歸位。" in lin.text
    lin.press("確認")
    assert "#B-0001 棋牌活動室" in lin.text
