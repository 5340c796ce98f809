"""Volunteering and the 格格屋 rooms for a 繁體 reader: what staff wrote (a shift's title, roles,
place and organiser; a room's name, description and house rules) and what a neighbour wrote (a
booking's purpose, read by the front desk) in Traditional characters, and the service's own
words in Taiwan usage (志工, 職務, 預約, 櫃檯, 審核)."""

from __future__ import annotations

import re

from sqlalchemy import update

from db.room_models import Room
from tests.rooms_support import make_room
from tests.support import give_role
from tests.volunteering_support import make_opportunity

HAN_SIMPLIFIED = re.compile("[们动后这报岗务运会区场须约预间]")


def _simplified_left(text: str) -> set[str]:
    return set(HAN_SIMPLIFIED.findall(text))


def test_a_traditional_volunteer_reads_the_shift_in_traditional(
    resident, session_factory, clock, deliver, postbox
):
    make_opportunity(
        session_factory,
        clock(),
        roles=(("引导", "Usher", 4, ""), ("翻译", "Interpreter", 2, "en")),
        place="社区体育场东门",
        organiser="南山社区居委会",
    )
    lin = resident("Lin", "zh-tw")
    lin.send("/volunteer")
    assert "社區運動會" in lin.text and "南山社區居委會" in lin.text
    lin.press("社區運動會")
    card = lin.text
    assert "幫助居民參加比賽。" in card
    assert "📍 社區體育場東門" in card and "🏢 組織者：南山社區居委會" in card
    assert "引導：剩餘 4 個名額，共 4 個" in card and "翻譯：剩餘 2 個名額" in card
    assert _simplified_left(card) == set()
    lin.press("引導")
    assert "確定報名" in lin.text and "引導職務" in lin.text  # 職務, not 崗位
    lin.press("確認")
    signed = lin.text
    assert "您已報名" in signed and "的引導職務" in signed and "志願服務負責人" in signed
    assert "崗位" not in signed and _simplified_left(signed) == set()
    lin.send("/myshifts")
    assert "您報名的班次：" in lin.text and "社區運動會" in lin.text
    clock.advance(days=2, hours=1)  # the day before: the reminder goes out
    deliver()
    [reminder] = [t for t in postbox.texts(lin.user_id) if "提醒" in t]
    assert "「社區運動會」" in reminder and "在社區體育場東門開始" in reminder
    assert _simplified_left(reminder) == set()


def test_a_traditional_reader_books_a_room_and_the_front_desk_reads_it_in_traditional(
    resident, session_factory, clock, deliver, postbox
):
    make_room(session_factory, clock(), book_role=None)
    chen = resident("Chen", "zh-hans")  # writes the purpose in Simplified
    chen.send("/rooms")
    chen.press("棋牌活动室")
    chen.press("11月27日周五")
    chen.press("19:00")
    chen.press("21:00")
    chen.send("围棋社每周活动")
    chen.send("6")
    chen.press("确认")
    assert "#B-0001" in chen.text

    desk = give_role(session_factory, clock, resident("Mei", "zh-hk"), "organiser")
    desk.send("/rooms")
    assert "棋牌活動室" in desk.text
    desk.send("/roomsday")
    clock.advance(days=1)
    desk.send("/roomsday")
    assert "圍棋社每週活動" in desk.text and "围棋社" not in desk.text

    lin = resident("Lin", "zh-tw")
    lin.send("/rooms")
    assert "棋牌活動室" in lin.text and "預約哪個空間" in lin.text
    lin.press("棋牌活動室")
    assert "棋牌、圍棋、象棋。" in lin.text
    lin.press("11月27日週五")
    lin.press("17:00")
    lin.press("19:00")
    lin.send("讀書會")
    lin.send("3")
    assert "使用須知：請保持安靜，離開前把桌椅歸位。" in lin.text
    lin.press("確認")
    booked = lin.text
    assert "✅ 已預約。" in booked and "用途：讀書會。人數：3。" in booked
    assert "簽到" in booked and _simplified_left(booked) == set()


def test_an_approval_in_traditional_reads_as_taiwan_writes(
    resident, session_factory, clock, deliver, postbox
):
    """審核 / 核准 / 通過審核 (OpenCC alone writes 透過審核, "by means of")."""
    make_room(session_factory, clock())
    with session_factory() as session, session.begin():
        session.execute(update(Room).values(needs_approval=True))
    admin = resident("Admin", "zh-hk", user_id="9000")
    admin.send("/start")
    wang = resident("Wang", "zh-hans")
    wang.send("/rooms")
    wang.press("棋牌活动室")
    wang.press("11月27日周五")
    wang.press("19:00")
    wang.press("21:00")
    wang.send("围棋社每周活动")
    wang.send("6")
    wang.press("确认")
    assert "需要管理员审核" in wang.text
    deliver()
    [card] = postbox.to("9000")
    assert "🏠 有一個預約需要您審核：" in card.text
    assert "棋牌活動室" in card.text and "圍棋社每週活動" in card.text
    assert card.buttons[0][0].label == "✅ 核准"
    admin.press_payload(card.buttons[0][0].payload)
    assert "✅ 已核准：#B-0001" in admin.text

    lin = resident("Lin", "zh-tw")
    lin.send("/rooms")
    lin.press("棋牌活動室")
    lin.press("11月28日週六")
    lin.press("10:00")
    lin.press("11:00")
    lin.send("讀書會")
    lin.send("3")
    lin.press("確認")
    assert "⏳ 已提交申請。這個空間需要管理員審核" in lin.text
    deliver()
    [card] = [r for r in postbox.to("9000") if "讀書會" in r.text]
    admin.press_payload(card.buttons[0][0].payload)
    deliver()
    approved = postbox.texts(lin.user_id)[-1]
    assert "✅ 您的預約 #B-0002（棋牌活動室，" in approved and "已通過審核。" in approved
    assert "透過" not in approved
