"""The public holidays admins keep on top of ``chinesecalendar`` (``linli holidays``): a year
the package does not know yet (its data comes with a release after the State Council's notice,
usually in November) is covered by the dates admins type in from that notice. A kept day is a
holiday (the team is closed) or a make-up working day (调休: a weekend day worked)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from db.base import Base, UTCDateTime


class KeptDay(Base):
    """One day an admin set: a public holiday, or a make-up working day."""

    __tablename__ = "kept_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    #: True: a public holiday; False: a make-up working day (调休).
    holiday: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(String(80), default="")
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())


def keep(session: Session, days: list[date], *, holiday: bool, note: str, now: datetime) -> int:
    """Set ``days`` (an existing one is changed); returns how many."""
    for day in days:
        kept = session.get(KeptDay, day)
        if kept is None:
            session.add(KeptDay(day=day, holiday=holiday, note=note[:80], added_at=now))
        else:
            kept.holiday, kept.note = holiday, note[:80]
    session.flush()
    return len(days)


def forget(session: Session, days: list[date]) -> int:
    """Remove ``days``; returns how many there were."""
    result = session.execute(delete(KeptDay).where(KeptDay.day.in_(days)))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def kept(session: Session, year: int | None = None) -> list[KeptDay]:
    """The kept days (of ``year``), in order."""
    query = select(KeptDay).order_by(KeptDay.day)
    if year is not None:
        query = query.where(KeptDay.day >= date(year, 1, 1), KeptDay.day <= date(year, 12, 31))
    return list(session.scalars(query))
