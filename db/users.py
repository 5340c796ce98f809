"""Users and roles: find or create the person behind an inbound message; grant and revoke."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Role, RoleGrant, User

GRANTABLE_ROLES = (
    Role.VOLUNTEER,
    Role.MEDIATOR,
    Role.ORGANISER,
    Role.ADMIN,
    Role.ANNOUNCER,
    Role.COORDINATOR,
)

#: ``granted_by`` of the admin grants loaded from the settings (``LINLI_ADMINS``,
#: ``LINLI_MATRIX_ADMINS``) at start: the roles table is the one source of who is an admin.
FROM_SETTINGS = "settings"


def acting_roles(role: str) -> frozenset[str]:
    """The one permission rule, in its one stored form: who acts as ``role`` holds it or is an
    admin (admins act as every staff role). ``Ctx.acts_as`` asks it of one person; the sweeps
    ask it in SQL (``RoleGrant.role.in_(acting_roles(...))``)."""
    return frozenset({role, Role.ADMIN})


class UnknownUserRef(ValueError):
    """A user reference that is not ``transport:id``."""


def parse_ref(ref: str) -> tuple[str, str]:
    """Split ``telegram:12345`` / ``console:alice`` into (transport, external id)."""
    transport, sep, external_id = ref.partition(":")
    transport, external_id = transport.strip().lower(), external_id.strip()
    if not sep or not transport or not external_id:
        raise UnknownUserRef(f"expected TRANSPORT:ID (e.g. telegram:12345), got {ref!r}")
    if transport == "telegram" and not external_id.lstrip("-").isdecimal():
        raise UnknownUserRef(f"a Telegram user id is a number, got {external_id!r}")
    if transport == "matrix" and not (external_id.startswith("@") and ":" in external_id[1:]):
        raise UnknownUserRef(f"a Matrix id is @name:server, got {external_id!r}")
    return transport, external_id


def find_user(session: Session, transport: str, external_id: str) -> User | None:
    return session.scalar(
        select(User).where(User.transport == transport, User.external_id == external_id)
    )


def get_or_create_user(
    session: Session,
    *,
    transport: str,
    external_id: str,
    now: datetime,
    display_name: str = "",
    username: str | None = None,
    language_hint: str | None = None,
) -> User:
    """The user for (transport, external id), created on first sight; the name and language
    hint the transport reports are kept current. Callers on SQLite hold the write lock
    (``BEGIN IMMEDIATE``); on PostgreSQL a racing insert fails the unique constraint and the
    dispatcher retries the whole update."""
    user = find_user(session, transport, external_id)
    if user is None:
        user = User(
            transport=transport,
            external_id=external_id,
            display_name=display_name[:128],
            username=username,
            language_hint=language_hint,
            created_at=now,
        )
        session.add(user)
        session.flush()
    else:
        if display_name and user.display_name != display_name[:128]:
            user.display_name = display_name[:128]
        if username != user.username and username is not None:
            user.username = username
        if language_hint and user.language_hint != language_hint:
            user.language_hint = language_hint
    user.last_seen_at = now
    return user


def load_admins(session: Session, refs: Iterable[str], *, now: datetime) -> None:
    """Make everyone the settings name an admin in the roles table (a person never seen yet is
    created, with no private chat: nothing reaches them until they write), and take the role
    from those a former start loaded but the settings no longer name. Grants made with the
    command line stay."""
    named: set[int] = set()
    for ref in refs:
        transport, external_id = parse_ref(ref)
        user = find_user(session, transport, external_id)
        if user is None:
            user = User(transport=transport, external_id=external_id, created_at=now)
            session.add(user)
            session.flush()
        named.add(user.id)
        if Role.ADMIN not in user.role_names:
            user.roles.append(RoleGrant(role=Role.ADMIN, granted_at=now, granted_by=FROM_SETTINGS))
    stale = session.scalars(
        select(RoleGrant).where(
            RoleGrant.role == Role.ADMIN,
            RoleGrant.granted_by == FROM_SETTINGS,
            RoleGrant.user_id.not_in(named) if named else RoleGrant.id.is_not(None),
        )
    ).all()
    for grant in stale:
        session.delete(grant)
    session.flush()


def set_locale(session: Session, user: User, locale: str) -> None:
    """The language the person chose (``/lang``): it wins over their platform's hint."""
    user.locale = locale
    session.flush()


def grant_role(session: Session, user: User, role: str, *, now: datetime, by: str) -> bool:
    """Give ``user`` the role; False if they already had it."""
    if role not in GRANTABLE_ROLES:
        raise ValueError(f"unknown role {role!r}; one of {', '.join(GRANTABLE_ROLES)}")
    if role in user.role_names:
        return False
    user.roles.append(RoleGrant(role=role, granted_at=now, granted_by=by[:64]))
    session.flush()
    return True


def revoke_role(session: Session, user: User, role: str) -> bool:
    """Take the role away; False if they did not have it."""
    for grant in list(user.roles):
        if grant.role == role:
            user.roles.remove(grant)
            session.flush()
            return True
    return False


def users_by_id(session: Session, ids: Iterable[int]) -> dict[int, User]:
    """The users with these ids, in one query (for lists that name many people)."""
    wanted = set(ids)
    if not wanted:
        return {}
    return {user.id: user for user in session.scalars(select(User).where(User.id.in_(wanted)))}


def list_users(session: Session, *, role: str | None = None) -> list[User]:
    query = select(User).order_by(User.transport, User.id)
    if role:
        query = query.join(RoleGrant).where(RoleGrant.role == role)
    return list(session.scalars(query))
