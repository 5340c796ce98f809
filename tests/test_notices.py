"""Community notices, as residents and announcers meet them: subscribing, writing, sending in
each reader's language, quiet hours, cancel, correction, bad input."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import ClassVar

import pytest
from sqlalchemy import select

from bot.outbox import DeliveryError
from db.models import User
from db.users import revoke_role
from tests.notices_support import (
    add_buildings,
    announcer,
    neighbour,
    notices,
    run_all,
    sweeper,
    write_notice,
)
from tests.support import PostBox, loose_dispatcher


@pytest.fixture
def dispatcher(session_factory, registry, community, clock):
    """An announcer fills in several forms in a row: flood control is not what these test."""
    return loose_dispatcher(session_factory, registry, community, clock)


def test_a_notice_reaches_subscribers_in_their_language(
    resident, session_factory, registry, community, clock, postbox
):
    li = neighbour(resident, "Li", "zh")
    ana = neighbour(resident, "Ana", "en")
    neighbour(resident, "Bo", "en", topics="no")
    ann = announcer(resident, session_factory, clock)
    write_notice(ann, confirm=False)
    assert "Readers it will reach now: 2 (1 in 简体, 0 in 繁體, 1 in English)." in ann.text
    ann.press("Confirm and send")
    assert "Notice #1 is going out now" in ann.text
    run_all(session_factory, registry, community, clock, postbox)
    assert any("明天 9:00 至 12:00 停水。" in t for t in postbox.texts(li.user_id))
    assert any("Water is off tomorrow" in t for t in postbox.texts(ana.user_id))
    assert not postbox.texts("1002")
    [notice] = notices(session_factory)
    assert notice.status == "sent"
    card = postbox.cards_in(ann.user_id)
    assert any("Sent 2 of 2 · 0 unreachable" in c.text for c in card), [c.text for c in card]


def test_welcome_asks_once_and_assumes_nothing(resident, session_factory):
    bo = neighbour(resident, "Bo", "en", topics="no")
    assert "no notices" in bo.text
    bo.send("/start")
    assert "Would you like to receive them?" not in bo.text  # asked once
    bo.send("/notices")
    assert "You receive no notices." in bo.text
    quiet = resident("Quiet", "en")
    quiet.send("/start")  # never answers: nothing assumed
    with session_factory() as session:
        from db.notice_models import NoticeConsent

        assert session.query(NoticeConsent).count() == 0


def test_one_tap_changes_topics_building_and_stops(resident, session_factory, clock):
    add_buildings(session_factory, clock, "1栋", "3栋")
    ana = neighbour(resident, "Ana", "en")
    assert "You receive: 📰 Community news and ⚠️ Safety and weather" in ana.text
    ana.press("Building works")
    assert "🔧 Building works and outages" in ana.text and ana.replies[-1].edit
    ana.press("Community news")  # off again
    assert "You receive: 🔧 Building works and outages and ⚠️ Safety and weather" in ana.text
    ana.press("My building")
    ana.press("3栋")
    assert "Your building: 3栋" in ana.text
    ana.press("Stop all notices")
    assert "You receive no notices." in ana.text
    ana.press_payload("nt:t:forged")  # a forged topic changes nothing
    assert ana.text.startswith("That button is no longer active.")
    ana.send("/notices")
    assert "You receive no notices." in ana.text
    ana.press_payload("nt:bs:999")  # a building that does not exist
    assert "Which building do you live in?" in ana.text


def test_chosen_buildings_reach_only_their_residents(
    resident, session_factory, registry, community, clock, postbox
):
    add_buildings(session_factory, clock, "1栋", "3栋")
    people = {}
    for name, building in (("A", "1栋"), ("B", "3栋"), ("C", None)):
        person = neighbour(resident, name, "en")
        person.press("Building works")
        if building:
            person.press("My building")
            person.press(building)
        people[name] = person
    ann = announcer(resident, session_factory, clock)
    write_notice(ann, topic="Building works", buildings=["3栋"], confirm=False)
    assert "Readers it will reach now: 1 (0 in 简体, 0 in 繁體, 1 in English)." in ann.text
    ann.press("Confirm and send")
    run_all(session_factory, registry, community, clock, postbox)
    assert postbox.texts(people["B"].user_id)[-1].count("Water is off") == 1
    assert not any("Water is off" in t for t in postbox.texts(people["A"].user_id))
    assert not any("Water is off" in t for t in postbox.texts(people["C"].user_id))
    people["B"].send("/notices")
    people["B"].press("Recent notices")
    assert "Water is off tomorrow" in people["B"].text
    people["A"].press("Recent notices")
    assert "There are no notices for you yet." in people["A"].text


def test_a_reader_gets_the_other_language_with_a_line_saying_so(
    resident, session_factory, registry, community, clock, postbox
):
    li = neighbour(resident, "Li", "zh")
    ana = neighbour(resident, "Ana", "en")
    ann = announcer(resident, session_factory, clock)
    write_notice(ann, zh=None, en="The lift in building 5 is under repair.")
    run_all(session_factory, registry, community, clock, postbox)
    [to_li] = [t for t in postbox.texts(li.user_id) if "lift" in t]
    assert "（此通知只有英文版。）" in to_li and "📰 社区新闻" in to_li
    [to_ana] = [t for t in postbox.texts(ana.user_id) if "lift" in t]
    assert "only" not in to_ana


def test_quiet_hours_hold_a_notice_until_morning_but_not_an_admins_urgent_safety(
    resident, session_factory, registry, community, clock, postbox
):
    ana = neighbour(resident, "Ana", "en")
    ann = announcer(resident, session_factory, clock)
    clock.current = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)  # 23:00 in Beijing
    write_notice(ann, en="Concert on Saturday.", zh=None, confirm=False)
    assert "That is in the quiet hours, so it will go out at" in ann.text
    ann.press("Confirm and send")
    assert "when the quiet hours end" in ann.text
    admin = resident("Admin", "en", user_id="9000")
    write_notice(admin, en="Typhoon warning: stay inside.", zh=None, topic="Safety", confirm=False)
    admin.press("Send now (urgent)")  # tests/test_notices_night.py: who may, and the choice
    assert "going out now" in admin.text
    run_all(session_factory, registry, community, clock, postbox)
    texts = postbox.texts(ana.user_id)
    assert any("Typhoon" in t and "Urgent" in t for t in texts)
    assert not any("Concert" in t for t in texts)
    clock.current = datetime(2026, 11, 26, 23, 59, tzinfo=UTC)  # 07:59: still quiet
    run_all(session_factory, registry, community, clock, postbox)
    assert not any("Concert" in t for t in postbox.texts(ana.user_id))
    clock.current = datetime(2026, 11, 27, 0, 0, tzinfo=UTC)  # 08:00 in Beijing
    run_all(session_factory, registry, community, clock, postbox)
    assert sum("Concert" in t for t in postbox.texts(ana.user_id)) == 1


def test_scheduled_notice_can_be_cancelled_and_nothing_goes_out(
    resident, session_factory, registry, community, clock, postbox
):
    ana = neighbour(resident, "Ana", "en")
    ann = announcer(resident, session_factory, clock)
    write_notice(ann, at="2026-11-27 10:00")
    assert "will go out at" in ann.text
    run_all(session_factory, registry, community, clock, postbox)
    ann.replies = [postbox.cards_in(ann.user_id)[-1]]
    assert "Scheduled for" in ann.text
    ann.press("Cancel")
    assert "Notice #1 is cancelled" in ann.text
    clock.advance(days=2)
    run_all(session_factory, registry, community, clock, postbox)
    assert not any("Water" in t for t in postbox.texts(ana.user_id))
    assert notices(session_factory)[0].status == "cancelled"


def test_cancel_while_sending_drops_the_rest(
    resident, session_factory, registry, community, clock, postbox
):
    people = [neighbour(resident, f"N{i}", "en") for i in range(5)]
    ann = announcer(resident, session_factory, clock)
    write_notice(ann)
    sweeper(session_factory, registry, community, clock).run()  # queued, nothing sent yet
    ann.press_payload("nt:cancel:1")
    assert "5 copies not yet sent will not go out" in ann.text
    run_all(session_factory, registry, community, clock, postbox)
    assert not any("Water" in t for p in people for t in postbox.texts(p.user_id))
    assert any("was cancelled. Report:" in t for t in postbox.texts(ann.user_id))
    stranger = neighbour(resident, "Eve", "en")
    stranger.press_payload("nt:cancel:1")
    assert stranger.text == "Sorry, only the community's announcers can do this."
    other = announcer(resident, session_factory, clock, name="Otto")
    other.press_payload("nt:cancel:1")  # an announcer, but not its author
    assert "you cannot change this notice" in other.text


def test_a_correction_edits_the_notice_where_it_was_shown(
    resident, session_factory, registry, community, clock, postbox
):
    ana = neighbour(resident, "Ana", "en")
    li = neighbour(resident, "Li", "zh")
    ann = announcer(resident, session_factory, clock)
    write_notice(ann)
    run_all(session_factory, registry, community, clock, postbox)
    ann.press_payload("nt:edit:1")
    ann.send("明天 9:00 至 14:00 停水。")
    ann.send("Water is off tomorrow 9:00–14:00.")
    ann.press("Send the correction")
    assert "The correction of notice #1 is saved" in ann.text
    run_all(session_factory, registry, community, clock, postbox)
    [shown] = [c.text for c in postbox.cards_in(ana.user_id) if "Water" in c.text]
    assert "14:00" in shown and "Corrected" in shown  # the same message, edited
    assert sum("Water" in t for t in postbox.texts(ana.user_id)) == 1  # no second message
    [shown_zh] = [c.text for c in postbox.cards_in(li.user_id) if "停水" in c.text]
    assert "14:00" in shown_zh and "已更正" in shown_zh


def test_confirm_pressed_twice_makes_one_notice(
    resident, session_factory, registry, community, clock, postbox
):
    ana = neighbour(resident, "Ana", "en")
    ann = announcer(resident, session_factory, clock)
    write_notice(ann, confirm=False)
    confirm = next(b for b in ann.buttons() if "Confirm" in b.label).payload
    ann.press_payload(confirm)
    ann.press_payload(confirm)
    assert "no longer active" in ann.text or "earlier message" in ann.text
    run_all(session_factory, registry, community, clock, postbox)
    assert len(notices(session_factory)) == 1
    assert sum("Water" in t for t in postbox.texts(ana.user_id)) == 1


def test_bad_input_is_answered_and_the_form_stays(resident, session_factory, clock):
    add_buildings(session_factory, clock, "1栋")
    neighbour(resident, "Ana", "en")
    ann = announcer(resident, session_factory, clock)
    ann.send("/notice")
    ann.send("长" * 4097)
    assert "too long" in ann.text and "4096" in ann.text.replace(",", "")
    ann.press("Skip")
    ann.press("Skip")  # no text at all
    ann.press("Skip")
    ann.press("Community news")
    ann.press("Chosen buildings")
    ann.send("9栋")
    assert "There is no building “9栋” in the list." in ann.text
    ann.press("1栋")
    ann.press("Done")
    ann.press("No")
    ann.press("At a time")
    ann.send("2026-11-20 10:00")
    assert "has already passed" in ann.text
    ann.send("2026-11-27 10:00")
    ann.press("Confirm and send")
    assert "A notice needs a text" in ann.text  # asked again for the Chinese text
    ann.send("明天停水。")
    assert "Nobody would receive this notice" not in ann.text
    ann.press("Confirm and send")
    assert "Nobody would receive this notice" in ann.text  # nobody subscribed in 1栋


def test_residents_cannot_write_notices(resident):
    ana = neighbour(resident, "Ana", "en")
    ana.send("/notice")
    assert "only the community's announcers can do this" in ana.text


def test_a_notice_whose_author_lost_the_role_is_held_and_admins_told(
    resident, session_factory, registry, community, clock, postbox
):
    ana = neighbour(resident, "Ana", "en")
    boss = neighbour(resident, "Boss", "en", user_id="9000")
    ann = announcer(resident, session_factory, clock)
    write_notice(ann, at="2026-11-27 10:00")
    with session_factory() as session, session.begin():
        user = session.scalar(select(User).where(User.external_id == ann.user_id))
        revoke_role(session, user, "announcer")
    clock.advance(days=1, hours=3)
    run_all(session_factory, registry, community, clock, postbox)
    assert notices(session_factory)[0].status == "held"
    [held] = [r for r in postbox.to(boss.user_id) if "is held" in r.text]
    assert not any("Water" in t for t in postbox.texts(ana.user_id))
    boss.replies = [held]
    boss.press("Send it")
    assert "will go out as yours" in boss.text
    run_all(session_factory, registry, community, clock, postbox)
    assert sum("Water" in t for t in postbox.texts(ana.user_id)) == 1


class Blocking(PostBox):
    """A chat platform where some people blocked the bot."""

    blocked: ClassVar[set[str]] = set()

    async def deliver(self, chat_id, reply, *, edit_ref=None):
        if chat_id in self.blocked:
            raise DeliveryError("Forbidden: bot was blocked by the user", unreachable=True)
        return await super().deliver(chat_id, reply, edit_ref=edit_ref)


def test_someone_who_blocked_the_bot_is_unreachable_and_not_tried_again(
    resident, session_factory, registry, community, clock
):
    box = Blocking()
    ana = neighbour(resident, "Ana", "en")
    eve = neighbour(resident, "Eve", "en")
    box.blocked = {eve.user_id}
    ann = announcer(resident, session_factory, clock)
    write_notice(ann)
    run_all(session_factory, registry, community, clock, box)
    report = [t for t in box.texts(ann.user_id) if "Report" in t][-1]
    assert "delivered: 1" in report and "unreachable (they blocked the bot or left): 1" in report
    card = box.cards_in(ann.user_id)[0].text
    assert "Sent 1 of 2 · 1 unreachable" in card
    write_notice(ann, confirm=False)
    assert "Readers it will reach now: 1 " in ann.text  # Eve is no longer counted
    clock.advance(minutes=1)
    eve.send("/notices")  # she came back: reachable again
    write_notice(ann, confirm=False)
    assert "Readers it will reach now: 2 " in ann.text
    assert ana


def test_mydata_shows_and_deleteme_erases_the_consent(resident, session_factory):
    ana = neighbour(resident, "Ana", "en")
    ana.send("/mydata")
    [file] = [r.attachment for r in ana.replies if r.attachment]
    data = json.loads(file.content.decode("utf-8-sig"))
    topics = {t["topic"] for t in data["notice_subscription"]["topics"]}
    assert topics == {"news", "safety"}
    assert all(t["consent_given_at"] for t in data["notice_subscription"]["topics"])
    ana.send("/deleteme")
    ana.press("Yes, delete my data")
    with session_factory() as session:
        from db.notice_models import NoticeConsent, NoticeSubscriber

        assert session.query(NoticeConsent).count() == 0
        assert session.query(NoticeSubscriber).count() == 0


def test_admins_keep_the_building_list(resident):
    boss = resident("Boss", "en", user_id="9000")
    boss.send("/buildings add 芙蓉大厦")
    assert "Added: 芙蓉大厦." in boss.text
    boss.send("/buildings add 芙蓉大厦")
    assert "already in the list" in boss.text
    boss.send("/buildings remove 1栋")
    assert "1栋 is not in the list." in boss.text
    ana = neighbour(resident, "Ana", "en")
    ana.send("/buildings add 2栋")
    assert "only administrators can do this" in ana.text
