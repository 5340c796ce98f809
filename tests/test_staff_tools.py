"""Staff find their tools. /help shows each person's own commands in under
400 characters (every role, both languages); the organiser's menu has "🛠 My events"; Telegram
staff get their own command menu on their private chat (``BotCommandScopeChat``) at start-up
and when a role is granted, and lose it when the role is revoked."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from db import outbox
from db.users import get_or_create_user, grant_role, revoke_role
from handlers import build_registry
from handlers.roles import RoleGranted, RoleRevoked, menu_for
from tests.support import give_role
from tests.telegram_support import running_bot

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

#: A command each role sees in /help, and one it must not see.
OWN = {
    None: ("/events", "/queue"),
    "volunteer": ("/queue", "/cases"),
    "mediator": ("/cases", "/queue"),
    "organiser": ("/newevent", "/cases"),
    "announcer": ("/notice", "/queue"),
    "admin": ("/stats", None),
}


@pytest.mark.parametrize("hint", ["en", "zh-hans"])
@pytest.mark.parametrize("role", list(OWN))
def test_help_shows_ones_own_commands_briefly(resident, session_factory, clock, role, hint):
    person = resident(f"Person {role}", hint)
    if role:
        give_role(session_factory, clock, person, role)
    person.send("/help")
    text = person.text
    assert len(text) < 400, (len(text), text)
    mine, not_mine = OWN[role]
    assert mine in text
    assert not_mine is None or not_mine not in text
    assert "/mycases" in text and "/cancel" in text
    if role == "admin":  # an admin acts as every role: every staff command is there
        assert all(command in text for command in ("/queue", "/cases", "/newevent", "/notice"))
    if hint == "zh-hans":
        assert ("社区活动" in text) if role is None else ("所有人：" in text)


@pytest.mark.parametrize(("hint", "label"), [("en", "🛠 My events"), ("zh-hans", "🛠 我组织的活动")])
def test_the_organisers_menu_has_their_events(resident, session_factory, clock, hint, label):
    olivia = give_role(session_factory, clock, resident("Olivia", hint), "organiser")
    olivia.send("/menu")
    olivia.press(label)
    assert "/newevent" in olivia.text  # (no events yet: how to create one)
    alice = resident("Alice", hint)
    alice.send("/menu")
    assert label not in [b.label for row in alice.replies[-1].buttons for b in row]
    alice.press_payload("ev:orgs:0")  # a forged press
    assert "/newevent" not in alice.text
    assert "organiser" in alice.text or "组织者" in alice.text  # refused, saying who may


def _menu(api, chat_id: int) -> dict[str, str]:
    return {c["command"]: c["description"] for c in api.commands.get((None, f"chat:{chat_id}"), [])}


async def test_staff_command_menus_on_telegram(session_factory, community):
    registry = build_registry()
    now = datetime.now(UTC)
    with session_factory() as session, session.begin():
        li = get_or_create_user(
            session, transport="telegram", external_id="611", now=now, language_hint="zh-hans"
        )
        grant_role(session, li, "volunteer", now=now, by="test")
        get_or_create_user(
            session, transport="telegram", external_id="612", now=now, language_hint="en"
        )
    async with running_bot(session_factory, community, registry=registry) as (api, _, worker):
        # At start-up: the volunteer's own menu, in Chinese; residents keep everyone's.
        li_menu = _menu(api, 611)
        assert li_menu["queue"] == "待处理的求助" or "queue" in li_menu
        assert li_menu["events"] == "社区活动"
        assert "cases" not in li_menu and "stats" not in li_menu
        assert _menu(api, 612) == {}

        # Granted: the message carries the new menu, set on the person's chat.
        with session_factory() as session, session.begin():
            bob = get_or_create_user(session, transport="telegram", external_id="612", now=now)
            grant_role(session, bob, "mediator", now=now, by="test")
            outbox.enqueue(
                session,
                transport="telegram",
                chat_id="612",
                user_id=bob.id,
                params=RoleGranted(role="mediator", commands=menu_for(registry, bob.role_names)),
                now=now,
            )
        assert (await worker.tick()).sent == 1
        bob_menu = _menu(api, 612)
        assert bob_menu["cases"] == "Open dispute cases" and "queue" not in bob_menu
        assert bob_menu["help"] == "What I can do and how to use me"
        [granted] = api.sent_messages(612)
        assert granted["text"].startswith("You are now a mediator in Linli.")

        # Revoked: back to everyone's menu (the chat's own is deleted).
        with session_factory() as session, session.begin():
            bob = get_or_create_user(session, transport="telegram", external_id="612", now=now)
            revoke_role(session, bob, "mediator")
            outbox.enqueue(
                session,
                transport="telegram",
                chat_id="612",
                user_id=bob.id,
                params=RoleRevoked(role="mediator", commands=menu_for(registry, bob.role_names)),
                now=now,
            )
        assert (await worker.tick()).sent == 1
        assert _menu(api, 612) == {}
        assert api.sent_messages(612)[-1]["text"] == (
            "You are no longer a mediator in Linli. Thank you for your help."
        )
