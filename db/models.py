"""The tables. Telegram ids are kept as strings next to their transport, so the console and
Matrix fit the same columns; every time is an aware UTC datetime."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.base import Base, UTCDateTime, reference


class Role(enum.StrEnum):
    RESIDENT = "resident"
    VOLUNTEER = "volunteer"
    MEDIATOR = "mediator"
    ORGANISER = "organiser"
    ADMIN = "admin"
    ANNOUNCER = "announcer"  # writes community notices (issue 12)


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


# --- Events (issue 3) ---


class EventStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"


class SignupStatus(enum.StrEnum):
    CONFIRMED = "confirmed"
    WAITING = "waiting"
    OFFERED = "offered"  # a freed place is held for them until ``offer_expires_at``
    CANCELLED = "cancelled"


class Event(Base):
    """A community event, titled and described in Chinese and/or English. ``capacity`` None is
    unlimited; places held by confirmed and offered signups count against it."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_status_starts_at", "status", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title_zh: Mapped[str | None] = mapped_column(String(200))
    title_en: Mapped[str | None] = mapped_column(String(200))
    description_zh: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    place: Mapped[str] = mapped_column(String(300))
    capacity: Mapped[int | None] = mapped_column(Integer)
    max_party: Mapped[int] = mapped_column(Integer, default=1)
    signup_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), default=EventStatus.DRAFT)
    organiser_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    @property
    def closes_at(self) -> datetime:
        """When signups (and offers) stop: the deadline, or the start."""
        if self.signup_deadline is not None and self.signup_deadline < self.starts_at:
            return self.signup_deadline
        return self.starts_at


