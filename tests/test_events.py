"""Events for residents, through the dispatcher, in both languages: the list, the card,
signing up with a party size, the waiting list, cancelling, offers, /myevents, the calendar file."""

from __future__ import annotations

from datetime import timedelta

import icalendar
import pytest

from bot.sweeper import Sweeper
from db.event_models import EventStatus
from handlers.i18n import language
from handlers.types import Kind
from tests.events_support import make_event, queued, signups


def test_events_list_pages_five_at_a_time_soonest_first(resident, session_factory, clock):
    for day in range(7, 0, -1):
        make_event(
            session_factory,
            clock(),
            title_en=f"Event on day {day}",
            title_zh=None,
            starts_in=timedelta(days=day),
        )
    make_event(session_factory, clock(), title_en="A draft", status=EventStatus.DRAFT)
    make_event(session_factory, clock(), title_en="Past", starts_in=timedelta(hours=-1))
    alice = resident("Alice", "en")
    alice.send("/events")
    assert "Upcoming events (page 1 of 2)" in alice.text
    labels = [b.label for b in alice.buttons()]
    assert labels == [
        "1. Event on day 1",
        "2. Event on day 2",
        "3. Event on day 3",
        "4. Event on day 4",
        "5. Event on day 5",
        "Next »",
    ]
    assert "Tue, Nov 27, 2026" not in alice.text  # shown in the community zone, not UTC naive
    assert "Fri, Nov 27, 2026, 16:00" in alice.text  # 08:00 UTC + 1 day = 16:00 Shanghai
    assert "10 places left" in alice.text
    assert not alice.replies[-1].edit  # /events is a new message …
    alice.press("Next »")
    assert "page 2 of 2" in alice.text
    assert alice.replies[-1].edit  # … and Next turns its page in place
    assert [b.label for b in alice.buttons()] == [
        "6. Event on day 6",
        "7. Event on day 7",
        "« Previous",
    ]
    assert "A draft" not in alice.text and "Past" not in alice.text


def test_menu_button_opens_the_list_in_chinese(resident, session_factory, clock):
    make_event(session_factory, clock(), title_en=None)
    wang = resident("Wang", "zh-hans")
    wang.send("/start")
    wang.press("活动")
    assert "近期活动（第 1/1 页）" in wang.text
    assert "中秋游园会" in wang.text and "剩余 10 个名额" in wang.text


def test_card_uses_the_readers_language_and_falls_back(resident, session_factory, clock):
    event_id = make_event(session_factory, clock(), title_en=None, description_en=None)
    alice = resident("Alice", "en")
    alice.send(f"/start ev_{event_id}")
    assert "🗓 中秋游园会" in alice.text  # no English title: the Chinese one
    assert "赏月、猜灯谜。" in alice.text
    assert "📍 Community centre hall" in alice.text
    assert "10 places left" in alice.text
    labels = [b.label for b in alice.buttons()]
    assert labels[:3] == ["✍️ Sign up", "📅 Add to calendar", "🔗 Share"]
    share = next(b for b in alice.buttons() if b.label == "🔗 Share")
    assert share.url == f"https://t.me/linli_test_bot?start=ev_{event_id}"
    assert "🛠 Manage" not in labels  # residents do not see the organiser's tools


def test_signup_confirmed_in_both_languages_and_reminders_queued(resident, session_factory, clock):
    event_id = make_event(session_factory, clock(), capacity=5)
    alice = resident("Alice", "en")
    alice.send(f"/start ev_{event_id}")
    alice.press("Sign up")
    assert "for 1 person?" in alice.text
    alice.press("Confirm")
    assert "You are signed up for “Mid-Autumn Garden Party” (1 person)" in alice.text
    assert "4 places left" in alice.text
    assert "Cancel my signup" in [b.label for b in alice.buttons()]
    wang = resident("Wang", "zh-hans")
    wang.send(f"/start ev_{event_id}")
    wang.press("报名")
    wang.press("确认")
    assert "您已报名“中秋游园会”（1 人）" in wang.text
    assert "👥 已有 2 人报名。" in wang.text
    assert "剩余 3 个名额" in wang.text
    reminders = queued(session_factory, "ev.reminder")
    assert sorted(r.due_at - clock() for r in reminders) == [
        timedelta(days=2),
        timedelta(days=2),
        timedelta(days=2, hours=22),
        timedelta(days=2, hours=22),
    ]
    # Signing up again shows the existing signup instead of a second one.
    alice.press_payload(f"ev:ok:{event_id}:1")
    assert "You have already signed up for this event." in alice.text
    assert [s[1] for s in signups(session_factory, event_id)] == ["confirmed", "confirmed"]


