"""Volunteering as coordinators and residents meet it, in English and Chinese: an opportunity
made in chat, published and announced, signing up for a role with a waiting list, cancelling
(late cancellations tell the coordinator), cancelling the opportunity (everyone told)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from db.shift_models import ShiftSignupStatus as Status
from tests.events_support import queued
from tests.volunteering_support import coordinator, lines, make_opportunity, user_id


def test_a_coordinator_creates_publishes_and_a_resident_signs_up(
    resident, session_factory, clock, deliver, postbox
):
    cora = coordinator(resident, session_factory, clock)
    cora.send("/newopportunity")
    assert "New volunteer opportunity" in cora.text
    cora.send("社区运动会")
    cora.send("Community sports day")
    cora.press("Skip")
    cora.send("Help neighbours take part in the races.")
    cora.send("Nanshan Community")
    cora.send("Sports ground")
    cora.send("2026-11-28 09:00")
    cora.send("3h")
    cora.send("引导 / Usher x 1\n翻译 / Interpreter × 2 | en")
    assert "Usher × 1" in cora.text and "Interpreter × 2 (en)" in cora.text
    cora.press("Confirm")
    assert "Saved as a draft" in cora.text
    assert "Usher: 0 of 1" in cora.text
    cora.press("Publish")
    assert "Published" in cora.text

    lin = resident("Lin", "zh-hans")
    lin.send("/volunteer")
    assert "社区运动会" in lin.text
    lin.press("社区运动会")
    assert "引导：剩余 1 个名额，共 1 个" in lin.text or "引导" in lin.text
    lin.press("引导")
    lin.press("确认")
    assert "您已报名" in lin.text
    assert lines(session_factory, 1)[0][:2] == ("1001", Status.CONFIRMED)

    bob = resident("Bob", "en")
    bob.send("/volunteer")
    bob.press("Community sports day")
    assert "Usher: 0 places left of 1" in bob.text
    bob.press("Usher")
    bob.press("Confirm")
    assert "number 1 on the waiting list" in bob.text

    # Lin cancels within 24 hours of the start: Bob moves up, Cora hears at once.
    clock.advance(hours=20)
    lin.send("/myshifts")
    lin.press("社区运动会")
    lin.press("取消报名")
    lin.press("是")
    assert "已取消" in lin.text
    assert [row[:2] for row in lines(session_factory, 1)] == [
        ("1001", Status.CANCELLED),
        ("1002", Status.CONFIRMED),
    ]
    deliver()
    assert any("A place became free" in text for text in postbox.texts(bob.user_id))
    assert any("Lin cancelled their place as Usher" in text for text in postbox.texts(cora.user_id))


def test_cancelling_an_opportunity_tells_everyone_in_their_language(
    resident, session_factory, clock, deliver, postbox
):
    cora = coordinator(resident, session_factory, clock)
    make_opportunity(session_factory, clock(), coordinator_id=user_id(session_factory, cora))
    lin, bob = resident("Lin", "zh-hans"), resident("Bob", "en")
    for person in (lin, bob):
        person.send("/volunteer")
        person.press("运动会" if person is lin else "sports day")
        person.press("引导" if person is lin else "Usher")
        person.press("确认" if person is lin else "Confirm")
    cora.send("/coordinate")
    cora.press("Community sports day")
    cora.press("Cancel the opportunity")
    cora.press("Yes, cancel it")
    assert "2 people signed up are told" in cora.text
    deliver()
    assert any("已取消" in text for text in postbox.texts(lin.user_id))
    assert any("is cancelled" in text for text in postbox.texts(bob.user_id))
    assert not queued(session_factory, "vs.reminder") or all(
        row.status != "pending" for row in queued(session_factory, "vs.reminder")
    )


def test_bad_roles_are_answered_and_the_form_stays(resident, session_factory, clock):
    cora = coordinator(resident, session_factory, clock)
    cora.send("/newopportunity")
    answers = ("社区运动会", "Sports day", "—", "—", "Nanshan", "Ground", "2026-11-28 09:00", "2h")
    for answer in answers:
        cora.send(answer)
    cora.send("usher four")
    assert "I could not read “usher four”" in cora.text
    cora.send("Usher × 0")
    assert "from 1 to 500 places" in cora.text
    cora.send("Usher × 3")
    assert "Confirm" in " ".join(b.label for b in cora.buttons())


@pytest.mark.parametrize(
    ("lang", "skip", "confirm", "refusal", "asked", "saved"),
    [
        (
            "en",
            "Skip",
            "Confirm",
            "Please give the opportunity a title in at least one language.",
            "The title in Chinese (or Skip if there is none).",
            "Saved as a draft",
        ),
        (
            "zh-hans",
            "跳过",
            "确认",
            "请至少用一种语言填写活动标题。",
            "中文标题（没有的话请点“跳过”）。",
            "已保存为草稿",
        ),
    ],
)
def test_an_opportunity_with_no_title_is_refused_at_the_summary(
    resident, session_factory, clock, lang, skip, confirm, refusal, asked, saved
):
    """Both titles may be skipped one by one; Confirm then asks for the Chinese title again."""
    cora = coordinator(resident, session_factory, clock, lang=lang)
    cora.send("/newopportunity")
    for _ in range(4):  # both titles, both descriptions
        cora.press(skip)
    for answer in ("Nanshan", "Ground", "2026-11-28 09:00", "2h", "引导 / Usher × 2"):
        cora.send(answer)
    cora.press(confirm)
    assert refusal in cora.text and asked in cora.text
    cora.send("社区运动会")
    cora.press(confirm)
    assert saved in cora.text and "社区运动会" in cora.text


@pytest.mark.parametrize(
    ("lang", "skip", "confirm", "refusal", "asked"),
    [
        (
            "en",
            "Skip",
            "Confirm",
            "The start has already passed. Please change the start.",
            "When does the shift start?",
        ),
        ("zh-hans", "跳过", "确认", "开始时间已经过了。请修改开始时间。", "班次几点开始？"),
    ],
)
def test_a_shift_whose_start_passed_before_confirm_is_refused(
    resident, session_factory, clock, lang, skip, confirm, refusal, asked
):
    """The start was in the future when typed, not any more at Confirm: the start is asked
    again, and nothing is saved."""
    cora = coordinator(resident, session_factory, clock, lang=lang)
    cora.send("/newopportunity")
    cora.send("社区运动会")
    for _ in range(3):  # the English title, both descriptions
        cora.press(skip)
    for answer in ("Nanshan", "Ground", "2026-11-26 16:30", "2h", "引导 / Usher × 2"):
        cora.send(answer)
    clock.advance(minutes=45)
    cora.press(confirm)
    assert refusal in cora.text and asked in cora.text
    cora.send("2026-11-28 09:00")
    cora.press(confirm)
    assert "社区运动会" in cora.text and "11" in cora.text and "28" in cora.text


def test_residents_are_refused_the_coordinator_tools(resident, session_factory, clock):
    bob = resident("Bob", "en")
    bob.send("/newopportunity")
    assert bob.text == "Sorry, only volunteer coordinators can do this."
    bob.press_payload("vs:manage:1")
    assert bob.text == "Sorry, only volunteer coordinators can do this."


def test_a_forged_role_and_a_gone_opportunity(resident, session_factory, clock):
    bob = resident("Bob", "en")
    bob.press_payload("vs:signup:999")
    assert "no longer available" in bob.text
    bob.press_payload("vs:signup:abc")
    assert "no longer active" in bob.text


def test_the_card_puts_matching_opportunities_first(resident, session_factory, clock):
    make_opportunity(session_factory, clock(), title_en="Garden day", title_zh="花园日")
    make_opportunity(
        session_factory,
        clock(),
        title_en="Expo interpreters",
        title_zh="博览会翻译",
        starts_in=timedelta(days=5),
        roles=(("翻译", "Interpreter", 2, "en"),),
    )
    bob = resident("Bob", "en")
    bob.send("/volunteer")
    assert bob.text.index("Expo interpreters") < bob.text.index("Garden day")
    assert "⭐ Expo interpreters" in bob.text


def test_publishing_offers_a_notice_to_the_volunteer_topic(
    resident, session_factory, clock, registry, community, postbox
):
    """Residents who follow “🤝 Volunteer opportunities” get one notice, in their language,
    with a link to the card; a second press sends nothing more."""
    from db import notice_subscriptions as subs
    from db.notice_models import Topic
    from db.users import get_or_create_user
    from tests.notices_support import run_all

    clock.current = clock().replace(hour=3)  # 11:00 in Shanghai, outside quiet hours
    cora = coordinator(resident, session_factory, clock)
    make_opportunity(
        session_factory, clock(), coordinator_id=user_id(session_factory, cora), status="draft"
    )
    lin, bob = resident("Lin", "zh-hans"), resident("Bob")
    for person in (lin, bob):
        person.send("/start")
        with session_factory() as session, session.begin():
            user = get_or_create_user(
                session, transport="telegram", external_id=person.user_id, now=clock()
            )
            subs.set_topics(session, user, [Topic.VOLUNTEER], now=clock())
    cora.send("/coordinate")
    cora.press("Community sports day")
    cora.press("Publish")
    cora.press("Send a notice")
    assert "to 2 people" in cora.text
    cora.press("Send a notice")
    assert "already sent" in cora.text
    run_all(session_factory, registry, community, clock, postbox)
    [zh] = postbox.texts(lin.user_id)
    [en] = postbox.texts(bob.user_id)
    assert "新的志愿服务活动：社区运动会" in zh and "start=vo_1" in zh
    assert "A new volunteer opportunity: Community sports day" in en
    bob.send("/start vo_1")
    assert "Usher: 4 places left of 4" in bob.text


def test_a_moved_shift_is_confirmed_again_or_its_place_passes_on(
    resident, session_factory, clock, registry, community, deliver, postbox
):
    """Cora moves the shift: Lin and Bob are asked to confirm within 48 h; Lin does, Bob does
    not, so after 48 h Bob's place goes to Kim, first on the waiting list."""
    from tests.notices_support import sweeper

    cora = coordinator(resident, session_factory, clock)
    _, shift, _ = make_opportunity(
        session_factory,
        clock(),
        starts_in=timedelta(days=5),
        roles=(("引导", "Usher", 2, ""),),
        coordinator_id=user_id(session_factory, cora),
    )
    lin, bob, kim = resident("Lin", "zh-hans"), resident("Bob"), resident("Kim")
    for person in (lin, bob, kim):
        person.send("/volunteer")
        person.press("运动会" if person is lin else "sports day")
        person.press("引导" if person is lin else "Usher")
        person.press("确认" if person is lin else "Confirm")
    cora.press_payload(f"vs:shift:{shift}")
    cora.press("Move")
    cora.send("2026-12-03 09:00")
    cora.send("3h")
    cora.press("Confirm")
    assert "2 people signed up are asked to confirm within 48 hours" in cora.text
    deliver()
    [moved_zh] = [text for text in postbox.texts(lin.user_id) if "时间已调整" in text]
    assert "2026年12月3日" in moved_zh
    lin.replies = [reply for reply in postbox.to(lin.user_id) if "时间已调整" in reply.text]
    lin.press("我能来")
    assert "已为您保留" in lin.text
    clock.advance(hours=47)
    sweeper(session_factory, registry, community, clock).run()
    assert [row[1] for row in lines(session_factory, shift)] == [Status.CONFIRMED] * 2 + [
        Status.WAITING
    ]
    clock.advance(hours=2)
    sweeper(session_factory, registry, community, clock).run()
    assert [row[:2] for row in lines(session_factory, shift)] == [
        ("1001", Status.CONFIRMED),
        ("1002", Status.CANCELLED),
        ("1003", Status.CONFIRMED),
    ]
    deliver()
    assert any("went to someone else" in text for text in postbox.texts(bob.user_id))
    assert any("A place became free" in text for text in postbox.texts(kim.user_id))
