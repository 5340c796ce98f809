"""The /notices panel is one message: 🏠 My building, the building chosen, « Back, 📜 Recent
notices and each topic change the message they were pressed on, and add none. A button of an
older panel (or a double tap) never undoes a newer choice: it shows the panel as it stands,
with a line saying so. English and Chinese."""

from __future__ import annotations

import pytest

from handlers.types import Reply
from tests.notices_support import add_buildings, neighbour

WORDS = {
    "en": {
        "building": "🏠 My building",
        "which": "Which building do you live in?",
        "yours": "Your building: 3栋",
        "already": "Your building is already 3栋.",
        "back": "« Back",
        "recent": "📜 Recent notices",
        "none_yet": "There are no notices for you yet.",
        "works": "Building works",
        "works_on": "🔧 Building works and outages is already on.",
        "receive": "You receive: 📰 Community news, 🔧 Building works and outages, and ⚠️ Safety",
    },
    "zh-hans": {
        "building": "🏠 我的楼栋",
        "which": "您住在哪栋楼？",
        "yours": "您的楼栋：3栋",
        "already": "您的楼栋已经是 3栋。",
        "back": "« 返回",
        "recent": "📜 最近的通知",
        "none_yet": "暂时还没有给您的通知。",
        "works": "楼栋施工",
        "works_on": "“🔧 楼栋施工与停水停电”已经是开启的。",
        "receive": "您接收：📰 社区新闻、🔧 楼栋施工与停水停电和⚠️ 安全与天气",
    },
}


def _only_edit(replies: list[Reply]) -> Reply:
    """The press changed the message it was on: one reply, an edit, nothing new."""
    assert [r.edit for r in replies] == [True], [r.text for r in replies]
    return replies[0]


def _payload(reply: Reply, label: str) -> str:
    found = [b.payload for row in reply.buttons for b in row if label in b.label and b.payload]
    assert found, (label, [b.label for row in reply.buttons for b in row])
    return found[0]


@pytest.mark.parametrize("hint", ["en", "zh-hans"])
def test_the_notices_panel_changes_in_place_and_old_buttons_show_it(
    resident, session_factory, clock, hint
):
    w = WORDS[hint]
    add_buildings(session_factory, clock, "1栋", "3栋")
    ana = neighbour(resident, "Ana", hint)
    [panel] = ana.send("/notices")

    buildings = _only_edit(ana.press_payload(_payload(panel, w["building"])))
    assert w["which"] in buildings.text
    assert _payload(buildings, w["back"]) == "nt:settings"
    pick = _payload(buildings, "3栋")
    shown = _only_edit(ana.press_payload(pick))
    assert w["yours"] in shown.text
    chosen = _only_edit(ana.press_payload(_payload(shown, w["building"])))
    assert any(b.label == "✅ 3栋" for row in chosen.buttons for b in row), "the one chosen"

    again = _only_edit(ana.press_payload(pick))  # the older list's button
    assert again.text.startswith(w["already"] + "\n") and w["yours"] in again.text

    back = _only_edit(ana.press_payload(_payload(chosen, w["back"])))
    assert w["yours"] in back.text
    recent = _only_edit(ana.press_payload(_payload(back, w["recent"])))
    assert recent.text == w["none_yet"] and _payload(recent, w["back"]) == "nt:settings"

    # A topic's button turns it one way; the old panel's button does not undo it.
    works = _payload(panel, w["works"])  # on the first panel: "turn it on"
    turned = _only_edit(ana.press_payload(works))
    assert w["receive"] in turned.text
    stale = _only_edit(ana.press_payload(works))
    assert stale.text.startswith(w["works_on"] + "\n") and w["receive"] in stale.text