def test_party_size_then_waiting_list_position(resident, session_factory, clock):
    event_id = make_event(session_factory, clock(), capacity=3, max_party=4)
    alice = resident("Alice", "en")
    alice.send(f"/start ev_{event_id}")
    alice.press("Sign up")
    # At most 4 a signup, but only 3 places: a group of 4 is never offered.
    assert "How many people are coming, you included? (at most 3)" in alice.text
    assert [b.label for b in alice.buttons()] == ["1", "2", "3", "Back"]
    alice.press("3")
    assert "for 3 people?" in alice.text
    alice.press("Confirm")
    assert "(3 people)" in alice.text and "Full — waiting list" in alice.text
    bob = resident("Bob", "en")
    bob.send(f"/start ev_{event_id}")
    assert "Full — waiting list" in bob.text
    assert "👥 3 people are coming." in bob.text and "Alice" not in bob.text
    assert "Sign up" not in [b.label for b in bob.buttons()]
    bob.press("Join the waiting list")
    bob.press("2")
    assert bob.text == "“Mid-Autumn Garden Party” is full. Join the waiting list for 2 people?"
    bob.press("Confirm")
    assert "You are number 1 on the waiting list" in bob.text
    wang = resident("Wang", "zh-hans")
    wang.send(f"/start ev_{event_id}")
    assert "名额已满，可加入候补名单" in wang.text
    wang.press("加入候补名单")
    wang.press("1")
    wang.press("确认")
    assert "您在候补名单第 2 位" in wang.text
    wang.send("/myevents")
    assert "您在候补名单第 2 位" in wang.text and "中秋游园会" in wang.text
    wang.press("中秋游园会")  # the list opens the card in place, with a way back
    assert wang.replies[-1].edit and "📍" in wang.text
    wang.press("我的活动")
    assert wang.replies[-1].edit and wang.text.startswith("您的活动")
    wang.press("中秋游园会")
    wang.press("退出候补名单")  # on the waiting list, there is no place to give away
    assert wang.text == "确定退出“中秋游园会”的候补名单吗？"
    assert [b.label for b in wang.buttons()] == ["确定退出候补名单", "返回"]
    bob.press("Leave the waiting list")
    assert bob.text == "Leave the waiting list for “Mid-Autumn Garden Party”?"
    bob.press("Yes, leave the waiting list")
    wang.press("确定退出候补名单")
    assert "您的报名已取消" in wang.text


def test_cancel_offers_places_to_the_first_that_fit(resident, session_factory, clock):
    """Alice (2) cancels: Bob (3) does not fit, Carol (2) does and is offered; Bob keeps his
    place at the head of the line."""
    event_id = make_event(session_factory, clock(), capacity=3, max_party=3)
    alice, bob, carol, dan = (resident(n, "en") for n in ("Alice", "Bob", "Carol", "Dan"))
    dan.press_payload(f"ev:ok:{event_id}:1")
    alice.press_payload(f"ev:ok:{event_id}:2")
    bob.press_payload(f"ev:ok:{event_id}:3")
    carol.press_payload(f"ev:ok:{event_id}:2")
    assert "number 2 on the waiting list" in carol.text
    alice.press_payload(f"ev:cancel:{event_id}")
    assert "Cancel your signup" in alice.text
    alice.press("Yes, cancel my signup")
    assert "Your signup is cancelled." in alice.text
    assert signups(session_factory, event_id) == [
        ("1003", "confirmed", 1),
        ("1000", "cancelled", 2),
        ("1001", "waiting", 3),
        ("1002", "offered", 2),
    ]
    (offer,) = queued(session_factory, "ev.offer")
    assert offer.chat_id == "1002" and offer.params["party"] == 2
    carol.send(f"/start ev_{event_id}")
    assert "A place is free for you: please confirm by" in carol.text
    carol.press("Confirm my place")
    assert "Your place at “Mid-Autumn Garden Party” is confirmed." in carol.text
    assert [s[1] for s in signups(session_factory, event_id)] == [
        "confirmed",
        "cancelled",
        "waiting",
        "confirmed",
    ]
    # Alice's reminders are gone; Carol's are queued.
    assert {r.chat_id for r in queued(session_factory, "ev.reminder")} == {"1002", "1003"}


