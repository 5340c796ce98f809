"""What people write, for a 繁體 reader: notices, event titles and places, a mediator's update
and question, a building's name — in Traditional characters, never in English or Simplified
when Chinese was written. One function chooses and converts (``handlers.i18n.written`` /
``for_reader``)."""

from __future__ import annotations

import pytest

from handlers.i18n import for_reader, written
from tests.dispute_support import file_report, make_mediator, outbox_messages, to_chat
from tests.notices_support import add_buildings, announcer, neighbour, run_all, write_notice
from tests.support import loose_dispatcher


@pytest.fixture
def dispatcher(session_factory, registry, community, clock):
    return loose_dispatcher(session_factory, registry, community, clock)


def _traditional_neighbour(resident, name: str, user_id: str):
    """A neighbour whose app says zh-hk, who takes the news and safety notices."""
    person = resident(name, "zh-hk", user_id=user_id)
    person.send("/start")
    person.press("接收新聞和安全")
    return person


def test_written_picks_the_readers_language_and_converts_for_traditional():
    assert written("zh_Hant", "明天停水", "Water off") == ("明天停水", False)
    assert written("zh_Hant", "社区活动中心见", None) == ("社區活動中心見", False)
    assert written("zh_Hant", None, "Water off") == ("Water off", True)
    assert written("zh_Hans", "社区", "Community") == ("社区", False)
    assert written("en", "社区", None) == ("社区", True)
    assert for_reader("zh_Hant", "3栋会议室") == "3棟會議室"
    assert for_reader("zh_Hans", "3栋会议室") == "3栋会议室"
    assert for_reader("zh_Hant", "Room 3") == "Room 3"


def test_a_traditional_reader_gets_every_notice_in_traditional(
    resident, session_factory, registry, community, clock, postbox
):
    chen = _traditional_neighbour(resident, "Chen", "1801")
    neighbour(resident, "Li", "zh", user_id="1802")
    neighbour(resident, "Ana", "en", user_id="1803")
    ann = announcer(resident, session_factory, clock)
    write_notice(ann, zh="明天 9:00 至 12:00 停水，请提前储水。", confirm=False)
    assert "Readers it will reach now: 3 (1 in 简体, 1 in 繁體, 1 in English)." in ann.text
    ann.press("Confirm and send")
    write_notice(ann, zh="今晚社区活动中心有电影。", en=None)  # Chinese only
    run_all(session_factory, registry, community, clock, postbox)
    texts = postbox.texts(chen.user_id)
    assert any("明天 9:00 至 12:00 停水，請提前儲水。" in t for t in texts), texts
    assert any("今晚社區活動中心有電影。" in t for t in texts), texts
    assert not any("Water is off" in t for t in texts), "the bilingual one is not in English"
    assert not any("只有" in t for t in texts), "Chinese was written: no 'only in' line"


def test_a_building_name_reads_in_traditional(resident, session_factory, clock):
    add_buildings(session_factory, clock, "3栋", "南山苑")
    chen = _traditional_neighbour(resident, "Chen", "1811")
    chen.send("/notices")
    chen.press("我的大樓")
    assert {"3棟", "南山苑"} <= {b.label for b in chen.buttons()}
    chen.press("3棟")
    assert "3棟" in chen.text


def test_a_mediators_update_and_question_reach_a_traditional_reporter_in_traditional(
    dispatcher, resident, session_factory, registry, community, clock
):
    chen = resident("Chen", "zh-hans", user_id="1821")
    file_report(chen)
    chen.send("/lang hant")
    mediator = make_mediator(resident, session_factory, clock, hint="en")
    mediator.press_payload("dp:open:1")
    mediator.press("Update")
    mediator.press("The reporter")
    mediator.send("我们已经联系了物业，周三上门查看。")
    mediator.press("Send")
    mediator.press_payload("dp:ask:1")
    mediator.send("噪音一般几点开始？")
    mediator.press("Send")
    texts = [m.text for m in to_chat(outbox_messages(session_factory, registry, community), "1821")]
    assert any("我們已經聯繫了物業，週三上門查看。" in t for t in texts), texts
    assert any("噪音一般幾點開始？" in t for t in texts), texts


def test_the_announcers_card_quotes_the_notice_in_corner_brackets(
    resident, session_factory, registry, community, clock, postbox
):
    neighbour(resident, "Li", "zh", user_id="1831")
    ann = announcer(resident, session_factory, clock)
    write_notice(ann, zh="明天 9:00 至 12:00 停水，请提前储水。")
    ann.send("/lang hant")
    run_all(session_factory, registry, community, clock, postbox)
    cards = [c.text for c in postbox.cards_in(ann.user_id) if c.text.startswith("📢")]
    quoted = "「明天 9:00 至 12:00 停水，請提前儲水。」"
    assert cards and all(quoted in card for card in cards), cards
    assert not any("“" in card for card in cards)