class EventSignup(Base):
    """One person's signup for one event (the database allows one per person per event).
    ``seq`` orders the waiting list: arrival order, given under the event's lock."""

    __tablename__ = "event_signups"
    __table_args__ = (
        UniqueConstraint("event_id", "user_id"),
        Index("ix_event_signups_event_id_status_seq", "event_id", "status", "seq"),
        Index("ix_event_signups_status_offer_expires_at", "status", "offer_expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    party_size: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(16))
    seq: Mapped[int] = mapped_column(Integer)
    offer_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    event: Mapped[Event] = relationship()
    user: Mapped[User] = relationship()


# --- Volunteer help requests (issue 4) ---------------------------------------------------------


class RequestStatus(enum.StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CANCELLED = "cancelled"


class HelpRequest(Base):
    """A resident's request for help from the volunteer team. ``queued_at`` is when it last
    entered the queue (filed, released, reopened): the escalation clock for an unclaimed request
    runs from there; ``last_volunteer_at`` is the clock for a claimed one."""

    __tablename__ = "help_requests"
    __table_args__ = (
        Index("ix_help_requests_status_queued_at", "status", "queued_at"),
        CheckConstraint("rating IS NULL OR (rating >= 1 AND rating <= 5)", name="rating_range"),
        CheckConstraint(
            "status IN ('open', 'in_progress', 'resolved', 'cancelled')", name="status_known"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    category: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(16))
    needed: Mapped[str] = mapped_column(String(16))  # asap, date, flexible
    needed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    share_name: Mapped[bool] = mapped_column(Boolean, default=False)
    health_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default=RequestStatus.OPEN)
    volunteer_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    first_claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_volunteer_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Escalations done since the request last entered the queue (1 re-announced, 2 admins).
    unclaimed_level: Mapped[int] = mapped_column(Integer, default=0)
    #: Escalations done since the volunteer last wrote (1 reminded, 2 admins).
    silent_level: Mapped[int] = mapped_column(Integer, default=0)
    rating: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    summary: Mapped[str | None] = mapped_column(Text)


class RequestMessage(Base):
    """One thing said in a request: by the resident, by the volunteer, or an internal note
    (``side``); with a Telegram file id when it was a photo or a document."""

    __tablename__ = "request_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("help_requests.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    side: Mapped[str] = mapped_column(String(16))  # resident, volunteer, note
    text: Mapped[str] = mapped_column(Text, default="")
    file_id: Mapped[str | None] = mapped_column(String(256))
    file_kind: Mapped[str | None] = mapped_column(String(16))  # photo, document
    file_name: Mapped[str | None] = mapped_column(String(256))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class VolunteerProfile(Base):
    """What a volunteer speaks and takes on, whether they want private alerts, and which of
    their requests their private messages go to (``/to R-0042``)."""

    __tablename__ = "volunteer_profiles"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    alerts: Mapped[bool] = mapped_column(Boolean, default=False)
    current_request_id: Mapped[int | None] = mapped_column(
        ForeignKey("help_requests.id", ondelete="SET NULL")
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


# ---------------------------------------------------------------------------- disputes


class DisputeCase(Base):
    """A dispute report. ``reporter_id`` is kept only to deliver updates to the reporter; for an
    anonymous report it is never shown to anyone. A report on the same problem as an open case
    points at it with ``linked_to_id`` (the case the mediators work on)."""

    __tablename__ = "dispute_cases"
    __table_args__ = (Index("ix_dispute_cases_category_place_key", "category", "place_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reporter_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    anonymous: Mapped[bool] = mapped_column(Boolean)
    contact_ok: Mapped[bool] = mapped_column(Boolean, default=False)
    category: Mapped[str] = mapped_column(String(32))
    place_text: Mapped[str | None] = mapped_column(String(200))
    #: The place case-folded without spaces or punctuation, to find reports of the same place.
    place_key: Mapped[str | None] = mapped_column(String(200))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    happens: Mapped[str | None] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text)
    photos: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), index=True)
    outcome: Mapped[str | None] = mapped_column(Text)
    close_reason: Mapped[str | None] = mapped_column(String(32))
    mediator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    linked_to_id: Mapped[int | None] = mapped_column(
        ForeignKey("dispute_cases.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: None until the reporter is asked "Is the problem solved?"; then asked / yes / no.
    followup: Mapped[str | None] = mapped_column(String(16))
    #: An open case of the same category and place when this one was filed: shown to the
    #: mediators as a possible duplicate; only a mediator links the two (``linked_to_id``).
    duplicate_of_id: Mapped[int | None] = mapped_column(Integer)

    @property
    def ref(self) -> str:
        return reference("D", self.id)


class DisputeEvent(Base):
    """The audit log of a case: who did what when, and who may see it (``audience``:
    internal, reporter, party or all)."""

    __tablename__ = "dispute_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("dispute_cases.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_role: Mapped[str] = mapped_column(String(16))  # reporter, mediator, party, system
    kind: Mapped[str] = mapped_column(String(32))
    text: Mapped[str | None] = mapped_column(Text)
    audience: Mapped[str] = mapped_column(String(16))


class DisputeParty(Base):
    """The other side of a case, invited by a one-time link. Only a hash of the link's token is
    kept; ``user_id`` is set (once) by whoever opens it."""

    __tablename__ = "dispute_parties"
    __table_args__ = (UniqueConstraint("token_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("dispute_cases.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64))
    summary: Mapped[str] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class DisputeMeeting(Base):
    """A mediation meeting proposed by a mediator; a new proposal replaces the old one."""

    __tablename__ = "dispute_meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("dispute_cases.id", ondelete="CASCADE"), index=True
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    place: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))  # proposed, agreed, replaced
    proposed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DisputeMeetingAnswer(Base):
    """One invited person's answer to a meeting: yes, or another time please."""

    __tablename__ = "dispute_meeting_answers"
    __table_args__ = (UniqueConstraint("meeting_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("dispute_meetings.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16))  # reporter, party
    answer: Mapped[str | None] = mapped_column(String(16))  # yes, other; None: not yet
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class DisputeQuestion(Base):
    """A mediator's question to a reporter, relayed by the bot (also to anonymous reporters)."""

    __tablename__ = "dispute_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("dispute_cases.id", ondelete="CASCADE"), index=True
    )
    asked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class UserBlock(Base):
    """A person an admin blocked: they get one neutral answer and nothing reaches the teams."""

    __tablename__ = "user_blocks"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
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


# --- Community notices (issue 12) ---

from db import awaiting as _awaiting  # noqa: E402, F401  (registers the tables: issue 11, item 4)
from db import notice_models as _notice_models  # noqa: E402, F401  (registers the tables)
