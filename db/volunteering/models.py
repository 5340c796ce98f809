"""The tables of volunteering: opportunities, their shifts and the roles in each shift, the
signups (with check-in, check-out and hours), the name a person gives for certificates, and
the certificates issued."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.base import Base, UTCDateTime
from db.models import User


class OpportunityStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"


class ShiftSignupStatus(enum.StrEnum):
    CONFIRMED = "confirmed"
    WAITING = "waiting"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"  # recorded when the shift's hours were confirmed without them


class Opportunity(Base):
    """A volunteer opportunity, titled and described in Chinese and/or English, run by the
    community or a partner company (``organiser``) and led by a coordinator."""

    __tablename__ = "volunteer_opportunities"

    id: Mapped[int] = mapped_column(primary_key=True)
    title_zh: Mapped[str | None] = mapped_column(String(200))
    title_en: Mapped[str | None] = mapped_column(String(200))
    description_zh: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    organiser: Mapped[str] = mapped_column(String(200))
    place: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(16), default=OpportunityStatus.DRAFT, index=True)
    coordinator_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    coordinator: Mapped[User | None] = relationship()


class Shift(Base):
    """One shift of an opportunity. ``checkin_secret`` is the TOTP secret of its check-in
    (set when the coordinator opens it); ``hours_confirmed_at`` when the coordinator confirmed
    its hours."""

    __tablename__ = "volunteer_shifts"
    __table_args__ = (
        Index("ix_volunteer_shifts_opportunity_id_starts_at", "opportunity_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(
        ForeignKey("volunteer_opportunities.id", ondelete="CASCADE")
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    checkin_secret: Mapped[str | None] = mapped_column(String(32))
    hours_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    opportunity: Mapped[Opportunity] = relationship()


class ShiftRole(Base):
    """A role in a shift (引导 / usher ×4): its places and, optionally, the languages or skills
    it needs (comma-separated tags: ``en``, ``zh``, ``first aid``)."""

    __tablename__ = "volunteer_shift_roles"

    id: Mapped[int] = mapped_column(primary_key=True)
    shift_id: Mapped[int] = mapped_column(
        ForeignKey("volunteer_shifts.id", ondelete="CASCADE"), index=True
    )
    name_zh: Mapped[str | None] = mapped_column(String(100))
    name_en: Mapped[str | None] = mapped_column(String(100))
    capacity: Mapped[int] = mapped_column(Integer)
    needs: Mapped[str] = mapped_column(String(200), default="")


class ShiftSignup(Base):
    """One person in one shift (one role): at most one per person per shift. ``seq`` orders the
    role's waiting list, handed out under the role's lock. ``minutes`` are the hours given,
    computed and rounded; they count only once ``confirmed_at`` is set. A make-up line
    (``makeup_reason``) was added by a coordinator. ``user_id`` is None after an erasure: the
    hours stay in the totals, anonymous."""

    __tablename__ = "volunteer_signups"
    __table_args__ = (
        UniqueConstraint("shift_id", "user_id"),
        Index("ix_volunteer_signups_role_id_status_seq", "role_id", "status", "seq"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("volunteer_shifts.id", ondelete="CASCADE"))
    role_id: Mapped[int] = mapped_column(ForeignKey("volunteer_shift_roles.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(16))
    seq: Mapped[int] = mapped_column(Integer)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    checked_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    minutes: Mapped[int | None] = mapped_column(Integer)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    makeup_reason: Mapped[str | None] = mapped_column(String(300))
    #: The shift was moved: the person keeps the place only if they confirm by then.
    reconfirm_by: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    shift: Mapped[Shift] = relationship()
    role: Mapped[ShiftRole] = relationship()
    user: Mapped[User | None] = relationship()


class CertificateName(Base):
    """The name a person gives for their certificates (asked once, used for nothing else)."""

    __tablename__ = "volunteer_certificate_names"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Certificate(Base):
    """A certificate issued: its number, the code that verifies it, whose, and what it said."""

    __tablename__ = "volunteer_certificates"
    __table_args__ = (UniqueConstraint("code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    minutes: Mapped[int] = mapped_column(Integer)
    shifts: Mapped[int] = mapped_column(Integer)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())

    @property
    def number(self) -> str:
        """The certificate number printed on it: ``VS-2026-00042``."""
        return f"VS-{self.issued_at.year}-{self.id:05d}"
