"""In both languages: single-answer inputs end with one line and
[Send] [✏️ Change] [Cancel] instead of a summary; a star rating can be changed for 10 minutes."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.request_models import HelpRequest
from tests.requests_support import file_request, make_volunteer

WORDS = {
    "en": {
        "thanks": "Thank you for rating #R-0001: ⭐⭐.",
        "hint": "Press another within 10 minutes to change it.",
        "confirm": "Send your comment to the volunteer team?",
        "buttons": ["✅ Send", "✏️ Change", "Cancel"],
        "change": "Change",
        "send": "Send",
        "changed": "Your rating of #R-0001 is now ⭐⭐⭐⭐⭐.",
        "late": "You have already rated #R-0001: ⭐⭐⭐⭐⭐.",
        "comment": "Add a comment",
        "passed": "your comment was passed to the volunteer team",
    },
    "zh-hans": {
        "thanks": "感谢您为 #R-0001 评分：⭐⭐。",
        "hint": "10 分钟内按其他星级即可修改。",
        "confirm": "把您的评价发给志愿服务队吗？",
        "buttons": ["✅ 发送", "✏️ 修改", "取消"],
        "change": "修改",
        "send": "发送",
        "changed": "您对 #R-0001 的评分已改为：⭐⭐⭐⭐⭐。",
        "late": "您已经为 #R-0001 评过分：⭐⭐⭐⭐⭐。",
        "comment": "写评价",
        "passed": "志愿服务队",
    },
}


def _rating(session_factory) -> int | None:
    with session_factory() as session:
        return session.scalar(select(HelpRequest.rating))


@pytest.mark.parametrize("hint", ["en", "zh-hans"])
def test_a_rating_can_be_changed_for_ten_minutes(resident, session_factory, clock, hint):
    w = WORDS[hint]
    alice = resident("Alice", "en")
    file_request(alice)
    alice.send(f"/lang {'zh' if hint != 'en' else 'en'}")
    bob = make_volunteer(session_factory, clock, resident("Bob Lee", "en"))
    bob.press_payload("rq:claim:1")
    bob.send("/resolve Translated the letter.")
    alice.press_payload("rq:rate:1:2")
    assert w["thanks"] in alice.text and w["hint"] in alice.text
    clock.advance(minutes=9)
    alice.press_payload("rq:rate:1:5")  # the wrong star: changed
    assert w["changed"] in alice.text
    assert _rating(session_factory) == 5
    clock.advance(minutes=2)  # 11 minutes after rating
    alice.press_payload("rq:rate:1:1")
    assert w["late"] in alice.text and _rating(session_factory) == 5


@pytest.mark.parametrize("hint", ["en", "zh-hans"])
def test_a_comment_is_confirmed_in_one_line(resident, session_factory, clock, hint):
    w = WORDS[hint]
    alice = resident("Alice", "en")
    file_request(alice)
    alice.send(f"/lang {'zh' if hint != 'en' else 'en'}")
    bob = make_volunteer(session_factory, clock, resident("Bob Lee", "en"))
    bob.press_payload("rq:claim:1")
    bob.send("/resolve Translated the letter.")
    alice.press_payload("rq:rate:1:4")
    alice.press(w["comment"])
    alice.send("Very kind")
    assert alice.text == w["confirm"]
    assert [b.label for row in alice.replies[-1].buttons for b in row] == w["buttons"]
    alice.press(w["change"])
    alice.send("Very kind and quick.")
    assert alice.text == w["confirm"]
    alice.press(w["send"])
    assert w["passed"] in alice.text
    with session_factory() as session:
        assert session.scalar(select(HelpRequest.comment)) == "Very kind and quick."
