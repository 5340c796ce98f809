"""Users and roles: find or create the person behind an inbound message; grant and revoke."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import lru_cache
from typing import NamedTuple

from sqlalchemy import ColumnElement, Select, bindparam, select
from sqlalchemy.orm import Session, joinedload

from db.dialects import on_postgresql
from db.models import Conversation, Role, RoleGrant, User
from db.notices.models import Unreachable

#: How often a person's ``last_seen_at`` moves while they keep writing.
LAST_SEEN_GRAIN = timedelta(minutes=1)

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
        return new_user(
            session,
            transport=transport,
            external_id=external_id,
            now=now,
            display_name=display_name,
            username=username,
            language_hint=language_hint,
        )
    refresh_user(
        user, now=now, display_name=display_name, username=username, language_hint=language_hint
    )
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


def new_user(
    session: Session,
    *,
    transport: str,
    external_id: str,
    now: datetime,
    display_name: str = "",
    username: str | None = None,
    language_hint: str | None = None,
    private_chat_id: str | None = None,
) -> User:
    """A person seen for the first time: one ``INSERT``, with no roles (known without asking)."""
    user = User(
        transport=transport,
        external_id=external_id,
        display_name=display_name[:128],
        username=username,
        language_hint=language_hint,
        private_chat_id=private_chat_id,
        created_at=now,
        last_seen_at=now,
    )
    user.roles = []  # loaded, and empty: reading them later asks the database nothing
    session.add(user)
    session.flush()
    return user


def refresh_user(
    user: User,
    *,
    now: datetime,
    display_name: str = "",
    username: str | None = None,
    language_hint: str | None = None,
    unreachable: bool = False,
) -> None:
    """Keep the name and language hint the transport reports current; note they wrote.

    ``last_seen_at`` moves once a minute (``LAST_SEEN_GRAIN``), not with every message of a
    conversation: a form's answers cost no ``UPDATE`` of the person. It moves at once when
    they were marked ``unreachable`` since (writing again is what makes them reachable)."""
    if display_name and user.display_name != display_name[:128]:
        user.display_name = display_name[:128]
    if username != user.username and username is not None:
        user.username = username
    if language_hint and user.language_hint != language_hint:
        user.language_hint = language_hint
    seen = user.last_seen_at
    if unreachable or seen is None or now - seen >= LAST_SEEN_GRAIN or now < seen:
        user.last_seen_at = now


class SenderRow(NamedTuple):
    user: User | None
    blocked: bool
    conversation: Conversation | None
    #: Marked unreachable (``unreachable_users``) after they last wrote.
    unreachable: bool = False


def load_sender(
    session: Session,
    transport: str,
    external_id: str,
    chat_key: str,
    *,
    blocked: ColumnElement[bool],
) -> SenderRow:
    """What every message needs to know of its sender: the person with their roles, whether
    they are blocked or were marked unreachable since they last wrote, and their conversation
    in this chat (all empty for someone new). One statement on SQLite, two on PostgreSQL.
    ``blocked`` is the block rule as a column over ``User`` (``db.blocks.blocked_column``).

    On PostgreSQL the person's row is locked first (``FOR NO KEY UPDATE``) until the
    transaction ends, so two messages of one person at once (two workers, a burst) take turns
    instead of both reading the conversation and one failing its version check; the
    conversation is read after the lock, so it is the one the other message left (a join
    under the lock would still show the old row). Rows that merely refer to the person
    (``FOR KEY SHARE``) do not wait. SQLite's ``BEGIN IMMEDIATE`` already serialises writers.
    """
    person, with_conversation, conversation_of = _sender_statements(blocked)
    wanted = {"transport": transport, "external_id": external_id}
    if on_postgresql(session):
        row = session.execute(person, wanted).unique().first()
        if row is None:
            return SenderRow(None, False, None)
        user, is_blocked, since = row
        conversation = session.scalar(conversation_of, {"user_id": user.id, "chat_key": chat_key})
    else:
        found = session.execute(with_conversation, {**wanted, "chat_key": chat_key})
        row = found.unique().first()
        if row is None:
            return SenderRow(None, False, None)
        user, is_blocked, since, conversation = row
    seen = user.last_seen_at
    unreachable = since is not None and (seen is None or seen <= since)
    return SenderRow(user, bool(is_blocked), conversation, unreachable)


@lru_cache(maxsize=4)
def _sender_statements(blocked: ColumnElement[bool]) -> tuple[Select, Select, Select]:
    """``load_sender``'s statements, built once (building them cost more than running them):
    the person locked (PostgreSQL), the person with their conversation (SQLite), and the
    conversation of a person (PostgreSQL, after the lock)."""
    person = (
        select(User, blocked, Unreachable.since)
        .outerjoin(Unreachable, Unreachable.user_id == User.id)
        .options(joinedload(User.roles))
        .where(
            User.transport == bindparam("transport"),
            User.external_id == bindparam("external_id"),
        )
        .execution_options(populate_existing=True)
    )
    in_chat = (Conversation.user_id == User.id) & (Conversation.chat_key == bindparam("chat_key"))
    conversation_of = (
        select(Conversation)
        .where(
            Conversation.user_id == bindparam("user_id"),
            Conversation.chat_key == bindparam("chat_key"),
        )
        .execution_options(populate_existing=True)
    )
    return (
        person.with_for_update(of=User, key_share=True),
        person.add_columns(Conversation).outerjoin(Conversation, in_chat),
        conversation_of,
    )


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
