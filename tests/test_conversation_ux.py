"""The conversation as a resident meets it through the dispatcher: free text at
first contact is offered to the volunteer team (greetings get the menu); /ask out of hours says
the hours and 120 first, the health consent is two short lines, China's public holidays close
the team; a form left by the menu or a long pause waits for Continue and is dropped after a
day. In English, 简体 and 繁體."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.config import ConfigError, load_settings
from db.request_models import HelpRequest
from handlers.buttons.disputes import ReportDispute
from handlers.buttons.events import ListEvents
from handlers.buttons.forms import FormSkip
from handlers.buttons.requests import AskForHelp, SendDraft
from handlers.requests.hours import in_service_hours, next_opening, service_time_between
from handlers.stats.periods import ServiceClock
from handlers.types import ChatRef, Inbound, Kind, Sender
from tests.support import GROUP, Resident, loose_dispatcher, step

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOURS = (time(9), time(21))
#: Words no service's list knows: offered to the volunteer team as they are.
MOVED_HERE = "Hello, I just moved here, where is the nearest supermarket?"


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


# ------------------------------------------------------------ item 2: no dead end


def test_a_first_question_becomes_a_prefilled_help_request(resident, session_factory):
    ana = resident("Ana", "en")
    ana.send(MOVED_HERE)
    assert "Sorry, I did not understand" not in ana.text
    assert "I can pass your message to our volunteer team as a help request." in ana.text
    assert [b.payload for b in ana.buttons()][:2] == [
        SendDraft().pack(),
        ListEvents().pack(),
    ]  # and the menu
    ana.press("Send it to the volunteer team")
    assert "What do you need help with?" in ana.text  # the person still chooses the kind
    ana.press("Paperwork & visas")
    assert "Please describe" not in ana.text, "the description was given already"
    assert step(ana, 2, 5) in ana.text and "send it now" in ana.text
    ana.press("Skip")
    ana.press("As soon as possible")
    ana.press("No")
    ana.press("No")
    assert f"• Description: {MOVED_HERE}" in ana.text
    assert "✏️ Description" in [b.label for b in ana.buttons()]  # changeable before sending
    ana.press("Send request")
    assert "Your request #R-0001 was sent to the volunteer team." in ana.text
    with session_factory() as session:
        request = session.scalar(select(HelpRequest))
        assert (request.category, request.description) == ("paperwork", MOVED_HERE)
    ana.press_payload("rq:draft")  # the draft was used once: a plain /ask now
    assert "What do you need help with?" in ana.text


@pytest.mark.parametrize(
    ("hint", "text", "next_question"),
    [
        ("en", "Hello, I just moved here, how do I register my address with the police?", "now"),
        ("zh-hans", "你好，我刚搬来，请问怎么去派出所登记住址？", "请现在发送"),
        ("zh-hant", "你好，我剛搬來，請問怎麼去派出所登記住址？", "請現在發送"),
    ],
)
def test_a_question_the_lists_know_opens_ask_with_its_kind(resident, hint, text, next_question):
    """“派出所”, “register my address”: paperwork; the kind and the words are given, the
    next question is the attachment."""
    person = resident("P", hint)
    person.send(text)
    assert next_question in person.text


@pytest.mark.parametrize(
    ("hint", "text", "offer", "button", "question"),
    [
        (
            "zh-hans",
            "你好，我刚搬来，请问哪里可以办电话卡？",
            "我可以把您的这条消息作为求助转给志愿服务队",
            "转给志愿服务队",
            "您需要哪方面的帮助？",
        ),
        (
            "zh-hant",
            "你好，我剛搬來，請問哪裡可以辦電話卡？",
            "我可以把您的這則訊息作為求助轉給志工隊",
            "轉給志工隊",
            "您需要哪方面的幫助？",
        ),
    ],
)
def test_the_offer_in_chinese(resident, hint, text, offer, button, question):
    person = resident("P", hint)
    person.send(text)
    assert offer in person.text
    person.press(button)
    assert question in person.text


@pytest.mark.parametrize(
    ("hint", "typed", "answer"),
    [
        ("en", "hi", "Hello! What would you like to do?"),
        ("en", "Hello!", "Hello! What would you like to do?"),
        ("en", "MENU", "Hello! What would you like to do?"),
        ("en", "help", "Hello! What would you like to do?"),
        ("zh-hans", "你好", "您好！您想做什么？"),
        ("zh-hans", "帮助", "您好！您想做什么？"),
        ("zh-hans", "菜单", "您好！您想做什么？"),
        ("zh-hant", "幫助", "您好！您想做什麼？"),
        ("zh-hant", "選單", "您好！您想做什麼？"),
        ("zh-hant", "你好！", "您好！您想做什麼？"),
    ],
)
def test_greetings_and_menu_words_get_the_menu(resident, hint, typed, answer):
    person = resident("P", hint)
    person.send(typed)
    assert person.text == answer
    assert [b.payload for b in person.buttons()][:3] == [
        ListEvents().pack(),
        AskForHelp().pack(),
        ReportDispute().pack(),
    ]


def test_too_short_text_and_stickers_still_get_the_menu(resident):
    person = resident("P", "en")
    person.send("ok")
    assert "Sorry, I did not understand that." in person.text
    assert "rq:draft" not in [b.payload for b in person.buttons()]


def test_the_offer_is_made_only_in_a_private_chat(dispatcher):
    chat = ChatRef("telegram", GROUP, is_group=True)
    sender = Sender("telegram", "9100", "Neighbour", None, "en")
    replies = dispatcher.handle(Inbound(chat, sender, Kind.TEXT, text=MOVED_HERE))
    assert "rq:draft" not in [b.payload for r in replies for row in r.buttons for b in row]


# ------------------------------------------------------------ item 4: out of hours


def test_at_night_ask_says_the_hours_and_120_first(resident, clock):
    clock.advance(hours=6, minutes=13)  # 22:13 in Shanghai
    ana = resident("Ana", "en")
    ana.send("/ask")
    first = ana.replies[0].text
    assert first.startswith("The volunteer team is off duty now (it works 09:00–21:00)")
    assert "27" in first and "09:00" in first  # tomorrow morning
    assert "120 (ambulance), 110 (police) or 119 (fire)" in first
    assert "What do you need help with?" in ana.text  # then the first question
    ana.press("Hospital visit")
    assert "120 (ambulance)" in ana.text and "off duty" in ana.text  # again
    consent = ana.replies[-1].text
    assert "(PIPL)" in consent and consent.count("\n") <= 2 and len(consent) < 200

    wang = resident("Wang", "zh-hans")
    wang.send("/ask")
    assert wang.replies[0].text.startswith("志愿服务队现在不在服务时间")
    assert "120（急救）" in wang.replies[0].text
    wang.press("翻译")
    assert "120" not in wang.text
    wang.send("请帮我翻译房东的信。")
    wang.press("跳过")
    wang.press("尽快")
    wang.press("是")  # urgent: the numbers again
    assert "120（急救）" in wang.text


def test_in_service_hours_only_hospital_and_urgent_mention_120(resident):
    ana = resident("Ana", "en")  # 16:00 in Shanghai
    ana.send("/ask")
    assert "off duty" not in ana.text and "120" not in ana.text
    ana.press("Hospital visit")
    assert "🚨 In an emergency call 120 (ambulance)" in ana.text and "off duty" not in ana.text
    li = resident("Li", "zh-hant")
    li.send("/ask")
    li.press("翻譯")
    assert "120" not in li.text


def test_a_public_holiday_is_off_duty_unless_turned_off(
    session_factory, registry, community, clock
):
    clock.current = local(2026, 10, 2, 10).astimezone(UTC)  # National Day holidays
    on = Resident(loose_dispatcher(session_factory, registry, community, clock), "A", "en")
    on.send("/ask")
    assert "off duty" in on.replies[0].text and "Oct 8" in on.replies[0].text
    off_community = replace(community, holidays="off")
    off = Resident(
        loose_dispatcher(session_factory, registry, off_community, clock), "B", "en", user_id="2"
    )
    off.send("/ask")
    assert "off duty" not in off.text


def test_service_hours_skip_holidays_and_count_make_up_days():
    assert not in_service_hours(local(2026, 10, 1, 10), HOURS, SHANGHAI)
    assert in_service_hours(local(2026, 10, 1, 10), HOURS, SHANGHAI, holidays=False)
    assert in_service_hours(local(2026, 9, 20, 10), HOURS, SHANGHAI)  # a Sunday worked
    assert next_opening(local(2026, 9, 30, 22), HOURS, SHANGHAI) == local(2026, 10, 8, 9)
    assert next_opening(local(2026, 9, 30, 22), HOURS, SHANGHAI, holidays=False) == local(
        2026, 10, 1, 9
    )
    # From 20:00 on 30 September to 10:00 on 8 October: an hour before, an hour after.
    start, end = local(2026, 9, 30, 20), local(2026, 10, 8, 10)
    assert service_time_between(start, end, HOURS, SHANGHAI) == timedelta(hours=2)
    assert service_time_between(start, end, HOURS, SHANGHAI, holidays=False) == timedelta(
        hours=2 + 7 * 12
    )


@pytest.mark.parametrize("holidays", [True, False])
def test_the_reports_clock_agrees_across_holidays(holidays):
    clock = ServiceClock(HOURS, SHANGHAI, holidays=holidays)
    rng = random.Random(14)
    for _ in range(200):
        start = local(2026, 9, 15) + timedelta(minutes=rng.randrange(60 * 24 * 30))
        end = start + timedelta(minutes=rng.randrange(60 * 24 * 12))
        expected = service_time_between(start, end, HOURS, SHANGHAI, holidays=holidays)
        assert clock.between(start, end) == pytest.approx(expected.total_seconds())


def test_the_holidays_setting():
    assert load_settings({}).holidays == "cn"
    assert load_settings({"LINLI_HOLIDAYS": "OFF"}).community().holidays == "off"
    with pytest.raises(ConfigError, match="LINLI_HOLIDAYS"):
        load_settings({"LINLI_HOLIDAYS": "us"})


# ------------------------------------------------------------ item 5: forms never take over


def test_the_menu_leaves_a_form_which_waits_for_continue(resident):
    ana = resident("Ana", "en")
    ana.send("/ask")
    ana.press("Translation")
    ana.send("/menu")
    assert "What would you like to do?" in ana.text
    assert "Your form “Ask a volunteer for help” is waiting where you left it." in ana.text
    assert [b.label for b in ana.buttons()][-2:] == ["▶️ Continue", "🗑 Discard"]
    ana.send("thanks a lot")  # not an answer: the form is not asked again
    assert "Please describe" not in ana.text and "is waiting where you left it" in ana.text
    ana.press("Continue")
    assert "Please describe what you need" in ana.text
    ana.send("Please translate the letter from my landlord.")
    assert "send it now" in ana.text


def test_a_menu_button_leaves_a_form_and_discard_closes_it(resident):
    wang = resident("Wang", "zh-hans")
    wang.send("/ask")
    wang.press("翻译")
    wang.press_payload("ev:list")
    assert "您的表单“找志愿者帮忙”还没填完，已为您保留。" in wang.text
    wang.press("放弃")
    assert "已取消" in wang.text or "取消" in wang.text
    wang.send("谢谢您的帮助")  # no form any more: read for what it says
    assert "不客气" in wang.text
    wang.send("我想请人帮我看看这份租房合同写的是什么意思")
    assert "找志愿者帮忙" in wang.text and "请现在发送" in wang.text  # /ask: kind, words given


@pytest.mark.parametrize(
    ("hint", "thanks", "waiting", "again", "timed_out"),
    [
        ("zh-hans", "谢谢", "已为您保留", "请描述您需要什么帮助", "已超时关闭"),
        ("zh-hant", "謝謝", "已為您保留", "請描述您需要什麼幫助", "已超時關閉"),
        ("en", "thanks", "is waiting where you left it", "Please describe", "timed out"),
    ],
)
def test_an_hour_later_thanks_is_not_an_answer_and_a_day_later_the_form_is_gone(
    resident, clock, hint, thanks, waiting, again, timed_out
):
    person = resident("P", hint)
    person.send("/ask")
    person.press_payload(person.buttons()[0].payload)  # Translation
    clock.advance(minutes=59)
    person.send("x")  # within the hour: an answer (too short, so asked again)
    assert again in person.text
    clock.advance(hours=2)
    person.send(thanks)
    assert waiting in person.text and again not in person.text
    person.press_payload(person.buttons()[0].payload)  # Continue
    assert again in person.text
    clock.advance(days=1, seconds=1)
    person.send(thanks)
    assert timed_out in person.text


# ------------------------------------------------------------ item 3: dates as people say them


def _to_the_date_question(person: Resident, *, kind: str, day: str) -> None:
    person.send("/ask")
    person.press_payload(person.buttons()[0].payload)  # Translation
    person.send(kind)  # the description
    person.press_payload(next(b.payload for b in person.buttons() if FormSkip.parse(b.payload)))
    person.press(day)


def test_a_spoken_date_is_echoed_and_can_be_changed(resident, session_factory):
    ana = resident("Ana", "en")
    _to_the_date_question(ana, kind="Translate a letter, please.", day="On a date")
    assert "For example: Sat 3pm" in ana.text
    ana.send("Sat 3pm")
    # one message: how the date was understood, with Change, above the next question
    (question,) = ana.replies
    assert question.text.startswith("= Sat, Nov 28, 2026, 15:00 ✔\n")
    assert "✏️ Change" in [b.label for row in question.buttons for b in row]
    assert "Is it urgent?" in question.text
    ana.press("Change")
    assert "On which day and at what time?" in ana.text
    ana.send("Friday afternoon")
    assert ana.replies[0].text.startswith("= Fri, Nov 27, 2026, 15:00 ✔\n")
    ana.press("No")
    ana.press("No")
    assert "• Date and time: Fri, Nov 27, 2026, 15:00" in ana.text


def test_chinese_dates_are_understood_and_echoed(resident):
    wang = resident("Wang", "zh-hans")
    _to_the_date_question(wang, kind="请帮我翻译一封信。", day="指定日期")
    assert "例如：周六下午3点" in wang.text
    wang.send("下周六下午3点")
    assert wang.replies[0].text.startswith("= 2026年12月5日") and "15:00 ✔" in wang.replies[0].text
    wang.press("修改")
    wang.send("12/5 15:00")  # month first, as in China: echoed, not asked
    assert wang.replies[0].text.startswith("= 2026年12月5日")
    li = resident("Li", "zh-hant")
    _to_the_date_question(li, kind="請幫我翻譯一封信。", day="指定日期")
    li.send("本週日上午")
    assert li.replies[0].text.startswith("= 2026年11月29日") and "09:00 ✔" in li.replies[0].text


def test_an_ambiguous_date_is_asked_back_in_english(resident):
    ana = resident("Ana", "en")
    _to_the_date_question(ana, kind="Translate a letter, please.", day="On a date")
    ana.send("12/5 3pm")
    assert "Is that Dec 5, 2026 or May 12, 2027?" in ana.text
    assert "On which day and at what time?" in ana.text, "the question stays"
    ana.send("5 Dec 3pm")
    assert ana.replies[0].text.startswith("= Sat, Dec 5, 2026, 15:00 ✔\n")


@pytest.mark.parametrize(
    ("hint", "bad", "expected"),
    [
        ("en", "whenever", "I could not read “whenever” as a date. Please send a day and a time"),
        ("zh-hans", "随便", "我没能把“随便”识别为日期。请发送日期和时间，例如：周六下午3点"),
    ],
)
def test_a_date_not_understood_gets_a_short_answer(resident, hint, bad, expected):
    person = resident("P", hint)
    _to_the_date_question(person, kind="Translate a letter, please.", day=WHEN_DATE[hint])
    person.send(bad)
    assert expected in person.text
    assert len(person.replies[0].text.split("\n")[0]) < 100


WHEN_DATE = {"en": "On a date", "zh-hans": "指定日期"}


@pytest.mark.parametrize(
    ("hint", "button", "card"),
    [
        ("en", "Tomorrow", "Nov 27, 2026"),
        ("en", "This weekend", "The weekend of Nov 28, 2026"),
        ("zh-hans", "今天", "2026年11月26日"),
    ],
)
def test_today_tomorrow_and_this_weekend(resident, session_factory, hint, button, card):
    person = resident("P", hint)
    person.send("/ask")
    person.press_payload(person.buttons()[0].payload)
    person.send("Translate a letter, please.")
    person.press_payload(next(b.payload for b in person.buttons() if FormSkip.parse(b.payload)))
    labels = [b.label for b in person.buttons()]
    assert labels[1:4] == (
        ["Today", "Tomorrow", "This weekend"] if hint == "en" else ["今天", "明天", "本周末"]
    )
    person.press(button)
    assert "Is it urgent?" in person.text or "紧急" in person.text  # no date question
    person.press_payload(person.buttons()[1].payload)  # No
    person.press_payload(person.buttons()[1].payload)  # No
    person.press_payload(person.buttons()[0].payload)  # Send
    with session_factory() as session:
        request = session.scalar(select(HelpRequest))
        assert request.needed in ("day", "weekend") and request.needed_at is not None
    from handlers.i18n import language
    from handlers.requests.common import needed_text

    lang = language("en" if hint == "en" else "zh_Hans", "Asia/Shanghai")
    assert needed_text(lang, request.needed, request.needed_at) == card
