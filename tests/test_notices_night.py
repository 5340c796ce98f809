"""An urgent safety notice typed in the quiet hours (22:00–08:00 Shanghai): an admin chooses at
Confirm between “Send now (urgent)” and “Send at 08:00”; an announcer's waits for the morning.
What goes at night still goes through the outbox, reader by reader. An urgent safety notice's
correction, even an announcer's, does not wait for the morning."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from db.models import OutboxMessage
from db.notices.messages import NoticeCopy
from tests.notices_support import announcer, neighbour, notices, run_all, sweeper, write_notice
from tests.support import loose_dispatcher

NIGHT = datetime(2026, 11, 26, 15, 30, tzinfo=UTC)  # 23:30 in Shanghai
MORNING = datetime(2026, 11, 27, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai

LABELS = {
    "en": {
        "skip": "Skip",
        "safety": "Safety and weather",
        "everyone": "Everyone subscribed",
        "yes": "Yes",
        "no": "No",
        "now": "Now",
        "confirm": "Confirm and send",
        "urgent_now": "⚠️ Send now (urgent)",
        "morning": "🌙 Send at 08:00",
        "going": "is going out now",
        "waits": "when the quiet hours end",
        "choice": "As an administrator you can send this safety notice then",
        "only_admin": "Only an administrator can send an urgent safety notice at night.",
    },
    "zh-hans": {
        "skip": "跳过",
        "safety": "安全与天气",
        "everyone": "订阅该类别的所有人",
        "yes": "是",
        "no": "否",
        "now": "现在",
        "confirm": "确认并发送",
        "urgent_now": "⚠️ 立即发送（紧急）",
        "morning": "🌙 08:00 发送",
        "going": "正在发出",
        "waits": "免打扰时段结束",
        "choice": "您是管理员，可以按时发送这条安全通知",
        "only_admin": "夜间只有管理员可以发送紧急的安全通知。",
    },
}


@pytest.fixture
def dispatcher(session_factory, registry, community, clock):
    return loose_dispatcher(session_factory, registry, community, clock)


def _write_safety_notice(author, hint: str, *, urgent: bool) -> dict[str, str]:
    """/notice in the author's language, up to the summary: a safety notice, now."""
    words = LABELS[hint]
    author.send("/notice")
    author.send("台风预警：请留在室内。")
    author.send("Typhoon warning: stay inside.")
    author.press(words["skip"])  # no photo
    author.press(words["safety"])
    author.press(words["everyone"])
    author.press(words["yes"] if urgent else words["no"])
    author.press(words["now"])
    return words


def _sent_to(postbox, person) -> list[str]:
    return [t for t in postbox.texts(person.user_id) if "Typhoon" in t or "台风" in t]


@pytest.mark.parametrize("hint", ["en", "zh-hans"])
@pytest.mark.parametrize("urgent", [True, False])
def test_an_admin_sends_a_safety_notice_tonight_by_saying_so(
    resident, session_factory, registry, community, clock, postbox, hint, urgent
):
    ana, li = neighbour(resident, "Ana", "en"), neighbour(resident, "Li", "zh")
    admin = resident("Admin", hint, user_id="9000")
    clock.current = NIGHT
    words = _write_safety_notice(admin, hint, urgent=urgent)
    labels = [b.label for b in admin.buttons()]
    assert labels[:2] == [words["urgent_now"], words["morning"]]
    assert not any(words["confirm"] in label for label in labels)
    assert words["choice"] in admin.text
    admin.press(words["urgent_now"])
    assert words["going"] in admin.text
    sweeper(session_factory, registry, community, clock).run()
    with session_factory() as session:
        queued = session.scalars(
            select(OutboxMessage.dedup_key).where(OutboxMessage.template == NoticeCopy.template)
        ).all()
    assert len(queued) == 2, "queued in the outbox, reader by reader, sent at its rate"
    assert not _sent_to(postbox, ana)
    run_all(session_factory, registry, community, clock, postbox)
    [to_ana] = _sent_to(postbox, ana)
    [to_li] = _sent_to(postbox, li)
    assert "⚠️ Urgent" in to_ana and "⚠️ 紧急" in to_li
    [notice] = notices(session_factory)
    assert notice.urgent and notice.status == "sent" and notice.started_at == NIGHT


