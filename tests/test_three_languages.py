"""A few flows in each of the three languages: 简体, 繁體 and English."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.telegram.app import MENU_LANGUAGES, command_menus
from db.models import User
from handlers.i18n import language
from tests.events_support import make_event

WELCOME = {
    "zh-hans": "欢迎使用邻里（Linli），社区服务中心的聊天助手。",
    "zh-hant": "歡迎使用鄰里（Linli），社區服務中心的聊天助手。",
    "en": "Welcome to Linli (邻里), the chat of our community centre.",
}
MENU = {
    "zh-hans": ["🗓 活动", "🙋 找志愿者帮忙", "⚖️ 反映邻里纠纷", "🏠 预约空间", "🤝 志愿服务"],
    "zh-hant": ["🗓 活動", "🙋 找志工幫忙", "⚖️ 反映鄰里糾紛", "🏠 預約空間", "🤝 志願服務"],
    "en": [
        "🗓 Events",
        "🙋 Ask a volunteer",
        "⚖️ Report a dispute",
        "🏠 Book a room",
        "🤝 Volunteer",
    ],
}


@pytest.mark.parametrize("hint", ["zh-hans", "zh-hant", "en"])
def test_welcome_and_menu_in_each_language(resident, hint):
    person = resident(f"p-{hint}", hint)
    person.send("/start")
    assert person.text.startswith(WELCOME[hint])
    labels = [b.label for b in person.buttons()]
    # the menu, then (asked once) the question about notices
    assert labels[:6] == [*MENU[hint], "🌐 简体 / 繁體 / English"]
    assert len(labels) == 9, labels


@pytest.mark.parametrize("hint", ["zh-TW", "zh-HK", "zh-MO", "zh-Hant-TW"])
def test_taiwan_hong_kong_and_macau_phones_get_traditional(resident, hint):
    person = resident(f"p-{hint}", hint)
    person.send("/start")
    assert person.text.startswith(WELCOME["zh-hant"])


def test_lang_switches_to_traditional_by_button_and_by_typing(resident, session_factory):
    """An English phone picks 繁體 on the buttons; later 简体 typed, then /lang hant."""
    ana = resident("Ana", "en")
    ana.send("/lang")
    assert [b.label for b in ana.buttons()] == ["简体", "繁體", "English"]
    ana.press("繁體")
    assert ana.text.startswith("好的，以後我會用繁體中文和您交流。")
    ana.send("/help")
    assert "您可以給我發送這些指令：" in ana.text
    assert "/events /myevents — 社區活動" in ana.text  # /help in Traditional characters
    ana.send("简体")
    assert ana.text.startswith("好的，以后我会用简体中文和您交流。")
    ana.send("/lang tw")
    assert ana.text.startswith("好的，以後我會用繁體中文和您交流。")
    with session_factory() as session:
        assert session.scalar(select(User.locale).where(User.display_name == "Ana")) == "zh_Hant"
    ana.send("/lang klingon")  # not a language we know: the buttons, nothing changed
    assert [b.label for b in ana.buttons()] == ["简体", "繁體", "English"]
    ana.send("/lang en")
    assert ana.text.startswith("From now on I will write to you in English.")


def test_event_card_with_the_date_in_each_locale(resident, session_factory, clock):
    """The card's title, date and counts in the reader's script and CLDR format."""
    event_id = make_event(session_factory, clock())
    cards, buttons = {}, {}
    for hint in ("zh-hans", "zh-hant", "en"):
        person = resident(f"reader-{hint}", hint)
        person.send(f"/start ev_{event_id}")
        cards[hint] = person.text
        buttons[hint] = [b.label for b in person.buttons()][:3]
    # make_event starts three days after the test clock (Thu 26 Nov 2026, 16:00 in Chengdu)
    assert "🗓 中秋游园会" in cards["zh-hans"] and "2026年11月29日周日 16:00" in cards["zh-hans"]
    assert "🗓 中秋遊園會" in cards["zh-hant"] and "2026年11月29日週日 16:00" in cards["zh-hant"]
    assert "🗓 Mid-Autumn Garden Party" in cards["en"] and "Sun, Nov 29, 2026, 16:00" in cards["en"]
    assert "剩余 10 个名额" in cards["zh-hans"] and "剩餘 10 個名額" in cards["zh-hant"]
    assert "10 places left" in cards["en"]
    assert buttons["zh-hant"] == ["✍️ 報名", "📅 加入日曆", "🔗 分享"]
    assert buttons["zh-hans"] == ["✍️ 报名", "📅 添加到日历", "🔗 分享"]


def test_dates_in_cldr_format_per_locale():
    moment = datetime(2026, 12, 24, 11, 0, tzinfo=UTC)
    assert language("zh_Hant", "Asia/Shanghai").datetime(moment) == "2026年12月24日週四 19:00"
    assert language("zh_Hans", "Asia/Shanghai").datetime(moment) == "2026年12月24日周四 19:00"
    assert language("en", "Asia/Shanghai").datetime(moment) == "Thu, Dec 24, 2026, 19:00"


def test_chinese_spacing_is_decided_on_the_rendered_text():
    """No space next to a Chinese name, one next to a Latin name or a number."""
    for code in ("zh_Hans", "zh_Hant"):
        note = language(code, "UTC").gettext("Note by {name}")
        assert note.format(name="王芳") in ("王芳的备注", "王芳的備註")
        assert note.format(name="Alice") in ("Alice 的备注", "Alice 的備註")
    assert language("en", "UTC").gettext("Note by {name}").format(name="Alice") == "Note by Alice"


def test_a_traditional_reader_reports_a_dispute_and_is_told_the_emergency_numbers(resident):
    """Typed in Traditional characters, the danger words still count; Skip typed as 跳過."""
    chen = resident("陳", "zh-hk")
    chen.send("/report")
    assert "如遇緊急情況" in chen.replies[0].text
    chen.press("噪音")
    chen.send("3 棟 1202")
    chen.send("跳過")  # the optional “when”, typed rather than pressed
    assert "請描述問題" in chen.text
    chen.send("隔壁著火了，樓道裡全是煙！")  # 著火: the list says 着火
    assert "🚨 如果有人正處於危險中，請立即撥打：報警 110，火警 119，急救 120。" in chen.text


def test_command_menus_one_chinese_code_on_telegram(registry):
    """setMyCommands knows only ``zh``: the Simplified menu is registered under it; the
    Traditional one exists for a community whose default language is zh_Hant."""
    menus = command_menus(registry, "Asia/Shanghai")
    assert set(menus) == {"zh_Hans", "zh_Hant", "en"}
    assert MENU_LANGUAGES == {"zh_Hans": "zh", "en": "en"}
    described = {code: {c.command: c.description for c in menu} for code, menu in menus.items()}
    assert described["zh_Hans"]["start"] == "欢迎和主菜单"
    assert described["zh_Hant"]["start"] == "歡迎和主選單"
    assert described["en"]["lang"] == "简体 / 繁體 / English: choose the language"
