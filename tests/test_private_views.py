"""Groups never show private things: every command that shows a person's own data or the
team's (``/mycases``, ``/myevents``, ``/stats``, ``/teamstats``…) is private-only, and in a
group answers with a pointer and a button that opens the private chat — never the content.
The walk over every private-only entry point is in ``tests/test_permissions.py``; the command
menu for private chats only in ``tests/test_telegram_e2e.py``."""

from __future__ import annotations

import pytest

from handlers import build_registry
from tests.dispute_support import file_report
from tests.support import in_group

REGISTRY = build_registry()
POINTER = {
    "en": "This opens only in a private chat with me, so that it stays private.",
    "zh-hans": "为保护隐私，这项内容只能在私聊中打开。",
}
OPEN_PRIVATE = {"en": "💬 Open the private chat", "zh-hans": "💬 打开私聊"}

#: What shows a person's own data or the team's, and so never opens in a group.
PERSONAL = {"mycases", "myevents", "myrequests", "mydata", "deleteme", "notices"}
TEAM = {"stats", "teamstats", "queue", "cases", "myorganised", "buildings", "block", "unblock"}


def test_every_personal_and_team_view_is_private_only():
    private = {name for name, command in REGISTRY.commands.items() if command.private_only}
    assert private >= PERSONAL | TEAM, sorted((PERSONAL | TEAM) - private)
    buttons = {r.kind.__name__ for r in REGISTRY.button_routes if r.rule and r.rule.private_only}
    assert {"MyEvents", "MyEvent", "ToggleTopic", "RecentNotices", "SetBuilding"} <= buttons


@pytest.mark.parametrize("hint", ["en", "zh-hans"])
def test_mycases_in_a_group_points_to_the_private_chat(dispatcher, resident, hint):
    reporter = resident("Quiet Neighbour", hint, user_id="1701")
    words = "Very loud music from upstairs until 2 am."
    file_report(reporter, anonymous=True, description=words)
    assert "#D-0001" in reporter.send("/mycases")[0].text  # in private: the report
    replies = in_group(dispatcher, "1701", "Quiet Neighbour", command="/mycases", hint=hint)
    [said] = replies
    assert said.text == POINTER[hint]
    assert "#D-0001" not in said.text and "music" not in said.text
    [[button]] = said.buttons
    assert button.label == OPEN_PRIVATE[hint]
    assert button.url == "https://t.me/linli_test_bot"


@pytest.mark.parametrize("hint", ["en", "zh-hans"])
@pytest.mark.parametrize("command", ["/stats", "/teamstats", "/myevents"])
def test_team_numbers_and_signups_never_open_in_a_group(dispatcher, resident, command, hint):
    resident("Admin", hint, user_id="9000").send("/start")
    [said] = in_group(dispatcher, "9000", "Admin", command=command, hint=hint)
    assert said.text == POINTER[hint] and said.attachment is None


@pytest.mark.parametrize("hint", ["en", "zh-hans"])
def test_help_in_a_group_does_not_show_a_persons_roles(dispatcher, resident, hint):
    admin = resident("Admin", hint, user_id="9000")
    assert "/block" in admin.send("/help")[0].text  # in private: their own commands
    [said] = in_group(dispatcher, "9000", "Admin", command="/help", hint=hint)
    for staff_command in ("/block", "/cases", "/queue", "/stats", "/newevent"):
        assert staff_command not in said.text, said.text
    assert "/events" in said.text and "/mycases" in said.text
