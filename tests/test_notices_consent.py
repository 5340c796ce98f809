"""Notices and organisers' messages respect consent and the night: a correction reaches only
those who still want the topic, waits out the quiet hours, and is capped; an organiser's
message to attendees waits out the quiet hours too."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from db.models import User
from db.notices.models import Notice
from tests.concurrency_support import run_in_threads
from tests.events_support import make_event
from tests.notices_support import announcer, neighbour, run_all, write_notice
from tests.support import PostBox, give_role, loose_dispatcher, run_outbox


@pytest.fixture
def dispatcher(session_factory, registry, community, clock):
    """An announcer fills in several forms in a row: flood control is not what these test."""
    return loose_dispatcher(session_factory, registry, community, clock)


def _correct(author, zh: str, en: str) -> None:
    author.press_payload("nt:edit:1")
    author.send(zh)
    author.send(en)
    author.press("Send the correction")


def _shown(postbox: PostBox, chat: str, word: str) -> str:
    [card] = [c.text for c in postbox.cards_in(chat) if word in c.text]
    return card


def test_a_correction_reaches_only_readers_who_still_want_the_topic(
    resident, session_factory, registry, community, clock, postbox
):
    ana = neighbour(resident, "Ana", "en")
    li = neighbour(resident, "Li", "zh")
    bo = neighbour(resident, "Bo", "en")
    wu = neighbour(resident, "Wu", "zh")
    ann = announcer(resident, session_factory, clock)
    write_notice(ann)
    run_all(session_factory, registry, community, clock, postbox)
    ana.send("/notices")
    ana.press("Community news")  # leaves the topic
    li.send("/notices")
    li.press("不再接收通知")  # stops everything
    assert "您目前不接收任何通知。" in li.text
    _correct(ann, "明天 9:00 至 14:00 停水。", "Water is off tomorrow 9:00–14:00.")
    run_all(session_factory, registry, community, clock, postbox)
    assert "14:00" in _shown(postbox, bo.user_id, "Water") and "Corrected" in _shown(
        postbox, bo.user_id, "Water"
    )
    assert "14:00" in _shown(postbox, wu.user_id, "停水") and "已更正" in _shown(
        postbox, wu.user_id, "停水"
    )
    assert "12:00" in _shown(postbox, ana.user_id, "Water")  # left the topic: not touched
    assert "12:00" in _shown(postbox, li.user_id, "停水")  # stopped all: not touched
    assert not any(d.edited for d in postbox.received if d.chat_id in (ana.user_id, li.user_id))


def test_a_correction_waits_out_the_quiet_hours(
    resident, session_factory, registry, community, clock, postbox
):
    ana = neighbour(resident, "Ana", "en")
    li = neighbour(resident, "Li", "zh")
    ann = announcer(resident, session_factory, clock)
    write_notice(ann)
    run_all(session_factory, registry, community, clock, postbox)
    clock.current = datetime(2026, 11, 26, 15, 30, tzinfo=UTC)  # 23:30 in Beijing
    _correct(ann, "明天 9:00 至 14:00 停水。", "Water is off tomorrow 9:00–14:00.")
    run_all(session_factory, registry, community, clock, postbox)
    assert "12:00" in _shown(postbox, ana.user_id, "Water")
    assert "12:00" in _shown(postbox, li.user_id, "停水")
    clock.current = datetime(2026, 11, 26, 23, 59, tzinfo=UTC)  # 07:59: still quiet
    run_all(session_factory, registry, community, clock, postbox)
    assert "12:00" in _shown(postbox, ana.user_id, "Water")
    clock.current = datetime(2026, 11, 27, 0, 0, tzinfo=UTC)  # 08:00 in Beijing
    run_all(session_factory, registry, community, clock, postbox)
    assert "14:00" in _shown(postbox, ana.user_id, "Water")
    assert "14:00" in _shown(postbox, li.user_id, "停水") and "已更正" in _shown(
        postbox, li.user_id, "停水"
    )


@pytest.mark.parametrize(
    ("hint", "expected"),
    [
        ("en", "Notice #1 has already been corrected 3 times, which is the most allowed"),
        ("zh-hans", "通知 #1 已更正 3 次，已达上限"),
    ],
)
def test_corrections_per_notice_are_capped_and_the_author_is_told(
    resident, session_factory, registry, community, clock, postbox, hint, expected
):
    ana = neighbour(resident, "Ana", "en")
    ann = announcer(resident, session_factory, clock)
    write_notice(ann)
    run_all(session_factory, registry, community, clock, postbox)
    for hour in (13, 14, 15):
        _correct(ann, f"明天 9:00 至 {hour}:00 停水。", f"Water is off tomorrow 9:00–{hour}:00.")
        assert "The correction of notice #1 is saved" in ann.text
        run_all(session_factory, registry, community, clock, postbox)
    [card] = [c for c in postbox.cards_in(ann.user_id) if c.text.startswith("📢 Notice #1")]
    assert "Corrected" in card.text
    assert not [b for row in card.buttons for b in row if "Edit" in b.label]  # no more offered
    # an admin in either language meets the cap too, and the form never opens
    admin = give_role(session_factory, clock, resident("Root", hint), "admin")
    admin.press_payload("nt:edit:1")
    assert expected in admin.text
    ann.press_payload("nt:edit:1")
    assert "corrected 3 times, which is the most allowed" in ann.text
    ann.send("Water is off tomorrow 9:00–16:00.")  # not taken as a correction
    run_all(session_factory, registry, community, clock, postbox)
    assert "15:00" in _shown(postbox, ana.user_id, "Water")
    edits = [d for d in postbox.received if d.chat_id == ana.user_id and d.edited]
    assert len(edits) == 3  # one edit per allowed correction, no fourth


def test_a_correction_form_left_open_meets_the_cap_at_submit(
    resident, session_factory, registry, community, clock, postbox
):
    neighbour(resident, "Ana", "en")
    ann = announcer(resident, session_factory, clock)
    write_notice(ann)
    run_all(session_factory, registry, community, clock, postbox)
    for hour in (13, 14):
        _correct(ann, f"明天 9:00 至 {hour}:00 停水。", f"Water is off tomorrow 9:00–{hour}:00.")
    ann.press_payload("nt:edit:1")  # the third, left open
    ann.send("明天 9:00 至 15:00 停水。")
    ann.send("Water is off tomorrow 9:00–15:00.")
    admin = give_role(session_factory, clock, resident("Root", "en"), "admin")
    _correct(admin, "明天 9:00 至 16:00 停水。", "Water is off tomorrow 9:00–16:00.")
    assert "The correction of notice #1 is saved" in admin.text
    ann.press("Send the correction")
    assert "which is the most allowed" in ann.text


def _user_id(session_factory, person) -> int:
    with session_factory() as session:
        return session.scalar(select(User.id).where(User.external_id == person.user_id))


@pytest.mark.parametrize(
    ("hint", "told"),
    [
        ("en", "It is the quiet hours now, so your message will go to 2 attendees at"),
        ("zh-hans", "现在是免打扰时段，您的消息将于"),
    ],
)
def test_an_organisers_message_waits_out_the_quiet_hours(
    resident, session_factory, registry, community, clock, hint, told
):
    olivia = give_role(session_factory, clock, resident("Olivia", hint), "organiser")
    event_id = make_event(
        session_factory, clock(), capacity=5, organiser_id=_user_id(session_factory, olivia)
    )
    wang = resident("王小明", "zh-hans")
    alice = resident("Alice", "en")
    wang.press_payload(f"ev:ok:{event_id}:1")
    alice.press_payload(f"ev:ok:{event_id}:1")
    clock.current = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)  # 23:00 in Beijing
    olivia.press_payload(f"ev:org:{event_id}")
    olivia.press("Message attendees" if hint == "en" else "给参加者发消息")
    olivia.send("Please bring a lantern.")
    olivia.press("Send" if hint == "en" else "发送")
    assert told in olivia.text
    assert ("08:00" in olivia.text) or ("8:00" in olivia.text)
    inbox = PostBox()
    run_outbox(session_factory, registry, community, clock, inbox)
    assert not any("lantern" in t for t in inbox.texts(wang.user_id) + inbox.texts(alice.user_id))
    clock.current = datetime(2026, 11, 26, 23, 59, tzinfo=UTC)  # 07:59: still quiet
    run_outbox(session_factory, registry, community, clock, inbox)
    assert not any("lantern" in t for t in inbox.texts(alice.user_id))
    clock.current = datetime(2026, 11, 27, 0, 0, tzinfo=UTC)  # 08:00 in Beijing
    run_outbox(session_factory, registry, community, clock, inbox)
    assert inbox.texts(wang.user_id)[-1] == "📣 “中秋游园会”组织者的消息：\nPlease bring a lantern."
    assert inbox.texts(alice.user_id)[-1].endswith("Please bring a lantern.")


def test_corrections_sent_at_once_never_pass_the_cap(
    resident, session_factory, registry, community, clock, postbox
):
    """Six admins press “Send the correction” at the same moment: three corrections are
    kept, the others are told the cap is reached (the notice's row lock decides)."""
    neighbour(resident, "Ana", "en")
    ann = announcer(resident, session_factory, clock)
    write_notice(ann)
    run_all(session_factory, registry, community, clock, postbox)
    admins = [
        give_role(
            session_factory, clock, resident(f"Root{n}", "en", user_id=str(9100 + n)), "admin"
        )
        for n in range(6)
    ]
    for n, admin in enumerate(admins):
        admin.press_payload("nt:edit:1")
        admin.send(f"明天 9:00 至 {n + 13}:00 停水。")
        admin.send(f"Water is off tomorrow 9:00–{n + 13}:00.")
    run_in_threads([lambda a=a: a.press("Send the correction") for a in admins], threads=6)
    saved = [a for a in admins if "The correction of notice #1 is saved" in a.text]
    refused = [a for a in admins if "which is the most allowed" in a.text]
    assert (len(saved), len(refused)) == (3, 3)
    with session_factory() as session:
        assert session.get(Notice, 1).version == 4