@pytest.mark.parametrize("hint", ["en", "zh-hans"])
def test_an_admin_who_chooses_the_morning_waits_for_it(
    resident, session_factory, registry, community, clock, postbox, hint
):
    ana = neighbour(resident, "Ana", "en")
    admin = resident("Admin", hint, user_id="9000")
    clock.current = NIGHT
    words = _write_safety_notice(admin, hint, urgent=True)
    admin.press(words["morning"])
    assert words["waits"] in admin.text
    run_all(session_factory, registry, community, clock, postbox)
    assert not _sent_to(postbox, ana)
    clock.current = MORNING
    run_all(session_factory, registry, community, clock, postbox)
    assert len(_sent_to(postbox, ana)) == 1


@pytest.mark.parametrize("hint", ["en", "zh-hans"])
def test_an_announcers_urgent_safety_notice_waits_for_the_morning(
    resident, session_factory, registry, community, clock, postbox, hint
):
    ana = neighbour(resident, "Ana", "en")
    ann = announcer(resident, session_factory, clock, lang=hint)
    clock.current = NIGHT
    words = _write_safety_notice(ann, hint, urgent=True)
    labels = [b.label for b in ann.buttons()]
    assert words["urgent_now"] not in labels and words["morning"] not in labels
    assert words["only_admin"] in ann.text
    ann.press(words["confirm"])
    assert words["waits"] in ann.text
    run_all(session_factory, registry, community, clock, postbox)
    assert not _sent_to(postbox, ana)
    clock.current = MORNING
    run_all(session_factory, registry, community, clock, postbox)
    assert len(_sent_to(postbox, ana)) == 1


def test_in_the_day_an_admin_has_one_confirm(resident, clock):
    admin = resident("Admin", "en", user_id="9000")
    neighbour(resident, "Ana", "en")
    clock.current = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
    words = _write_safety_notice(admin, "en", urgent=True)
    labels = [b.label for b in admin.buttons()]
    assert words["confirm"] in labels[0] and words["urgent_now"] not in labels


@pytest.mark.parametrize("urgent", [True, False])
def test_a_correction_at_night_of_an_urgent_safety_notice_goes_at_once(
    resident, session_factory, registry, community, clock, postbox, urgent
):
    """An announcer's safety notice, sent at 20:00, corrected at 23:30: marked urgent, the
    correction reaches the reader at night (docs/notices.md); not urgent, it waits for 08:00."""
    ana = neighbour(resident, "Ana", "en")
    ann = announcer(resident, session_factory, clock)
    clock.current = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)  # 20:00 in Shanghai
    write_notice(
        ann, zh="台风预警。", en="Typhoon warning.", topic="Safety and weather", urgent=urgent
    )
    run_all(session_factory, registry, community, clock, postbox)
    clock.current = NIGHT
    ann.press_payload("nt:edit:1")
    ann.send("台风预警：请留在室内。")
    ann.send("Typhoon warning: stay inside.")
    ann.press("Send the correction")
    run_all(session_factory, registry, community, clock, postbox)
    shown = [c.text for c in postbox.cards_in(ana.user_id) if "Typhoon" in c.text]
    assert ("stay inside" in shown[-1]) is urgent, shown
    clock.current = MORNING
    run_all(session_factory, registry, community, clock, postbox)
    shown = [c.text for c in postbox.cards_in(ana.user_id) if "Typhoon" in c.text]
    assert "stay inside" in shown[-1] and "Corrected" in shown[-1]
