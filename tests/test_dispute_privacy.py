"""THE PRIVACY TEST, end to end over the Bot API stand-in, in both languages.

An anonymous reporter files a report with a photo; the case is worked through every step: the
card in the mediators' group, acknowledge, a question and its answer, the other side invited and
heard, a meeting agreed and reminded, resolved, the follow-up answered No, reopened, /cases and
the CSV. Then every Bot API call the bot made, every outbox row (its parameters and its rendered
text) and every log line at INFO are scanned for the reporter's display name, username and
Telegram id: none may appear except in messages to the reporter's own private chat.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from bot.dispatcher import Dispatcher
from bot.flood import FloodGuard
from bot.outbox import OutboxWorker
from bot.sweeper import Sweeper
from db.dispute_models import DisputeCase
from db.models import OutboxMessage
from db.users import find_user, grant_role
from handlers import build_registry
from standin.botapi import ApiCall, BotApiStandin
from standin.serving import serving
from tests.dispute_support import outbox_messages
from tests.support import FakeClock

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

REPORTER, NAME, USERNAME = 777123456, "Meimei", "meimei_secret"
MEDIATOR, PARTY, ADMIN, GROUP = 5005, 6006, 9000, -100777

WORDS = {
    "en": {
        "category": "What is the problem about?",
        "noise": "🔊 Noise",
        "where": "Where does it happen?",
        "when": "When does it happen?",
        "describe": "Please describe the problem",
        "photos": "up to 3 photos",
        "received": "Received 1 of at most 3",
        "done": "Done",
        "who": "Should the mediators know who you are?",
        "anonymous": "🕶 Anonymous",
        "check": "Please check your answers",
        "ask_check": "Send this question to the reporter?",
        "meeting_q": "A meeting is still planned",
        "keep": "📅 Keep the meeting",
        "party_resolved": "The mediators have concluded the matter #D-0001. Outcome: Quiet",
        "send_report": "✅ Send the report",
        "filed": "Your report #D-0001 was sent",
        "acknowledged": "Your report #D-0001 was received",
        "open_cases": "Open cases, oldest first:",
        "ask_prompt": "Please write your question.",
        "send": "✅ Send",
        "confirm": "✅ Confirm",
        "question_sent": "The question was sent.",
        "question": "The mediators have a question about your report #D-0001",
        "answered": "Thank you. Your answer was passed to the mediators",
        "summary_prompt": "Please write a neutral summary",
        "link": "one-time link",
        "party_sees": "What it is about:",
        "give_side": "✍️ Give my side",
        "side_prompt": "Please tell the mediators your side",
        "side_thanks": "The mediators will read your side",
        "meet_when": "When should the meeting be?",
        "meet_where": "Where? For example",
        "meet_proposed": "The meeting was proposed",
        "meeting": "The mediators propose a meeting about #D-0001",
        "can_come": "✅ I can come",
        "see_you": "✅ You can come.",
        "reminder": "Reminder: the mediation meeting about #D-0001",
        "outcome_prompt": "What was the outcome?",
        "resolved": "Your report #D-0001 was resolved. Outcome:",
        "followup": "Is the problem solved?",
        "not_solved": "👎 No, not solved",
        "reopened": "was reopened and the mediators were told",
        "room_reopened": "#D-0001 was reopened",
        "card_anonymous": "Reported by: anonymous",
        "csv": "📄 CSV",
        "in_progress": "in progress",
    },
    "zh-hans": {
        "category": "是什么方面的问题？",
        "noise": "🔊 噪音",
        "where": "问题发生在哪里？",
        "when": "问题什么时候发生？",
        "describe": "请描述问题",
        "photos": "照片或语音消息，最多 3 个",
        "received": "已收到 1",
        "done": "完成",
        "who": "您希望调解员知道您是谁吗？",
        "anonymous": "🕶 匿名",
        "check": "请核对",
        "ask_check": "把这个问题发给反映人吗？",
        "meeting_q": "还有一次已安排的会面",
        "keep": "📅 保留会面",
        "party_resolved": "调解员已处理完事项 #D-0001。结果：Quiet",
        "send_report": "✅ 提交反映",
        "filed": "编号 #D-0001",
        "acknowledged": "您反映的问题 #D-0001 已受理",
        "open_cases": "待处理的案件（最早的在前）：",
        "ask_prompt": "请写下您的问题。",
        "send": "✅ 发送",
        "confirm": "✅ 确认",
        "question_sent": "问题已发送。",
        "question": "关于您反映的问题 #D-0001，调解员想问",
        "answered": "谢谢。您的回答已转给调解员",
        "summary_prompt": "请为另一方写一段中立的概述",
        "link": "一次性链接",
        "party_sees": "事情概述：",
        "give_side": "✍️ 说明我的情况",
        "side_prompt": "请向调解员说明您这一方的情况",
        "side_thanks": "调解员会阅读您的说明",
        "meet_when": "会面定在什么时候？",
        "meet_where": "在哪里？",
        "meet_proposed": "会面提议已发给所有相关人员",
        "meeting": "调解员想就 #D-0001 约您会面",
        "can_come": "✅ 我能来",
        "see_you": "✅ 您会参加。",
        "reminder": "提醒：关于 #D-0001 的调解会面",
        "outcome_prompt": "处理结果是什么？",
        "resolved": "您反映的问题 #D-0001 已解决。处理结果：",
        "followup": "问题解决了吗？",
        "not_solved": "👎 没有解决",
        "reopened": "已重新打开，调解员已收到通知",
        "room_reopened": "#D-0001 已重新打开",
        "card_anonymous": "反映人：匿名",
        "csv": "📄 导出 CSV",
        "in_progress": "处理中",
    },
}


def _text(call: ApiCall) -> str:
    return str(call.params.get("text") or call.params.get("caption") or "")


def _labels(call: ApiCall) -> dict[str, str]:
    markup = call.params.get("reply_markup") or {}
    if isinstance(markup, str):
        markup = json.loads(markup)
    return {
        button["text"]: button.get("callback_data") or button.get("url")
        for row in markup.get("inline_keyboard", [])
        for button in row
    }


class Chat:
    """Drive the bot over the stand-in and wait for what it says."""

    def __init__(self, api: BotApiStandin, worker: OutboxWorker, hint: str) -> None:
        self.api, self.worker, self.hint = api, worker, hint

    async def expect(self, chat_id: int, needle: str, *, start: int, within: float = 15) -> ApiCall:
        """The first message (sent or edited) to ``chat_id`` since call ``start`` containing
        ``needle``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while loop.time() < deadline:
            for call in self.api.calls[start:]:
                if (
                    call.method in ("sendMessage", "editMessageText", "sendPhoto", "sendDocument")
                    and int(call.params.get("chat_id", 0)) == chat_id
                    and needle in _text(call)
                ):
                    return call
            await asyncio.sleep(0.02)
        recent = [
            (c.method, c.params.get("chat_id"), _text(c)[:80])
            for c in self.api.calls
            if c.method != "getUpdates"
        ][-8:]
        raise AssertionError(f"no message to {chat_id} with {needle!r}; last calls: {recent}")

    async def send(
        self,
        user_id: int,
        text: str,
        needle: str,
        *,
        first_name: str = "X",
        username: str | None = None,
        chat_id: int | None = None,
    ) -> ApiCall:
        start = len(self.api.calls)
        self.api.user_sends_text(
            user_id=user_id,
            text=text,
            language_code=self.hint,
            first_name=first_name,
            username=username,
            chat_id=chat_id,
        )
        return await self.expect(chat_id or user_id, needle, start=start)

    async def press(
        self, user_id: int, on: ApiCall, label: str, needle: str | None, **who: Any
    ) -> ApiCall | None:
        """Press the button labelled ``label`` on message ``on``."""
        start = len(self.api.calls)
        data = _labels(on)[label]
        chat_id = int(on.params["chat_id"])
        message_id = (
            on.response["result"]["message_id"]
            if on.method != "editMessageText"
            else (int(on.params["message_id"]))
        )
        self.api.user_presses(
            user_id=user_id,
            data=data,
            chat_id=chat_id,
            message_id=message_id,
            language_code=self.hint,
            **who,
        )
        return await self.expect(chat_id, needle, start=start) if needle else None

    async def tick(self) -> None:
        await self.worker.tick()


