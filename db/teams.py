"""Team rooms: which group chat the volunteer team (or the mediators) work in, and the people
to tell when something waited too long (admins)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db import outbox
from db.models import Role, RoleGrant, TeamChat, User

VOLUNTEERS = "volunteers"
MEDIATORS = "mediators"
#: The 格格屋 front desk: room bookings that need approval are carded there when bound.
FRONT_DESK = "frontdesk"
TEAMS = (VOLUNTEERS, MEDIATORS, FRONT_DESK)


@dataclass(frozen=True, slots=True)
class Room:
    transport: str
    chat_id: str
    locale: str | None


def bind_team(
    session: Session,
    team: str,
    *,
    transport: str,
    chat_id: str,
    locale: str | None,
    by: str,
    now: datetime,
) -> None:
    """Make this chat the team's room (replacing an earlier binding)."""
    if team not in TEAMS:
        raise ValueError(f"unknown team {team!r}")
    row = session.get(TeamChat, team)
    if row is None:
        row = TeamChat(team=team)
        session.add(row)
    row.transport, row.chat_id, row.locale = transport, chat_id, locale
    row.bound_by, row.bound_at = by[:64], now
    session.flush()


def team_room(session: Session, team: str, configured: Mapping[str, str]) -> Room | None:
    """The team's room: the one bound with /bind, else the settings' Telegram chat id."""
    row = session.get(TeamChat, team)
    if row is not None:
        return Room(row.transport, row.chat_id, row.locale)
    if team in configured:
        return Room("telegram", configured[team], None)
    return None


def notify_team(
    session: Session,
    team: str,
    configured: Mapping[str, str],
    *,
    template: str,
    now: datetime,
    params: dict[str, Any] | None = None,
    card_key: str | None = None,
    dedup_key: str | None = None,
    due_at: datetime | None = None,
) -> bool:
    """Queue a message (or a card, edited in place later) to the team's room. Returns False
    when the team has no room yet — the work is still in the team's private lists."""
    room = team_room(session, team, configured)
    if room is None:
        return False
    return outbox.enqueue(
        session,
        transport=room.transport,
        chat_id=room.chat_id,
        locale=room.locale,
        template=template,
        now=now,
        params=params,
        card_key=card_key,
        dedup_key=dedup_key,
        due_at=due_at,
    )


def users_with_role(session: Session, role: str) -> list[User]:
    """Everyone holding ``role`` (the admins named in the settings hold ``admin``: they are
    loaded into the roles table at start, ``db.users.load_admins``)."""
    return list(
        session.scalars(
            select(User).join(RoleGrant).where(RoleGrant.role == role).order_by(User.id)
        )
    )


def notify_admins(
    session: Session,
    *,
    template: str,
    now: datetime,
    params: dict[str, Any] | None = None,
    dedup_key: str | None = None,
) -> int:
    """Queue a message to every admin's private chat; returns how many were queued. With a
    ``dedup_key`` each admin gets it once (the key is suffixed with the admin's id)."""
    queued = 0
    for admin in users_with_role(session, Role.ADMIN):
        queued += outbox.enqueue_to_user(
            session,
            admin,
            template=template,
            now=now,
            params=params,
            dedup_key=f"{dedup_key}:u{admin.id}" if dedup_key else None,
        )
    return queued
