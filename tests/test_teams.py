"""Team rooms and cards: an admin binds a group with /bind; a card posted there through the
outbox is edited in place when it changes, never posted twice; admins are told things."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.dispatcher import Dispatcher
from bot.outbox import OutboxWorker
from db import outbox
from db.models import OutboxMessage
from db.outbox_params import Params
from db.teams import MEDIATORS, VOLUNTEERS, notify_admins, notify_team, team_room
from db.users import get_or_create_user, grant_role
from handlers.i18n import Language
from handlers.roles import RoleGranted
from handlers.router import Router
from handlers.types import Reply
from standin.botapi import BotApiStandin
from standin.serving import serving
from tests.support import GROUP, group_command, registry_with

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


class CardParams(Params, template="test.card"):
    """A card for the test: a request and its state."""

    ref: str
    state: str


def cards_router() -> Router:
    router = Router("test-cards")

    @router.template(CardParams)
    def card(lang: Language, params: CardParams) -> Reply:
        return Reply(f"Request {params.ref}: {lang.gettext(params.state)}")

    return router


def test_only_an_admin_binds_and_only_inside_a_group(dispatcher, resident, session_factory):
    assert "only administrators can do this" in group_command(dispatcher, "77", "/bind volunteers")
    assert "抱歉，只有管理员可以这样做。" in group_command(
        dispatcher, "78", "/bind volunteers", "zh-hans"
    )
    admin = resident("Admin", "en", user_id="9000")
    admin.send("/bind volunteers")
    assert "inside the team's group chat" in admin.text
    assert "which team" in group_command(dispatcher, "9000", "/bind cooks")
    reply = group_command(dispatcher, "9000", "/bind volunteers")
    assert "this group is now the room of the volunteer team" in reply
    with session_factory() as session:
        assert team_room(session, VOLUNTEERS, {}).chat_id == GROUP
        assert team_room(session, MEDIATORS, {}) is None
        # The settings' chat id is the fallback until someone binds a room.
        assert team_room(session, MEDIATORS, {MEDIATORS: "-42"}).chat_id == "-42"


def test_bind_answers_in_chinese(dispatcher):
    reply = group_command(dispatcher, "9000", "/bind mediators", hint="zh-hans")
    assert "本群现在是调解员的工作群" in reply


async def test_a_card_is_edited_in_place_over_telegram(session_factory, community, clock):
    registry = registry_with(cards_router())
    dispatcher = Dispatcher(
        session_factory=session_factory, registry=registry, community=community, clock=clock
    )
    worker = OutboxWorker(session_factory=session_factory, registry=registry, community=community)
    group_command(dispatcher, "9000", "/bind volunteers")

    def post(state: str) -> None:
        with session_factory() as session, session.begin():
            assert notify_team(
                session,
                VOLUNTEERS,
                {},
                params=CardParams(ref="R-0001", state=state),
                card_key="rq:1",
                now=datetime.now(UTC),
            )

    async with BotApiStandin() as api, serving(api, dispatcher, worker):
        post("open")
        assert (await worker.tick()).sent == 1
        post("claimed")
        post("resolved")  # two changes in one batch: both edit the same message
        assert (await worker.tick()).sent == 2
        [sent] = api.sent_messages(int(GROUP))
        assert sent["text"] == "Request R-0001: open"
        edits = api.calls_to("editMessageText")
        assert [int(call.params["message_id"]) for call in edits] == [sent["message_id"]] * 2
        assert api.message(int(GROUP), sent["message_id"])["text"] == "Request R-0001: resolved"


def test_admins_from_settings_and_roles_are_told_once(session_factory, dispatcher, clock):
    """The settings' admin (loaded into the roles table when the dispatcher starts) and one
    granted the role are each told once."""
    with session_factory() as session, session.begin():
        for external_id in ("9000", "9001", "9002"):
            user = get_or_create_user(
                session, transport="telegram", external_id=external_id, now=clock()
            )
            user.private_chat_id = external_id
        granted = get_or_create_user(session, transport="telegram", external_id="9001", now=clock())
        grant_role(session, granted, "admin", now=clock(), by="test")
    for _ in range(2):
        with session_factory() as session, session.begin():
            notify_admins(
                session,
                params=RoleGranted(role="admin"),
                now=clock(),
                dedup_key="escalate:1",
            )
    with session_factory() as session:
        chats = sorted(session.scalars(select(OutboxMessage.chat_id)))
    assert chats == ["9000", "9001"]  # 9002 is no admin; nobody is told twice


def test_a_user_without_a_private_chat_cannot_be_messaged(session_factory, clock):
    with session_factory() as session, session.begin():
        user = get_or_create_user(session, transport="telegram", external_id="55", now=clock())
        assert not outbox.enqueue_to_user(
            session, user, params=RoleGranted(role="volunteer"), now=clock()
        )
