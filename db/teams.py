"""Team rooms: which group chat the volunteer team (or the mediators) work in, and the people
to tell when something waited too long (admins).

A team room holds only the team: the team's role holders and admins. When anyone else is in it
(checked on ``/bind`` and on every later join) the room is *held*: the admins are told, and
nothing more is posted there until an admin binds it again."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from db import outbox
from db.models import Role, RoleGrant, TeamChat, User
from db.outbox_params import Params

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
    held: bool = False  # a stranger is in it: nothing is posted there


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
    row.held_since = None  # an admin bound it after checking its members
    session.flush()


#: Besides admins, who may sit in each team's room.
#: (The front desk's room is the admins'.)
TEAM_ROLES = {VOLUNTEERS: Role.VOLUNTEER, MEDIATORS: Role.MEDIATOR, FRONT_DESK: Role.ADMIN}


def bound_teams(session: Session, transport: str, chat_id: str) -> list[TeamChat]:
    """The teams whose room this chat is (usually none or one)."""
    return list(
        session.scalars(
            select(TeamChat).where(TeamChat.transport == transport, TeamChat.chat_id == chat_id)
        )
    )


def strangers(
    session: Session,
    team: str,
    transport: str,
    external_ids: Iterable[str],
    admin_refs: frozenset[str] = frozenset(),
) -> list[str]:
    """Who of these people holds neither the team's role nor the admin role (in the order
    given)."""
    wanted = list(dict.fromkeys(external_ids))
    if not wanted:
        return []
    users = {
        user.external_id: user
        for user in session.scalars(
            select(User).where(User.transport == transport, User.external_id.in_(wanted))
        )
    }
    allowed = {TEAM_ROLES[team], Role.ADMIN}
    return [
        who
        for who in wanted
        if f"{transport}:{who}" not in admin_refs
        and not (who in users and allowed & set(users[who].role_names))
    ]


class TeamHeld(Params, template="team.held"):
    """To the admins: someone without a role is in the team's room, so it is held."""

    team: str


def hold_room(session: Session, row: TeamChat, admin_refs: frozenset[str], now: datetime) -> bool:
    """Someone who holds no role is in the team's room: nothing more is posted there, and the
    admins are told (once per hold). False if it was held already."""
    locked = lock_row_by_team(session, row.team)
    if locked is None or locked.held_since is not None:
        return False
    locked.held_since = now
    session.flush()
    notify_admins(
        session,
        params=TeamHeld(team=row.team),
        now=now,
        dedup_key=f"team.held:{row.team}:{now.isoformat()}",
    )
    return True


def member_joined(
    session: Session,
    transport: str,
    chat_id: str,
    member: str,
    admin_refs: frozenset[str],
    now: datetime,
    *,
    foreign: bool = False,
) -> list[str]:
    """Someone joined (or was invited to) this chat: every team whose room it is and where
    they hold no place (``foreign``: from a server that is not allowed) is held. Returns the
    teams newly held."""
    held = []
    for row in bound_teams(session, transport, chat_id):
        stranger = foreign or strangers(session, row.team, transport, [member], admin_refs)
        if stranger and hold_room(session, row, admin_refs, now):
            held.append(row.team)
    return held


def lock_row_by_team(session: Session, team: str) -> TeamChat | None:
    """The team's room row, read afresh and locked (on PostgreSQL) for this transaction."""
    query = select(TeamChat).where(TeamChat.team == team).execution_options(populate_existing=True)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return session.scalars(query).first()


def is_held(session: Session, transport: str, chat_id: str) -> bool:
    """True while the team room ``chat_id`` waits for an admin (see ``hold_room``)."""
    return any(row.held_since is not None for row in bound_teams(session, transport, chat_id))


def forget_private_chat(session: Session, transport: str, chat_id: str) -> int:
    """A private chat that others joined is private no more: nobody's private messages go
    there (they wait until the person writes from a private chat again)."""
    rows = list(
        session.scalars(
            select(User).where(User.transport == transport, User.private_chat_id == chat_id)
        )
    )
    for user in rows:
        user.private_chat_id = None
    session.flush()
    return len(rows)


def team_room(session: Session, team: str, configured: Mapping[str, str]) -> Room | None:
    """The team's room: the one bound with /bind, else the settings' Telegram chat id."""
    row = session.get(TeamChat, team)
    if row is not None:
        return Room(row.transport, row.chat_id, row.locale, row.held_since is not None)
    if team in configured:
        return Room("telegram", configured[team], None)
    return None


def notify_team(
    session: Session,
    team: str,
    configured: Mapping[str, str],
    *,
    params: Params,
    now: datetime,
    card_key: str | None = None,
    dedup_key: str | None = None,
    due_at: datetime | None = None,
) -> bool:
    """Queue a message (or a card, edited in place later) to the team's room. Returns False
    when the team has no room yet — the work is still in the team's private lists."""
    room = team_room(session, team, configured)
    if room is None or room.held:
        return False
    return outbox.enqueue(
        session,
        transport=room.transport,
        chat_id=room.chat_id,
        locale=room.locale,
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
    params: Params,
    now: datetime,
    dedup_key: str | None = None,
) -> int:
    """Queue a message to every admin's private chat; returns how many were queued. With a
    ``dedup_key`` each admin gets it once (the key is suffixed with the admin's id)."""
    queued = 0
    for admin in users_with_role(session, Role.ADMIN):
        queued += outbox.enqueue_to_user(
            session,
            admin,
            now=now,
            params=params,
            dedup_key=f"{dedup_key}:u{admin.id}" if dedup_key else None,
        )
    return queued
