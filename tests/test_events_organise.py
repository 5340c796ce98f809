"""Organisers: /newevent in both languages with bad input, and each event's tools — attendees,
CSV, message, reschedule, capacity, cancel — with what attendees receive, in their language."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.flood import FloodGuard
from db.event_models import Event, EventStatus
from db.models import OutboxMessage, OutboxStatus, User
from handlers.types import Kind
from tests.events_support import make_event, queued, signups
from tests.support import PostBox, give_role, run_outbox, step


@pytest.fixture
def organiser(resident, session_factory, clock):
    """Olivia, an organiser, in English; more with ``organiser("Name", "zh-hans")``."""

    def make(name: str = "Olivia", hint: str = "en"):
        return give_role(session_factory, clock, resident(name, hint), "organiser")

    return make


def _user_id(session_factory, person) -> int:
    with session_factory() as session:
        return session.scalar(select(User.id).where(User.external_id == person.user_id))


def test_residents_cannot_create_events(resident):
    alice = resident("Alice", "en")
    alice.send("/newevent")
    assert alice.text == "Sorry, only event organisers can do this."
    alice.send("/myorganised")
    assert "only event organisers can do this" in alice.text
    wang = resident("Wang", "zh-hans")
    wang.send("/newevent")
    assert wang.text == "抱歉，只有活动组织者可以这样做。"


def test_newevent_in_english_published_now(organiser, session_factory, clock):
    olivia = organiser()
    olivia.send("/newevent")
    assert "New event" in olivia.text and "title in Chinese" in olivia.text
    assert "Optional" not in olivia.text, "the question already says what Skip does"
    olivia.send("七夕交友晚会")
    olivia.send("Qixi Evening")
    assert "(Optional: press Skip if you have nothing to add.)" in olivia.text
    olivia.send("x" * 2001)
    assert "That is too long (2001 characters)" in olivia.text
    olivia.press("Skip")  # no Chinese description
    olivia.send("Meet your neighbours.")
    olivia.send("next Friday-ish")
    assert "could not read “next Friday-ish” as a date." in olivia.text
    olivia.send("12月24日晚上7点")
    olivia.send("2.5h")
    olivia.send("Community centre, 2nd floor hall")
    olivia.send("many")
    assert "“many” is not a whole number" in olivia.text
    olivia.send("30")
    olivia.send("11")
    assert "Please send a number from 1 to 10." in olivia.text
    olivia.send("4")
    olivia.send("12/24 12:00")
    olivia.press("Publish now")
    assert "Please check your answers:" in olivia.text
    assert "• Start: Thu, Dec 24, 2026, 19:00" in olivia.text
    assert "• End: Thu, Dec 24, 2026, 21:30" in olivia.text
    assert "• Places: 30" in olivia.text
    olivia.press("Confirm")
    assert "The event is published." in olivia.text
    assert "🗓 Qixi Evening" in olivia.text and "30 places left" in olivia.text
    assert "🛠 Manage" in [b.label for b in olivia.buttons()]
    with session_factory() as session:
        event = session.scalar(select(Event))
    assert (event.title_zh, event.title_en, event.description_zh) == (
        "七夕交友晚会",
        "Qixi Evening",
        None,
    )
    assert event.starts_at.isoformat() == "2026-12-24T11:00:00+00:00"
    assert event.signup_deadline.isoformat() == "2026-12-24T04:00:00+00:00"
    assert (event.capacity, event.max_party, event.status) == (30, 4, EventStatus.PUBLISHED)
    assert event.organiser_id == _user_id(session_factory, olivia)


@pytest.mark.parametrize(
    ("hint", "typed", "shown"),
    [
        ("zh-hans", "12月20日", "2026年12月20日周日 23:59"),
        ("en", "2026-12-20", "Sun, Dec 20, 2026, 23:59"),
    ],
)
def test_a_signup_deadline_without_a_time_means_the_end_of_that_day(
    organiser, session_factory, hint, typed, shown
):
    olivia = organiser("Olivia", hint)
    olivia.send("/newevent")
    olivia.send("冬至包饺子")
    olivia.send("Dumplings for the winter solstice")
    olivia.press("跳过" if hint == "zh-hans" else "Skip")
    olivia.press("跳过" if hint == "zh-hans" else "Skip")
    olivia.send("2026-12-21 18:00")
    olivia.send("2h")
    olivia.send("Community kitchen")
    olivia.send("20")
    olivia.send("2")
    olivia.send(typed)
    assert step(olivia, 11, 11) in olivia.text, "a date alone is a deadline"
    olivia.press("现在发布" if hint == "zh-hans" else "Publish now")
    assert shown in olivia.text
    olivia.press("✅ 确认" if hint == "zh-hans" else "✅ Confirm")
    with session_factory() as session:
        deadline = session.scalar(select(Event.signup_deadline))
    assert deadline.isoformat() == "2026-12-20T15:59:00+00:00"


def test_newevent_in_chinese_as_a_draft_then_published(organiser, resident, session_factory):
    li = organiser("Li", "zh-hans")
    li.send("/newevent")
    assert "中文标题（没有的话请点“跳过”）。" in li.text
    assert "选填" not in li.text, "the question already says what Skip does"
    li.press("跳过")  # no Chinese title: the English one is now required
    assert "英文标题。（活动至少需要一种语言的标题。）" in li.text
    assert "跳过" not in [b.label for b in li.buttons()]
    li.send("Winter Sports Day")
    li.press("跳过")
    li.press("跳过")
    li.send("2026-12-20 09:00")
    li.send("12:00")
    li.send("体育馆")
    li.press("不限")
    li.send("1")
    li.press("跳过")
    li.press("先存为草稿")
    assert "• 名额：不限" in li.text
    li.press("确认")
    assert "已存为草稿" in li.text and "📝 草稿：只有您能看到。" in li.text
    alice = resident("Alice", "en")
    alice.send("/events")
    assert "There are no upcoming events right now." in alice.text
    li.press("管理")
    li.press("发布")
    assert "活动已发布" in li.text and "名额：不限" in li.text
    alice.send("/events")
    assert "Winter Sports Day" in alice.text and "Places: no limit" in alice.text


@pytest.mark.parametrize(
    ("hint", "skip", "publish", "confirm", "published"),
    [
        ("en", "Skip", "Publish now", "✅ Confirm", "✅ The event is published."),
        ("zh-hans", "跳过", "现在发布", "✅ 确认", "✅ 活动已发布"),
    ],
)
def test_newevent_confirms_once_in_place_of_its_summary(
    organiser, hint, skip, publish, confirm, published
):
    """After Confirm, one message: the summary becomes the published event (its Confirm and
    change buttons go), not the summary left above a second confirmation."""
    olivia = organiser("Olivia", hint)
    olivia.send("/newevent")
    for answer in ("冬至包饺子", "Dumplings", "来包饺子。", "Come and make dumplings."):
        olivia.send(answer)
    for answer in ("2026-12-21 18:00", "2h", "Community kitchen", "20", "2"):
        olivia.send(answer)
    olivia.press(skip)
    olivia.press(publish)
    summary = olivia.replies[-1]
    assert summary.transient and any(b.label == confirm for b in olivia.buttons())
    olivia.press(confirm)
    assert len(olivia.replies) == 1, [reply.text for reply in olivia.replies]
    (card,) = olivia.replies
    assert card.edit, "the summary is edited into the event, not left above it"
    assert card.text.startswith(published)
    assert confirm not in [b.label for b in olivia.buttons()]


def test_deadline_after_the_start_is_refused_at_the_summary(organiser, session_factory):
    olivia = organiser()
    olivia.send("/newevent")
    olivia.send("音乐会")
    olivia.press("Skip")
    olivia.press("Skip")
    olivia.press("Skip")
    olivia.send("2026-12-24 19:00")
    olivia.send("2h")
    olivia.send("Hall")
    olivia.send("10")
    olivia.send("1")
    olivia.send("2026-12-25 10:00")
    olivia.press("Publish now")
    olivia.press("Confirm")
    assert "The signup deadline must be before the start." in olivia.text
    assert "Until when can people sign up?" in olivia.text  # that question, asked again
    with session_factory() as session:
        assert session.scalar(select(Event)) is None
    olivia.send("2026-12-23 18:00")
    assert "Please check your answers:" in olivia.text  # and back to the summary
    olivia.press("Confirm")
    assert "The event is published." in olivia.text


def _event_with_people(session_factory, clock, olivia, resident, *, capacity=3):
    event_id = make_event(
        session_factory,
        clock(),
        capacity=capacity,
        max_party=3,
        organiser_id=_user_id(session_factory, olivia),
    )
    wang = resident("王小明", "zh-hans")
    alice = resident("Alice", "en")
    bob = resident("Bob", "en")
    wang.press_payload(f"ev:ok:{event_id}:2")
    alice.press_payload(f"ev:ok:{event_id}:1")
    bob.press_payload(f"ev:ok:{event_id}:2")
    return event_id, wang, alice, bob


@pytest.mark.parametrize(
    ("hint", "expected"),
    [("en", "People coming: 1 · Signups: 1"), ("zh-hans", "参加人数：1 · 报名次数：1")],
)
def test_one_attendee_is_counted_in_plain_words(
    organiser, resident, session_factory, clock, hint, expected
):
    olivia = organiser("Olivia", hint)
    event_id = make_event(session_factory, clock(), organiser_id=_user_id(session_factory, olivia))
    resident("Alice", "en").press_payload(f"ev:ok:{event_id}:1")
    olivia.press_payload(f"ev:org:{event_id}")
    assert expected in olivia.text  # not "1 people in 1 signups"


def test_attendees_are_shown_only_to_the_organiser_and_admins(
    organiser, resident, session_factory, clock
):
    olivia = organiser()
    event_id, _wang, alice, _bob = _event_with_people(session_factory, clock, olivia, resident)
    olivia.send("/myorganised")
    assert "Mid-Autumn Garden Party" in olivia.text and "Full — waiting list" in olivia.text
    olivia.press("Mid-Autumn")
    assert "People coming: 3 · Signups: 2" in olivia.text
    assert "✅ 王小明 × 2" in olivia.text and "✅ Alice × 1" in olivia.text
    assert "Waiting list:\n  1. Bob × 2" in olivia.text
    # A resident forging the organiser's button sees nobody's name.
    alice.press_payload(f"ev:org:{event_id}")
    assert "only event organisers can do this" in alice.text
    assert "王小明" not in alice.text
    other = organiser("Oscar")
    other.press_payload(f"ev:org:{event_id}")
    assert "only the event's organiser and admins" in other.text
    admin = resident("Admin", "en", user_id="9000")
    admin.press_payload(f"ev:org:{event_id}")
    assert "Waiting list:" in admin.text
    admin.send("/myorganised")
    assert "Mid-Autumn Garden Party" in admin.text


def test_csv_export_opens_in_excel_with_chinese(organiser, resident, session_factory, clock):
    olivia = organiser("Li", "zh-hans")
    event_id, *_ = _event_with_people(session_factory, clock, olivia, resident)
    olivia.press_payload(f"ev:csv:{event_id}")
    (reply,) = olivia.replies
    assert reply.attachment.filename == f"event-{event_id}-attendees.csv"
    assert reply.attachment.content.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM
    rows = list(csv.reader(io.StringIO(reply.attachment.content.decode("utf-8-sig"))))
    assert rows[0] == ["姓名", "用户名", "人数", "状态", "报名时间"]
    assert [row[:4] for row in rows[1:]] == [
        ["王小明", "", "2", "已确认"],
        ["Alice", "", "1", "已确认"],
        ["Bob", "", "2", "候补名单"],
    ]


def test_message_all_attendees_arrives_in_each_language(
    organiser, resident, session_factory, clock, registry, community
):
    olivia = organiser()
    event_id, wang, alice, bob = _event_with_people(session_factory, clock, olivia, resident)
    olivia.press_payload(f"ev:org:{event_id}")
    olivia.press("Message attendees")
    olivia.send("Please bring a lantern.")
    assert olivia.text == "Send to 2 attendees?"  # one line, not a summary
    olivia.press("Send")
    assert "Your message is on its way to 2 attendees." in olivia.text
    labels = [b.label for row in olivia.replies[-1].buttons for b in row]
    assert labels == ["⬅️ Back to the event", "« Menu"]
    inbox = PostBox()
    run_outbox(session_factory, registry, community, clock, inbox)
    assert inbox.texts(wang.user_id) == ["📣 “中秋游园会”组织者的消息：\nPlease bring a lantern."]
    assert inbox.texts(alice.user_id) == [
        "📣 A message from the organiser of “Mid-Autumn Garden Party”:\nPlease bring a lantern."
    ]
    assert inbox.texts(bob.user_id) == []  # waiting, not attending


def test_reschedule_moves_reminders_and_tells_everyone(
    organiser, resident, session_factory, clock, registry, community
):
    olivia = organiser()
    event_id, wang, alice, bob = _event_with_people(session_factory, clock, olivia, resident)
    before = {(r.chat_id, r.due_at) for r in queued(session_factory, "ev.reminder")}
    assert len(before) == 4  # two attendees × (24 h, 2 h)
    olivia.press_payload(f"ev:resch:{event_id}")
    olivia.send("2026-12-05 19:00")
    olivia.send("3h")
    olivia.press("Confirm")
    assert "Moved. Everyone signed up is told the new time." in olivia.text
    reminders = queued(session_factory, "ev.reminder")
    new_start = clock().replace(month=12, day=5, hour=11)
    assert sorted((r.chat_id, r.due_at) for r in reminders) == sorted(
        (chat, new_start - offset)
        for chat in (wang.user_id, alice.user_id)
        for offset in (timedelta(hours=24), timedelta(hours=2))
    )
    inbox = PostBox()
    run_outbox(session_factory, registry, community, clock, inbox)
    assert inbox.texts(wang.user_id) == [
        "🕒 “中秋游园会”的时间已更改为 2026年12月5日周六 19:00。地点：Community centre hall"
    ]
    assert inbox.texts(alice.user_id)[0].startswith(
        "🕒 “Mid-Autumn Garden Party” has moved to a new time: Sat, Dec 5, 2026, 19:00."
    )
    assert len(inbox.texts(bob.user_id)) == 1  # the waiting list is told too


def test_moving_an_event_back_to_an_earlier_time_is_told_too(
    organiser, resident, session_factory, clock, registry, community
):
    """Moved to Dec 5, then Dec 6, then back to Dec 5: everyone hears all three, the last one
    included (not taken for a repeat of the first)."""
    olivia = organiser()
    event_id, wang, alice, _bob = _event_with_people(session_factory, clock, olivia, resident)
    inbox = PostBox()
    for day in (5, 6, 5):
        olivia.press_payload(f"ev:resch:{event_id}")
        olivia.send(f"2026-12-0{day} 19:00")
        olivia.send("3h")
        olivia.press("Confirm")
        assert "Moved. Everyone signed up is told the new time." in olivia.text
        run_outbox(session_factory, registry, community, clock, inbox)
        clock.advance(minutes=1)
    assert inbox.texts(wang.user_id)[-1] == (
        "🕒 “中秋游园会”的时间已更改为 2026年12月5日周六 19:00。地点：Community centre hall"
    )
    assert len(inbox.texts(wang.user_id)) == 3
    [*_, last] = inbox.texts(alice.user_id)
    assert len(inbox.texts(alice.user_id)) == 3
    assert last.startswith(
        "🕒 “Mid-Autumn Garden Party” has moved to a new time: Sat, Dec 5, 2026, 19:00."
    )


def test_cancel_event_tells_everyone_and_removes_reminders(
    organiser, resident, session_factory, clock, registry, community
):
    olivia = organiser()
    event_id, wang, alice, _bob = _event_with_people(session_factory, clock, olivia, resident)
    olivia.press_payload(f"ev:kill:{event_id}")
    assert "Cancel “Mid-Autumn Garden Party” for everyone?" in olivia.text
    olivia.press("Yes, cancel the event")
    assert "The event is cancelled. 3 people signed up are being told." in olivia.text
    labels = [b.label for row in olivia.replies[-1].buttons for b in row]
    assert labels == ["🛠 My events", "« Menu"]  # a way back, not a dead end
    olivia.press("🛠 My events")
    assert "Mid-Autumn Garden Party" not in olivia.text  # cancelled: no longer upcoming
    assert queued(session_factory, "ev.reminder") == []
    inbox = PostBox()
    run_outbox(session_factory, registry, community, clock, inbox)
    assert inbox.texts(wang.user_id) == [
        "❌ 很抱歉，2026年11月29日周日 16:00 的“中秋游园会”已取消。您的报名已撤销。"
    ]
    assert inbox.texts(alice.user_id)[0].startswith("❌ Sorry, “Mid-Autumn Garden Party”")
    alice.press_payload(f"ev:card:{event_id}")
    assert "no longer available" in alice.text
    alice.press_payload(f"ev:ok:{event_id}:1")
    assert "no longer available" in alice.text
    olivia.press_payload(f"ev:killok:{event_id}")
    assert "already cancelled" in olivia.text


def test_more_places_with_nobody_waiting_says_only_that_places_were_updated(
    organiser, session_factory, clock
):
    li = organiser("Li", "zh-hans")
    event_id = make_event(
        session_factory, clock(), capacity=10, organiser_id=_user_id(session_factory, li)
    )
    li.press_payload(f"ev:cap:{event_id}")
    li.send("12")
    li.press("✅ 确认")
    assert li.text.startswith("名额已更新。\n")
    assert "0 位" not in li.text


def test_raising_capacity_offers_places_and_lowering_below_held_is_refused(
    organiser, resident, session_factory, clock, registry, community
):
    olivia = organiser()
    event_id, _wang, _alice, bob = _event_with_people(session_factory, clock, olivia, resident)
    olivia.press_payload(f"ev:cap:{event_id}")
    olivia.send("2")
    olivia.press("Confirm")
    assert "3 places are already taken or offered. Please send 3 or more." in olivia.text
    assert "How many places are there?" in olivia.text  # asked again at once, nothing to find
    olivia.send("5")
    olivia.press("Confirm")
    assert "Places updated. 1 person on the waiting list was offered a place." in olivia.text
    assert signups(session_factory, event_id)[-1] == (bob.user_id, "offered", 2)
    inbox = PostBox()
    run_outbox(session_factory, registry, community, clock, inbox)
    (offer,) = inbox.to(bob.user_id)
    assert offer.text.startswith("🎟 Places are free at “Mid-Autumn Garden Party”")
    assert [b.label for row in offer.buttons for b in row] == ["✅ Confirm my place", "Decline"]
    bob.press_payload(offer.buttons[0][0].payload)
    assert "is confirmed" in bob.text
    olivia.press_payload(f"ev:cap:{event_id}")
    olivia.send("8")
    olivia.press("Confirm")
    assert olivia.text.startswith("Places updated.\n"), "no “0 people were offered” when none"
    with session_factory() as session:
        sent = session.scalars(
            select(OutboxMessage.status).where(OutboxMessage.template == "ev.offer")
        ).all()
    assert sent == [OutboxStatus.SENT]


def test_changing_the_start_after_the_end_moves_the_end_with_it(
    organiser, session_factory, dispatcher
):
    """Bad input on the way (a sticker, a photo) is answered and the form stays; a start moved
    after the end was given takes the end with it (the length stays), and typing the end again
    sets it."""
    dispatcher.flood = FloodGuard(limit=100)  # a person types slower than this test
    olivia = organiser()
    olivia.send("/newevent")
    olivia.send_kind(Kind.STICKER)  # no mistake: the question again
    assert "Please send text." not in olivia.text and "title in Chinese" in olivia.text
    olivia.send("龙舟赛")
    olivia.press("Skip")
    olivia.press("Skip")
    olivia.press("Skip")
    olivia.send("2026-12-24 09:00")
    olivia.send("12:00")
    olivia.send_kind(Kind.PHOTO, file_id="p1")
    assert "Please send text." in olivia.text and "Where is it?" in olivia.text
    olivia.send("Jincheng Lake")
    olivia.press("Unlimited")
    olivia.send("2")
    olivia.press("Skip")
    olivia.press("Publish now")
    olivia.press("✏️ Start")
    olivia.send("2026-12-24 14:00")
    assert "Please check your answers:" in olivia.text
    assert "17:00" in olivia.text  # 09:00–12:00 moved to 14:00: it ends at 17:00
    olivia.press("✏️ End")
    olivia.send("3h")
    olivia.press("Confirm")
    assert "The event is published." in olivia.text and "Places: no limit" in olivia.text
    with session_factory() as session:
        event = session.scalar(select(Event))
    assert (event.title_zh, event.title_en, event.capacity, event.max_party) == (
        "龙舟赛",
        None,
        None,
        2,
    )
    assert event.ends_at - event.starts_at == timedelta(hours=3)


def test_help_shows_organiser_commands_to_organisers_and_admins(organiser, resident):
    olivia = organiser("Li", "zh-hans")
    olivia.send("/help")
    assert "组织者可用：\n/newevent — 创建活动\n/myorganised — 我组织的活动" in olivia.text
    admin = resident("Admin", "en", user_id="9000")
    admin.send("/help")
    assert "For organisers: /newevent /myorganised" in admin.text
    alice = resident("Alice", "en")
    alice.send("/help")
    assert "/newevent" not in alice.text and "/events /myevents — community events" in alice.text