def test_declined_and_expired_offers_pass_down_the_line(
    resident, session_factory, clock, registry, community
):
    event_id = make_event(session_factory, clock(), capacity=1, starts_in=timedelta(days=5))
    people = [resident(n, "en") for n in ("A", "B", "C", "D")]
    for person in people:
        person.press_payload(f"ev:ok:{event_id}:1")
    people[0].press_payload(f"ev:cx:{event_id}")
    assert [s[1] for s in signups(session_factory, event_id)] == [
        "cancelled",
        "offered",
        "waiting",
        "waiting",
    ]
    offer = queued(session_factory, "ev.offer")[0]
    people[1].press_payload(f"ev:dec:{offer.params['signup_id']}")
    assert "You declined the place." in people[1].text
    # The place is held for a minute (Undo), then the sweep passes it on.
    sweeper = Sweeper(
        session_factory=session_factory, registry=registry, community=community, clock=clock
    )
    sweeper.run()
    assert [s[1] for s in signups(session_factory, event_id)][2:] == ["waiting", "waiting"]
    clock.advance(minutes=1, seconds=1)
    sweeper.run()
    assert [s[1] for s in signups(session_factory, event_id)][2:] == ["offered", "waiting"]
    # C does not answer. The offer (made at 16:00) has 12 hours, but its clock stops in the
    # quiet hours (22:00–08:00): 6 hours tonight, 6 tomorrow — it ends at 14:00, not at 04:00.
    offer_to_c = queued(session_factory, "ev.offer")[1]
    assert offer_to_c.params["expires_at"] == (clock() + timedelta(hours=22)).isoformat()
    clock.advance(hours=12, minutes=1)  # 04:01, asleep: the offer still stands
    sweeper.run()
    assert [s[1] for s in signups(session_factory, event_id)][2:] == ["offered", "waiting"]
    clock.advance(hours=9, minutes=58)
    sweeper.run()
    assert [s[1] for s in signups(session_factory, event_id)][2:] == ["offered", "waiting"]
    clock.advance(minutes=2)
    assert sweeper.run() == []
    assert [s[1] for s in signups(session_factory, event_id)][2:] == ["cancelled", "offered"]
    (expired,) = queued(session_factory, "ev.offer_expired")
    assert expired.chat_id == people[2].user_id
    # C's old button is answered, not obeyed.
    c_signup = queued(session_factory, "ev.offer")[1].params["signup_id"]
    people[2].press_payload(f"ev:acc:{c_signup}")
    assert "This offer is no longer open." in people[2].text


def test_offer_is_shorter_close_to_the_start(resident, session_factory, clock):
    event_id = make_event(session_factory, clock(), capacity=1, starts_in=timedelta(hours=6))
    first, second = resident("First", "en"), resident("Second", "en")
    first.press_payload(f"ev:ok:{event_id}:1")
    second.press_payload(f"ev:ok:{event_id}:1")
    first.press_payload(f"ev:cx:{event_id}")
    (offer,) = queued(session_factory, "ev.offer")
    assert offer.params["expires_at"] == (clock() + timedelta(hours=3)).isoformat()


