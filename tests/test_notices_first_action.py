"""Someone who never saw /start — a Matrix user who wrote first, a neighbour who came through a
shared link (``/start ev_42``) — is asked the welcome's notices question after their first
completed action (a signup, a request, a report): once, with the welcome's own buttons, never
in a group, and never again to someone /start already asked."""

from __future__ import annotations

import pytest

from handlers.buttons.events import SignUp
from tests.dispute_support import file_report
from tests.events_support import make_event
from tests.requests_support import file_request
from tests.support import in_group

QUESTION = {
    "en": "Would you like to receive them?",
    "zh-hans": "您想接收吗？",
}
BUTTONS = {
    "en": ["✅ Yes, news and safety", "Choose topics", "No, thanks"],
    "zh-hans": ["✅ 好的，接收新闻和安全通知", "选择类别", "不用了"],
}


def _asked(person, hint: str) -> bool:
    return QUESTION[hint] in person.text


@pytest.mark.parametrize("hint", ["en", "zh-hans"])
def test_a_neighbour_from_a_shared_link_is_asked_after_signing_up(
    resident, session_factory, clock, hint
):
    first = make_event(session_factory, clock())
    second = make_event(session_factory, clock(), title_en="Dumplings", title_zh="包饺子")
    wang = resident("Wang", hint)
    wang.send(f"/start ev_{first}")
    assert not _asked(wang, hint), "the card, not the welcome"
    wang.press("报名" if hint == "zh-hans" else "Sign up")
    assert not _asked(wang, hint), "asked after the action, not in the middle of it"
    wang.press("确认" if hint == "zh-hans" else "Confirm")
    confirmed, question = wang.replies
    assert "🎉" in confirmed.text and confirmed.edit
    assert QUESTION[hint] in question.text and not question.edit
    assert [b.label for row in question.buttons for b in row] == BUTTONS[hint]
    wang.press(BUTTONS[hint][0])
    assert "⚠️" in wang.text  # news and safety, as after the welcome
    wang.send(f"/start ev_{second}")
    wang.press("报名" if hint == "zh-hans" else "Sign up")
    wang.press("确认" if hint == "zh-hans" else "Confirm")
    assert len(wang.replies) == 1 and not _asked(wang, hint), "asked once"


@pytest.mark.parametrize("hint", ["en", "zh-hans"])
def test_a_matrix_user_who_writes_first_is_asked_after_a_report(resident, hint):
    mei = resident("Mei", hint, transport="matrix", user_id="@mei:linli.example")
    confirmation = file_report(mei)
    assert "#" in confirmation
    assert _asked(mei, hint)
    assert [b.label for row in mei.replies[-1].buttons for b in row] == BUTTONS[hint]
    file_report(mei, category="parking", description="A car blocks the fire lane every day.")
    assert not _asked(mei, hint), "asked once"


def test_a_request_filed_without_the_welcome_asks_once(resident):
    ana = resident("Ana", "en", transport="matrix", user_id="@ana:linli.example")
    file_request(ana)
    assert "was sent to the volunteer team" in ana.text
    assert _asked(ana, "en")
    ana.press("No, thanks")
    file_request(ana, category="Hospital visit", description="I need someone to come along.")
    assert not _asked(ana, "en")


@pytest.mark.parametrize("hint", ["en", "zh-hans"])
def test_someone_welcomed_by_start_is_not_asked_again(resident, session_factory, clock, hint):
    event_id = make_event(session_factory, clock())
    li = resident("Li", hint)
    li.send("/start")
    assert _asked(li, hint)
    li.press_payload(SignUp(event_id, 1).pack())
    assert len(li.replies) == 1 and not _asked(li, hint)


def test_never_in_a_group(dispatcher, resident, session_factory, clock):
    """A signup pressed in a group (a card shared there) gets no question there."""
    event_id = make_event(session_factory, clock())
    replies = in_group(dispatcher, "1005", "Zoe", payload=SignUp(event_id, 1).pack())
    assert replies, "the signup is answered"
    assert not any(QUESTION["en"] in r.text or QUESTION["zh-hans"] in r.text for r in replies)
