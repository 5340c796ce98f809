"""The tables of volunteer help requests: a request, what was said in it, and each
volunteer's profile."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, UTCDateTime


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