def test_signups_close_at_the_deadline(resident, session_factory, clock):
    event_id = make_event(session_factory, clock(), deadline=clock() + timedelta(hours=1))
    alice = resident("Alice", "en")
    alice.send(f"/start ev_{event_id}")
    assert "Sign up by" in alice.text
    clock.advance(hours=2)
    alice.send(f"/start ev_{event_id}")
    assert "Signups are closed." in alice.text
    assert "✍️ Sign up" not in [b.label for b in alice.buttons()]
    alice.press_payload(f"ev:ok:{event_id}:1")
    assert "Sorry, signups for this event are closed." in alice.text
    assert signups(session_factory, event_id) == []


def test_a_forged_event_link_gets_a_clear_answer(resident, session_factory, clock):
    make_event(session_factory, clock())
    wang = resident("Wang", "zh-hans")
    wang.send("/start ev_²")
    assert "出了点问题" not in wang.text
    assert wang.text


@pytest.mark.parametrize(
    "payload",
    [
        "ev:card:99999",
        "ev:join:abc",
        "ev:ok:1:999",
        "ev:ok:1:0",
        "ev:ok:1",
        "ev:acc:99999",
        "ev:dec:-1",
        "ev:cx:99999",
        "ev:ics:",
        "ev:nonsense:1",
        "ev:org:1",
        "ev:killok:1",
        "ev:csv:1",
        "ev:card:²",  # a digit to str.isdigit, not to int()
        "ev:ok:1:²",
        "ev:card:999999999999",  # beyond a 32-bit integer column
    ],
)
def test_forged_buttons_get_a_clear_answer(resident, session_factory, clock, payload):
    make_event(session_factory, clock(), max_party=2)
    mallory = resident("Mallory", "en")
    mallory.press_payload(payload)
    assert mallory.text, "no answer"
    assert "something went wrong" not in mallory.text
    assert any(
        phrase in mallory.text
        for phrase in (
            "no longer available",
            "no longer active",
            "Please choose from 1 to 2 people.",
            "only event organisers can do this",
            "That button",
            "You are not signed up",
        )
    ), mallory.text
    assert signups(session_factory, 1) == []


def test_someone_elses_offer_cannot_be_taken(resident, session_factory, clock):
    event_id = make_event(session_factory, clock(), capacity=1)
    a, b, thief = resident("A", "en"), resident("B", "en"), resident("Thief", "en")
    a.press_payload(f"ev:ok:{event_id}:1")
    b.press_payload(f"ev:ok:{event_id}:1")
    a.press_payload(f"ev:cx:{event_id}")
    offer = queued(session_factory, "ev.offer")[0]
    thief.press_payload(f"ev:acc:{offer.params['signup_id']}")
    assert "no longer available" in thief.text
    assert [s[1] for s in signups(session_factory, event_id)] == ["cancelled", "offered"]


def test_add_to_calendar_sends_an_ics(resident, session_factory, clock):
    event_id = make_event(session_factory, clock())
    wang = resident("Wang", "zh-hans")
    wang.send(f"/start ev_{event_id}")
    wang.press("添加到日历")
    (reply,) = wang.replies
    assert reply.attachment is not None
    assert reply.attachment.filename == f"event-{event_id}.ics"
    assert reply.attachment.mime_type == "text/calendar"
    calendar = icalendar.Calendar.from_ical(reply.attachment.content)
    (entry,) = calendar.walk("VEVENT")
    assert str(entry["uid"]) == f"event-{event_id}@linli"
    assert str(entry["summary"]) == "中秋游园会"
    assert str(entry["location"]) == "Community centre hall"
    assert entry.decoded("dtstart") == clock() + timedelta(days=3)
    assert entry.decoded("dtstart").utcoffset() == timedelta(0)
    assert b"DTSTART:20261129T080000Z" in reply.attachment.content
    (alarm,) = entry.walk("VALARM")
    assert alarm.decoded("trigger") == timedelta(hours=-1)


