"""Rooms for staff: ``linli rooms add|list|close|open|lift`` on the command line (a closure
cancels the bookings it covers and tells their people), and the month's CSV for the front desk."""

from __future__ import annotations

import csv
import io

from tests.rooms_support import book_friday_evening, bookings, make_room
from tests.support import give_role


def test_rooms_on_the_command_line(linli):
    added = linli(
        "rooms",
        "add",
        "reading",
        "--name-zh",
        "阅读吧台",
        "--name-en",
        "Reading bar",
        "--capacity",
        "12",
        "--hours",
        "mon-fri 09:00-21:00; sat-sun 10:00-18:00",
        "--slot",
        "30",
        "--rules-zh",
        "请勿饮食。",
        "--week-hours",
        "4",
        "--approval",
    )
    assert added.returncode == 0, added.stderr
    assert "reading: 阅读吧台 / Reading bar — open, 12 people, 30 min slots" in added.stdout
    assert "5:10:00-18:00" in added.stdout and "needs approval" in added.stdout
    again = linli("rooms", "add", "reading", "--name-en", "Again")
    assert again.returncode != 0 and "exists" in again.stderr
    bad = linli("rooms", "add", "chess", "--name-en", "Chess", "--hours", "monday 9-5")
    assert bad.returncode != 0 and "not opening hours" in bad.stderr
    closed = linli(
        "rooms",
        "close",
        "reading",
        "--from",
        "2026-12-24",
        "--to",
        "2026-12-26",
        "--reason",
        "假期",
    )
    assert "reading: closed; 0 booking(s) cancelled" in closed.stdout
    assert "— open" in linli("rooms", "list").stdout  # a closure leaves the room open otherwise
    assert "reading: closed;" in linli("rooms", "close", "reading").stdout
    assert "— closed" in linli("rooms", "list").stdout
    assert "reading: open (1 closure(s) lifted)" in linli("rooms", "open", "reading").stdout
    assert "no such room" in linli("rooms", "open", "nothing").stderr
    lift = linli("rooms", "lift", "telegram:1")
    assert lift.returncode != 0 and "no such user" in lift.stderr


def test_a_closure_over_a_booking_cancels_it_and_tells_the_booker(
    resident, session_factory, clock, deliver, postbox
):
    from db.rooms import operations as ops
    from db.rooms import rules

    make_room(session_factory, clock())
    wang = resident("Wang", "zh-hans")
    wang.send("/rooms")
    wang.press("棋牌活动室")
    wang.press("11月27日周五")
    wang.press("19:00")
    wang.press("21:00")
    wang.send("象棋")
    wang.send("4")
    wang.press("确认")
    with session_factory() as session, session.begin():
        room = rules.find_room(session, "chess")
        tz = wang.dispatcher.community.timezone
        from datetime import datetime

        hit = ops.close(
            session,
            room,
            now=clock(),
            starts_at=datetime(2026, 11, 27, 18, 0, tzinfo=tz),
            ends_at=datetime(2026, 11, 27, 20, 0, tzinfo=tz),
            reason="维修",
        )
        assert [b.ref for b in hit] == ["#B-0001"]
    deliver()
    [told] = postbox.texts(wang.user_id)
    assert "棋牌活动室在这段时间暂停开放，您的预约 #B-0001" in told
    wang.send("/rooms")
    wang.press("棋牌活动室")
    assert "11月27日周五：空闲 10/12" in wang.text  # 18:00 and 19:00 closed, the rest free
    wang.press("11月27日周五")
    assert "18:00 已占用" in wang.text and "19:00 已占用" in wang.text and "20:00 空闲" in wang.text


def test_the_front_desk_csv_of_a_month(resident, session_factory, clock):
    make_room(session_factory, clock())
    alice = resident("Alice Chen", "en")
    book_friday_evening(alice, purpose="=HYPERLINK(1)")
    alice.press("Confirm")
    desk = give_role(session_factory, clock, resident("Desk", "zh-hans"), "organiser")
    desk.send("/roomscsv 2026-11")
    assert "2026-11" in desk.text
    content = desk.replies[-1].attachment.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content)))
    assert rows[0][:3] == ["编号", "空间", "日期"]
    assert rows[1][:8] == [
        "#B-0001",
        "棋牌活动室",
        "2026-11-27",
        "19:00",
        "21:00",
        "Alice",
        "'=HYPERLINK(1)",
        "6",
    ]
    desk.send("/roomscsv 2026-13")
    assert "/roomscsv 2026-11" in desk.text
    desk.send("/roomscsv 2026-12")
    assert (
        len(list(csv.reader(io.StringIO(desk.replies[-1].attachment.content.decode("utf-8-sig")))))
        == 1
    )


