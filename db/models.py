"""The core tables: people and their roles, conversations, the outbox, team rooms and cards,
blocks, flood counters and the audit log. Each service keeps its tables in its own package
(``db/events/models.py``, ``db/requests/models.py``…), which imports ``User`` from here; every
table is gathered in ``db/registry.py`` (what Alembic's ``env.py`` reads). Telegram ids are kept
as strings next to their transport, so the console and Matrix fit the same columns; every time
is an aware UTC datetime."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.base import Base, UTCDateTime


class Role(enum.StrEnum):
    RESIDENT = "resident"
    VOLUNTEER = "volunteer"
    MEDIATOR = "mediator"
    ORGANISER = "organiser"
    ADMIN = "admin"
    ANNOUNCER = "announcer"  # writes community notices
    COORDINATOR = "coordinator"  # runs volunteer opportunities, check-in and hours


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class User(Base):
    """A person, as one transport knows them. ``locale`` is their own choice (None: negotiate)."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("transport", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    transport: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(128), default="")
    username: Mapped[str | None] = mapped_column(String(64))
    language_hint: Mapped[str | None] = mapped_column(String(16))
    locale: Mapped[str | None] = mapped_column(String(16))
    private_chat_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    roles: Mapped[list[RoleGrant]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def ref(self) -> str:
        """How the command line names this user: ``telegram:12345`` or ``console:alice``."""
        return f"{self.transport}:{self.external_id}"

    @property
    def role_names(self) -> frozenset[str]:
        return frozenset(grant.role for grant in self.roles)


class RoleGrant(Base):
    """One role held by one user, with who granted it and when (the audit trail of roles)."""

    __tablename__ = "role_grants"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    granted_by: Mapped[str] = mapped_column(String(64))

    user: Mapped[User] = relationship(back_populates="roles")


class Conversation(Base):
    """Where one user stands in one chat: the open form (if any), what it collected so far,
    the buttons last shown to them, and a version for optimistic concurrency."""

    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("user_id", "chat_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    chat_key: Mapped[str] = mapped_column(String(96))
    flow: Mapped[str | None] = mapped_column(String(64))
    step: Mapped[int] = mapped_column(Integer, default=0)
    token: Mapped[str] = mapped_column(String(16), default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    keyboard: Mapped[list[list[str]]] = mapped_column(JSON, default=list)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}


class OutboxMessage(Base):
    """A message to someone other than the person who just wrote: rendered from a template in
    the recipient's language when it is sent, not when it is written."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("dedup_key"),
        Index("ix_outbox_status_due_at", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    transport: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    locale: Mapped[str | None] = mapped_column(String(16))
    template: Mapped[str] = mapped_column(String(64))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    dedup_key: Mapped[str | None] = mapped_column(String(128))
    #: A card shown once per chat and edited in place when it changes (``rq:42``): the first
    #: message with this key is sent, later ones edit it (see ``SentCard``).
    card_key: Mapped[str | None] = mapped_column(String(64))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class TeamChat(Base):
    """A team's room: the group chat where the volunteer team (or the mediators) get cards.
    Bound by an admin with ``/bind volunteers`` inside the group; the settings' chat ids are the
    fallback. ``locale`` is the language the team's cards are written in."""

    __tablename__ = "team_chats"

    team: Mapped[str] = mapped_column(String(32), primary_key=True)
    transport: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str | None] = mapped_column(String(16))
    bound_by: Mapped[str] = mapped_column(String(64))
    bound_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: Set while someone who holds no role in the team sits in the room (the admins were told):
    #: nothing is posted there until an admin binds the room again.
    held_since: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SentCard(Base):
    """Where a card was shown: the transport's id of the message to edit when it changes."""

    __tablename__ = "sent_cards"
    __table_args__ = (UniqueConstraint("transport", "chat_id", "card_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    transport: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    card_key: Mapped[str] = mapped_column(String(64))
    message_ref: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Block(Base):
    """A block an admin set, kept against the reference they named: a person's own reference
    (``telegram:12345``, ``subject`` alone), or a report or request (``#D-0042``: ``case_id``;
    ``#R-0042``: ``request_id``) whose author is blocked without anyone learning who that is.
    Whether someone is blocked is asked of these rows (``db.blocks.is_blocked``), so the
    answer to an admin depends on the reference alone, never on the person behind it."""

    __tablename__ = "blocks"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(300), unique=True)
    # Plain columns, no foreign keys: a block outlives nothing it names, and is looked up by
    # joining its case or request to the person who filed it.
    case_id: Mapped[int | None] = mapped_column(Integer, index=True)
    request_id: Mapped[int | None] = mapped_column(Integer, index=True)
    reason: Mapped[str | None] = mapped_column(String(200))
    blocked_by: Mapped[str] = mapped_column(String(80))
    blocked_at: Mapped[datetime] = mapped_column(UTCDateTime())


class FloodCounter(Base):
    """How many messages one sender sent in the current window, shared by every worker."""

    __tablename__ = "flood_counters"

    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    #: Seconds since the epoch when the window began (wall clock: every worker shares it).
    window_start: Mapped[float] = mapped_column(Float)
    count: Mapped[int] = mapped_column(Integer)


class AuditEntry(Base):
    """Who did what to whom, outside a case's own log: erasures, blocks."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    #: ``user 42``, ``admin telegram:9000``, ``the command line``.
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(32))
    #: Our row id of the person it is about (not their Telegram id: that is erased with them).
    subject_id: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