def test_myevents_lists_signups_with_their_cards(resident, session_factory, clock):
    first = make_event(session_factory, clock(), title_en="Concert", capacity=1)
    second = make_event(session_factory, clock(), title_en="Salon", starts_in=timedelta(days=1))
    alice = resident("Alice", "en")
    alice.send("/myevents")
    assert "You have not signed up for any upcoming event." in alice.text
    resident("Zed", "en").press_payload(f"ev:ok:{first}:1")
    alice.press_payload(f"ev:ok:{first}:1")
    alice.press_payload(f"ev:ok:{second}:1")
    alice.send("/myevents")
    [listing] = alice.replies  # one message, not one per event
    assert listing.text.splitlines()[0] == "Your events:"
    assert listing.text.index("1. Salon") < listing.text.index("You are signed up (1 person)")
    assert listing.text.index("2. Concert") < listing.text.index("number 1 on the waiting list")
    assert [b.label for b in alice.buttons()] == ["1. Salon", "2. Concert"]
    alice.press("Concert")
    assert alice.text.startswith("🗓 Concert") and alice.replies[-1].edit


def test_share_on_the_console_shows_the_start_command(resident, session_factory, clock):
    event_id = make_event(session_factory, clock())
    person = resident("Con", "en", transport="console")
    person.dispatcher.community = type(person.dispatcher.community)(
        timezone=person.dispatcher.community.timezone, default_locale="en"
    )
    person.send(f"/start ev_{event_id}")
    person.press("Share")
    assert f"/start ev_{event_id}" in person.text


def test_a_photo_or_sticker_outside_a_form_is_answered(resident):
    alice = resident("Alice", "en")
    alice.send_kind(Kind.STICKER)  # no mistake: the menu, without an apology
    assert alice.text == "What would you like to do?" and alice.buttons()
    alice.send_kind(Kind.PHOTO, file_id="p")
    assert "did not understand" in alice.text


@pytest.mark.parametrize("code", ["en", "zh_Hans"])
def test_every_events_notice_renders_in_both_languages(registry, community, code):
    """What the outbox sends (offers, reminders, changes) renders from its stored parameters."""
    from handlers.i18n import language

    lang = language(code, community.timezone.key)
    params = {
        "event_id": 7,
        "title_zh": "冬季运动会",
        "title_en": None,
        "starts_at": "2026-12-20T01:00:00+00:00",
        "place": "体育馆",
    }
    extra = {
        "ev.offer": {
            "signup_id": 3,
            "party": 2,
            "expires_at": "2026-12-19T01:00:00+00:00",
            "window_s": 12 * 3600,
        },
        "ev.reminder": {"offset_s": 7200},
        "ev.message": {"text": "请带水杯。"},
    }
    texts = {}
    for name in sorted(t for t in registry.templates if t.startswith("ev.")):
        reply = registry.render(name, lang, {**params, **extra.get(name, {})})
        assert "冬季运动会" in reply.text, name
        texts[name] = reply.text
    assert len(texts) == 7
    if code == "en":
        assert "starts in 2 hours, at Sun, Dec 20, 2026, 09:00" in texts["ev.reminder"]
        assert (
            "for your group of 2. Please confirm within 12 hours (by Sat, Dec 19"
            in texts["ev.offer"]
        )
    else:
        assert "将于 2 小时后开始（2026年12月20日周日 09:00）" in texts["ev.reminder"]
        assert (
            "可供您 2 人参加。请在 12 小时内（2026年12月19日周六 09:00 前）确认"
            in texts["ev.offer"]
        )


def test_people_still_waiting_are_told_once_when_signups_close(
    resident, session_factory, clock, registry, community
):
    deadline = clock() + timedelta(days=1)
    event_id = make_event(
        session_factory, clock(), capacity=1, starts_in=timedelta(days=3), deadline=deadline
    )
    alice, bo, wang = resident("Alice", "en"), resident("Bo", "en"), resident("Wang", "zh-hans")
    for person in (alice, bo, wang):
        person.press_payload(f"ev:ok:{event_id}:1")
    bo.press_payload(f"ev:cx:{event_id}")  # Bo leaves the waiting list himself: not told
    sweeper = Sweeper(
        session_factory=session_factory, registry=registry, community=community, clock=clock
    )
    sweeper.run()
    assert queued(session_factory, "ev.list_closed") == [], "signups are still open"
    clock.advance(days=1, seconds=1)
    assert sweeper.run() == []
    sweeper.run()  # and again: still once
    (closed,) = queued(session_factory, "ev.list_closed")
    assert closed.chat_id == wang.user_id
    text = registry.render(
        "ev.list_closed", language("zh_Hans", community.timezone.key), closed.params
    ).text
    assert text.startswith("“中秋游园会”")
    assert "报名已截止" in text and "候补名单" in text