def test_the_report_counts_hours_booked_and_used_per_room(
    resident, session_factory, clock, community
):
    from datetime import UTC, date, datetime

    from handlers.i18n import language
    from handlers.stats.measures import compute
    from handlers.stats.periods import month_of
    from handlers.stats.render import texts
    from handlers.stats.table import rows

    make_room(session_factory, clock())
    alice, bob = resident("Alice", "en"), resident("Bob", "en")
    book_friday_evening(alice)  # 2 h, checked in
    alice.press("Confirm")
    bob.send("/rooms")
    bob.press("Chess and card room")
    bob.press("Sat, Nov 28")
    bob.press("10:00")
    bob.press("until 11:00")  # 1 h, never checked in
    bob.send("Cards")
    bob.send("2")
    bob.press("Confirm")
    clock.current = datetime(2026, 11, 27, 10, 50, tzinfo=UTC)
    alice.press_payload("rm:checkin:1")
    with session_factory() as session:
        report = compute(session, community, month_of(date(2026, 11, 1)), clock())
    assert report.rooms_used == [["棋牌活动室", "Chess and card room", 3.0, 2.0]]
    zh = language("zh_Hans", "Asia/Shanghai")
    table = {row[1]: row[2] for row in rows(report, zh)}
    assert table["棋牌活动室：预约时长"] == "3" and table["棋牌活动室：实际使用时长"] == "2"
    en = language("en", "Asia/Shanghai")
    assert "Rooms: 3 h booked · 2 h used" in texts(report, en)  # on the report's picture


def test_an_event_in_a_room_holds_it_when_published(resident, session_factory, clock):
    from datetime import timedelta

    from sqlalchemy import update

    from db.events.models import Event, EventStatus
    from db.users import get_or_create_user
    from tests.events_support import make_event

    make_room(session_factory, clock())
    organiser = give_role(session_factory, clock, resident("Olga", "en"), "organiser")
    with session_factory() as session:
        olga = get_or_create_user(
            session, transport="telegram", external_id=organiser.user_id, now=clock()
        ).id
    # Fri 27 Nov, 19:00–21:00 in Shanghai (the clock is Thu 16:00 there).
    first, second = (
        make_event(
            session_factory,
            clock(),
            status=EventStatus.DRAFT,
            organiser_id=olga,
            starts_in=timedelta(hours=27),
            title_en=title,
            title_zh=None,
        )
        for title in ("Chess night", "Card night")
    )
    with session_factory() as session, session.begin():
        session.execute(update(Event).values(place="Chess and card room"))
    organiser.press_payload(f"ev:publish:{first}")
    assert "The event is published" in organiser.text
    assert bookings(session_factory) == [("#B-0001", "confirmed", "Chess night", 2)]
    organiser.press_payload(f"ev:publish:{second}")
    assert "Chess and card room is already booked at that time" in organiser.text
    with session_factory() as session:
        assert session.get(Event, second).status == EventStatus.DRAFT
    bob = resident("Bob", "en")
    bob.press_payload("rm:day:1:20261127")
    assert "19:00 not free" in bob.text and "20:00 not free" in bob.text
    organiser.press_payload(f"ev:cancel_event:{first}")
    assert bookings(session_factory)[0][1] == "cancelled"
    organiser.press_payload(f"ev:publish:{second}")
    assert "The event is published" in organiser.text


def test_rescheduling_an_event_moves_its_room_or_is_refused(resident, session_factory, clock):
    from datetime import timedelta

    from sqlalchemy import update

    from db.events.models import Event, EventStatus
    from db.users import get_or_create_user
    from tests.events_support import make_event

    make_room(session_factory, clock())
    organiser = give_role(session_factory, clock, resident("Olga", "en"), "organiser")
    with session_factory() as session:
        olga = get_or_create_user(
            session, transport="telegram", external_id=organiser.user_id, now=clock()
        ).id
    event = make_event(
        session_factory,
        clock(),
        status=EventStatus.DRAFT,
        organiser_id=olga,
        starts_in=timedelta(hours=27),  # Fri 19:00–21:00
        title_en="Chess night",
        title_zh=None,
    )
    with session_factory() as session, session.begin():
        session.execute(update(Event).values(place="chess"))
    organiser.press_payload(f"ev:publish:{event}")
    alice = resident("Alice", "en")
    alice.send("/rooms")
    alice.press("Chess and card room")
    alice.press("Sat, Nov 28")
    alice.press("10:00")
    alice.press("until 11:00")
    alice.send("Cards")
    alice.send("3")
    alice.press("Confirm")
    organiser.press_payload(f"ev:reschedule:{event}")
    organiser.send("2026-11-28 10:00")
    organiser.send("2h")
    organiser.press("Confirm")
    assert "Chess and card room is already booked at that time" in organiser.text
    with session_factory() as session:
        assert session.get(Event, event).starts_at.hour == 11  # not moved (19:00 Shanghai)
    assert bookings(session_factory)[0][1] == "confirmed"  # the hold stayed where it was
    organiser.send("/cancel")
    organiser.press_payload(f"ev:reschedule:{event}")
    organiser.send("2026-11-28 14:00")
    organiser.send("2h")
    organiser.press("Confirm")
    assert "Moved." in organiser.text
    held = [row for row in bookings(session_factory) if row[2] == "Chess night"]
    assert [row[1] for row in held] == ["cancelled", "confirmed"]
    alice.press_payload("rm:day:1:20261127")
    assert "19:00 free" in alice.text