async def _eventually(check: Callable[[], bool], within: float = 10) -> None:
    for _ in range(int(within / 0.02)):
        if check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the condition never held")


def _scan_call(call: ApiCall) -> str:
    """Everything a call carried, uploads decoded."""
    parts = []
    for key, value in call.params.items():
        if isinstance(value, dict) and isinstance(value.get("content"), bytes):
            parts.append(value["content"].decode("utf-8-sig", "replace"))
            parts.append(str(value.get("filename")))
        else:
            parts.append(f"{key}={json.dumps(value, ensure_ascii=False, default=str)}")
    return "\n".join(parts)


@pytest.mark.parametrize("hint", ["en", "zh-hans"])
async def test_an_anonymous_reporter_is_never_revealed(session_factory, community, hint, caplog):
    caplog.set_level(logging.INFO)
    w = WORDS[hint]
    clock = FakeClock()
    registry = build_registry()
    dispatcher = Dispatcher(
        session_factory=session_factory,
        registry=registry,
        community=community,
        clock=clock,
        flood=FloodGuard(limit=1000),  # the mediator works faster than any person types
    )
    worker = OutboxWorker(
        session_factory=session_factory, registry=registry, community=community, clock=clock
    )
    sweeper = Sweeper(
        session_factory=session_factory, registry=registry, community=community, clock=clock
    )
    async with BotApiStandin() as api, serving(api, dispatcher, worker):
        chat = Chat(api, worker, hint)
        reporter = {"first_name": NAME, "username": USERNAME}
        # The admin binds the mediators' group; the mediator says hello and is made one.
        await chat.send(ADMIN, "/bind mediators", "", chat_id=GROUP, first_name="Admin")
        await chat.send(MEDIATOR, "/start", "", first_name="Li")
        with session_factory() as session, session.begin():
            mediator = find_user(session, "telegram", str(MEDIATOR))
            grant_role(session, mediator, "mediator", now=clock(), by="test")

        # 1. The anonymous report with a photo.
        ask = await chat.send(REPORTER, "/report", w["category"], **reporter)
        await chat.press(REPORTER, ask, w["noise"], w["where"], **reporter)
        await chat.send(REPORTER, "Building 3, unit 1202", w["when"], **reporter)
        await chat.send(REPORTER, "every night after 23:00", w["describe"], **reporter)
        await chat.send(
            REPORTER, "Very loud music from upstairs until 2 am.", w["photos"], **reporter
        )
        start = len(api.calls)
        api.user_sends_photo(user_id=REPORTER, language_code=hint, **reporter)
        got = await chat.expect(REPORTER, w["received"], start=start)
        who = await chat.press(REPORTER, got, w["done"], w["who"], **reporter)
        summary = await chat.press(REPORTER, who, w["anonymous"], w["check"], **reporter)
        start = len(api.calls)  # the outbox is woken after each commit that wrote to it
        await chat.press(REPORTER, summary, w["send_report"], w["filed"], **reporter)

        # 2. The card (and the photo, by file id) in the mediators' group.
        await chat.tick()
        card = await chat.expect(GROUP, w["card_anonymous"], start=start)
        await _eventually(lambda: any(c.method == "sendPhoto" for c in api.calls[start:]))
        photo = next(c for c in api.calls[start:] if c.method == "sendPhoto")
        assert int(photo.params["chat_id"]) == GROUP
        with session_factory() as session:
            [stored] = session.get(DisputeCase, 1).photos
        assert photo.params["photo"] == stored

        # 3. Acknowledged from the group card; the reporter is told.
        start = len(api.calls)
        ack_label = next(label for label in _labels(card) if label.startswith("✅"))
        await chat.press(MEDIATOR, card, ack_label, None, first_name="Li")
        await _eventually(lambda: _status(session_factory) == "acknowledged")
        await chat.tick()
        await chat.expect(REPORTER, w["acknowledged"], start=start)
        edit = await chat.expect(GROUP, w["card_anonymous"], start=start)
        assert edit.method == "editMessageText"

        # 4. A question and its answer.
        listing = await chat.send(MEDIATOR, "/cases", w["open_cases"], first_name="Li")
        view = await chat.press(MEDIATOR, listing, "🔎 #D-0001", "#D-0001", first_name="Li")
        ask_label = next(label for label in _labels(view) if label.startswith("❓"))
        await chat.press(MEDIATOR, view, ask_label, w["ask_prompt"], first_name="Li")
        check = await chat.send(MEDIATOR, "Which floor is it?", w["ask_check"], first_name="Li")
        start = len(api.calls)
        await chat.press(MEDIATOR, check, w["send"], w["question_sent"], first_name="Li")
        await chat.tick()
        await chat.expect(REPORTER, w["question"], start=start)
        await chat.send(REPORTER, "The 13th floor.", w["answered"], **reporter)

        # 5. The other side is invited, opens the link, and gives their side.
        view = await chat.send(MEDIATOR, "/start dp_c1", "⚖️ #D-0001", first_name="Li")
        invite_label = next(label for label in _labels(view) if label.startswith("🤝"))
        await chat.press(MEDIATOR, view, invite_label, w["summary_prompt"], first_name="Li")
        check = await chat.send(
            MEDIATOR, "Neighbours hear music late at night.", w["check"], first_name="Li"
        )
        link = await chat.press(MEDIATOR, check, w["confirm"], w["link"], first_name="Li")
        token = re.search(r"dp_([A-Za-z0-9_-]+)", _text(link)).group(1)
        seen = await chat.send(PARTY, f"/start dp_{token}", w["party_sees"], first_name="Bob")
        assert "Very loud music" not in _text(seen)
        await chat.press(PARTY, seen, w["give_side"], w["side_prompt"], first_name="Bob")
        check = await chat.send(PARTY, "I stop at 23:00.", w["check"], first_name="Bob")
        await chat.press(PARTY, check, w["send"], w["side_thanks"], first_name="Bob")

        # 6. A meeting, agreed by both and reminded.
        view = await chat.send(MEDIATOR, "/start dp_c1", "⚖️ #D-0001", first_name="Li")
        meet_label = next(label for label in _labels(view) if label.startswith("📅"))
        await chat.press(MEDIATOR, view, meet_label, w["meet_when"], first_name="Li")
        await chat.send(MEDIATOR, "2026-12-03 19:00", w["meet_where"], first_name="Li")
        check = await chat.send(MEDIATOR, "Community centre, room 2", w["check"], first_name="Li")
        start = len(api.calls)
        await chat.press(MEDIATOR, check, w["confirm"], w["meet_proposed"], first_name="Li")
        await chat.tick()
        to_reporter = await chat.expect(REPORTER, w["meeting"], start=start)
        to_party = await chat.expect(PARTY, w["meeting"], start=start)
        await chat.press(REPORTER, to_reporter, w["can_come"], w["see_you"], **reporter)
        await chat.press(PARTY, to_party, w["can_come"], w["see_you"], first_name="Bob")
        start = len(api.calls)
        clock.advance(days=6, hours=3, minutes=1)  # Dec 2, 11:01 UTC: 24 h before
        await chat.tick()
        await chat.expect(REPORTER, w["reminder"], start=start)
        await chat.expect(PARTY, w["reminder"], start=start)
        start = len(api.calls)
        clock.advance(hours=22)  # 2 h before
        await chat.tick()
        await chat.expect(REPORTER, w["reminder"], start=start)

        # 7. Resolved; three days later the reporter says it is not solved: reopened.
        view = await chat.send(MEDIATOR, "/start dp_c1", "⚖️ #D-0001", first_name="Li")
        resolve_label = [label for label in _labels(view) if label.startswith("✅")][-1]
        await chat.press(MEDIATOR, view, resolve_label, w["outcome_prompt"], first_name="Li")
        ask = await chat.send(
            MEDIATOR, "Quiet after 22:00 agreed.", w["meeting_q"], first_name="Li"
        )
        check = await chat.press(MEDIATOR, ask, w["keep"], w["check"], first_name="Li")
        start = len(api.calls)
        await chat.press(MEDIATOR, check, w["confirm"], "#D-0001", first_name="Li")
        await chat.tick()
        await chat.expect(REPORTER, w["resolved"], start=start)
        await chat.expect(PARTY, w["party_resolved"], start=start)  # the other side hears it
        start = len(api.calls)
        clock.advance(days=3, minutes=1)
        assert sweeper.run() == []
        await chat.tick()
        followup = await chat.expect(REPORTER, w["followup"], start=start)
        start = len(api.calls)
        await chat.press(REPORTER, followup, w["not_solved"], w["reopened"], **reporter)
        await chat.tick()
        await chat.expect(GROUP, w["room_reopened"], start=start)
        await chat.expect(GROUP, w["in_progress"], start=start)
        assert _status(session_factory) == "in_progress"

        # 8. The lists: /cases and the CSV.
        listing = await chat.send(MEDIATOR, "/cases", w["open_cases"], first_name="Li")
        start = len(api.calls)
        await chat.press(MEDIATOR, listing, w["csv"], None, first_name="Li")
        await _eventually(lambda: any(c.method == "sendDocument" for c in api.calls[start:]))
        await chat.tick()

    # ---- The scan. --------------------------------------------------------------------
    secrets_ = (NAME, USERNAME, str(REPORTER))
    leaks = []
    for call in api.calls:
        if call.method == "getUpdates" or int(call.params.get("chat_id", 0) or 0) == REPORTER:
            continue
        scanned = _scan_call(call)
        leaks += [(call.method, s, scanned[:200]) for s in secrets_ if s in scanned]
    for message in outbox_messages(session_factory, registry, community):
        if message.chat_id == str(REPORTER):
            continue
        scanned = message.text + json.dumps(message.row.params, ensure_ascii=False)
        leaks += [(message.template, s, scanned[:200]) for s in secrets_ if s in scanned]
    for record in caplog.records:
        if record.levelno >= logging.INFO:
            line = record.getMessage()
            leaks += [(record.name, s, line[:200]) for s in secrets_ if s in line]
    assert leaks == []
    # The scan looked at real traffic: the mediators' room and the other side got plenty.
    group_calls = [c for c in api.calls if int(c.params.get("chat_id", 0) or 0) == GROUP]
    assert len(group_calls) >= 10
    with session_factory() as session:
        to_reporter = session.scalars(
            select(OutboxMessage.template).where(OutboxMessage.chat_id == str(REPORTER))
        ).all()
    assert {"dp.status", "dp.question", "dp.meeting", "dp.reminder", "dp.followup"} <= set(
        to_reporter
    )


def _status(session_factory) -> str:
    with session_factory() as session:
        return session.get(DisputeCase, 1).status
