"""Events end to end over HTTP: the real python-telegram-bot ``Application`` against the Bot API
stand-in — a shared link opens the card, the resident signs up and gets the calendar file."""

from __future__ import annotations

import icalendar
import pytest

from tests.events_support import make_event
from tests.telegram_support import keyboard_labels, running_bot, sent_to

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _payload(call, label: str) -> str:
    markup = call.params.get("reply_markup") or {}
    for row in markup.get("inline_keyboard", []):
        for button in row:
            if label in button["text"]:
                return button["callback_data"]
    raise AssertionError(f"no button {label!r} in {keyboard_labels(call)}")


async def test_open_card_sign_up_and_get_the_calendar_file(session_factory, community, clock):
    event_id = make_event(session_factory, clock().replace(year=2030), capacity=2)
    async with running_bot(session_factory, community) as (api, _, _):
        api.user_sends_text(user_id=601, text=f"/start ev_{event_id}", language_code="zh-hans")
        [card] = await api.wait_for(sent_to(api, 601))
        assert card.params["text"].startswith("🗓 中秋游园会")
        assert "剩余 2 个名额" in card.params["text"]
        share = card.params["reply_markup"]["inline_keyboard"][1][1]
        assert share["url"] == f"https://t.me/linli_test_bot?start=ev_{event_id}"

        api.user_presses(user_id=601, data=_payload(card, "报名"), language_code="zh-hans")
        _, ask = await api.wait_for(sent_to(api, 601), count=2)
        assert "共 1 人吗" in ask.params["text"]
        api.user_presses(user_id=601, data=_payload(ask, "确认"), language_code="zh-hans")
        *_, done = await api.wait_for(sent_to(api, 601), count=3)
        assert "您已报名“中秋游园会”（1 人）" in done.params["text"]
        assert "剩余 1 个名额" in done.params["text"]

        api.user_presses(user_id=601, data=_payload(done, "添加到日历"), language_code="zh-hans")
        [document] = await api.wait_for(lambda c: c.method == "sendDocument")
        upload = document.params["document"]
        assert upload["filename"] == f"event-{event_id}.ics"
        calendar = icalendar.Calendar.from_ical(upload["content"])
        (entry,) = calendar.walk("VEVENT")
        assert str(entry["uid"]) == f"event-{event_id}@linli"
        assert document.params["caption"].startswith("📅 打开这个文件")
        answered = await api.wait_for(lambda c: c.method == "answerCallbackQuery", count=3)
        assert len(answered) == 3
