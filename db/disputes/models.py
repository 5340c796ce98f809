"""The tables of dispute cases: a case, its audit log, the other side, meetings and
the mediators' questions; and the states a case, a meeting and a follow-up go through."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, UTCDateTime, reference


class DisputeStatus(enum.StrEnum):
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"


class MeetingStatus(enum.StrEnum):
    PROPOSED = "proposed"
    AGREED = "agreed"  # everyone invited said yes
    REPLACED = "replaced"  # a newer proposal took its place
    CANCELLED = "cancelled"


class MeetingAnswer(enum.StrEnum):
    YES = "yes"
    OTHER = "other"  # another time, please


class FollowupStatus(enum.StrEnum):
    """The reporter's answer to "Is the problem solved?" (None on the case: not asked yet)."""

    ASKED = "asked"
    YES = "yes"
    NO = "no"


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