def test_a_group_that_does_not_fit_comes_with_fewer_or_waits(resident, session_factory, clock):
    """Two places left, a group of three: “Sign up 2 now” or “Wait for 3”, never put on the
    waiting list without being asked."""
    event_id = make_event(session_factory, clock(), capacity=3, max_party=3)
    dan, alice, wang = resident("Dan", "en"), resident("Alice", "en"), resident("Wang", "zh-hans")
    dan.press_payload(f"ev:ok:{event_id}:1")
    alice.send(f"/start ev_{event_id}")
    assert "2 places left" in alice.text
    alice.press("Sign up")
    alice.press("3")
    assert alice.text == (
        "Only 2 places are left at “Mid-Autumn Garden Party”. You can sign up 2 now, or put "
        "all 3 on the waiting list."
    )
    assert [b.label for b in alice.buttons()] == ["Sign up 2 now", "Wait for 3", "Back"]
    assert alice.replies[-1].edit  # the same message, changed
    alice.press("Sign up 2 now")
    assert "You are signed up for “Mid-Autumn Garden Party” (2 people)" in alice.text
    assert signups(session_factory, event_id)[1] == ("1001", "confirmed", 2)
    # A forged size bigger than the event is refused, and nothing is written.
    wang.press_payload(f"ev:ok:{event_id}:4")
    assert "请选择 1 到 3 人" in wang.text
    assert len(signups(session_factory, event_id)) == 2


@pytest.mark.parametrize(
    ("hint", "leave", "question"),
    [
        ("en", "Leave the waiting list", "Leave the waiting list for"),
        ("zh-hans", "退出候补名单", "退出"),
    ],
)
def test_a_waiting_place_is_left_not_cancelled(
    resident, session_factory, clock, hint, leave, question
):
    event_id = make_event(session_factory, clock(), capacity=1)
    resident("Dan", "en").press_payload(f"ev:ok:{event_id}:1")
    person = resident("P", hint)
    person.press_payload(f"ev:ok:{event_id}:1")  # full: the waiting list
    person.send(f"/start ev_{event_id}")
    labels = [b.label for b in person.buttons()]
    assert leave in labels and not any(
        label in ("Cancel my signup", "取消报名") for label in labels
    )
    person.press(leave)
    assert question in person.text


@pytest.mark.parametrize(
    ("hint", "fewer", "done"),
    [
        ("en", "Fewer people", "you are signed up for 1 person now"),
        ("zh-hans", "减少人数", "您的报名人数已改为 1 人"),
    ],
)
def test_two_become_one_without_cancelling(resident, session_factory, clock, hint, fewer, done):
    """Alice (2) comes alone after all: her place stays, the one she lets go is offered to
    Bob, who waits."""
    event_id = make_event(session_factory, clock(), capacity=2, max_party=2)
    alice, bob = resident("Alice", hint), resident("Bob", "en")
    alice.press_payload(f"ev:ok:{event_id}:2")
    bob.press_payload(f"ev:ok:{event_id}:1")
    alice.send(f"/start ev_{event_id}")
    alice.press(fewer)
    assert next(b.label for b in alice.buttons()) == "1"
    alice.press("1")
    assert done in alice.text
    assert signups(session_factory, event_id) == [
        ("1000", "confirmed", 1),
        ("1001", "offered", 1),
    ]
    alice.press_payload(f"ev:set_fewer:{event_id}:1")  # again: nothing more to give back
    assert signups(session_factory, event_id)[0] == ("1000", "confirmed", 1)
