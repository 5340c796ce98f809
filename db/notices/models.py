"""Community notices: the buildings admins keep, residents' subscriptions (consent,
with the time it was given), the notices themselves, and the people a transport said can no
longer be reached (they blocked the bot or left)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, UTCDateTime
from db.models import OutboxMessage


class Topic(enum.StrEnum):
    NEWS = "news"
    WORKS = "works"  # building works and outages
    SAFETY = "safety"  # safety and weather
    EVENTS = "events"
    VOLUNTEER = "volunteer"  # volunteer opportunities


#: What a new neighbour is offered in the welcome (never assumed for anything else).
DEFAULT_TOPICS = (Topic.NEWS, Topic.SAFETY)


class NoticeStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    SENDING = "sending"
    SENT = "sent"
    CANCELLED = "cancelled"
    HELD = "held"  # its author lost the role before it went out: admins decide


class Building(Base):
    """A building of the community (1栋 … 12栋, 芙蓉大厦), as the admins list them."""

    __tablename__ = "buildings"
    __table_args__ = (UniqueConstraint("name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class NoticeSubscriber(Base):
    """One resident's notice settings: asked in the welcome (``asked_at``), their building."""

    __tablename__ = "notice_subscribers"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    building_id: Mapped[int | None] = mapped_column(
        ForeignKey("buildings.id", ondelete="SET NULL"), index=True
    )
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class NoticeConsent(Base):
    """One topic a resident agreed to receive, and when (PIPL art. 13–14: consent is kept with
    the time it was given; leaving deletes the row)."""

    __tablename__ = "notice_consents"
    __table_args__ = (
        UniqueConstraint("user_id", "topic"),
        Index("ix_notice_consents_topic_user_id", "topic", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    topic: Mapped[str] = mapped_column(String(16))
    given_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Unreachable(Base):
    """A person the transport said can no longer be reached (Telegram 403: they blocked the
    bot; Matrix: they left). Writing to the bot again after ``since`` makes them reachable."""

    __tablename__ = "unreachable_users"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    since: Mapped[datetime] = mapped_column(UTCDateTime())
    error: Mapped[str] = mapped_column(String(200), default="")


class Notice(Base):
    """A notice: bilingual text, an optional photo or file, a topic and an audience; sent
    through the outbox in windows (``cursor``: the last user id queued)."""

    __tablename__ = "notices"
    __table_args__ = (
        UniqueConstraint("author_id", "submission"),
        Index("ix_notices_status_due_at", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: The form's token: Confirm pressed twice makes one notice, not two.
    submission: Mapped[str] = mapped_column(String(32))
    text_zh: Mapped[str | None] = mapped_column(Text)
    text_en: Mapped[str | None] = mapped_column(Text)
    attachment: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    topic: Mapped[str] = mapped_column(String(16))
    building_ids: Mapped[list[int]] = mapped_column(JSON, default=list)  # empty: everyone
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default=NoticeStatus.SCHEDULED)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())  # what the author asked
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())  # after quiet hours
    cursor: Mapped[int] = mapped_column(Integer, default=0)
    queued_all: Mapped[bool] = mapped_column(Boolean, default=False)
    total: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)  # +1 per correction
    #: Corrections: the outbox row id up to which the current version was queued to readers.
    fix_cursor: Mapped[int] = mapped_column(Integer, default=0)
    fixed_version: Mapped[int] = mapped_column(Integer, default=1)
    progress_shown: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


# A notice's deliveries and corrections are found by their card key (``nt:<id>``).
Index("ix_outbox_card_key", OutboxMessage.card_key)
