"""Volunteering: what the confirmed hours add up to — a person's lines, the community's
totals, certificates (issued and verified), the month's export, and the person's own data
(``/mydata``, ``/deleteme``). Only confirmed hours count anywhere."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from db.models import User
from db.volunteering.models import Certificate, CertificateName, Opportunity, Shift, ShiftSignup


def confirmed_lines(session: Session, user_id: int) -> list[tuple[ShiftSignup, Shift, Opportunity]]:
    """The person's confirmed hours, shift by shift, oldest first."""
    rows = session.execute(
        select(ShiftSignup, Shift, Opportunity)
        .join(Shift, Shift.id == ShiftSignup.shift_id)
        .join(Opportunity, Opportunity.id == Shift.opportunity_id)
        .where(
            ShiftSignup.user_id == user_id,
            ShiftSignup.confirmed_at.is_not(None),
            ShiftSignup.minutes > 0,
        )
        .order_by(Shift.starts_at)
    ).all()
    return [tuple(row) for row in rows]  # type: ignore[misc]


def given_between(session: Session, start: datetime, end: datetime) -> tuple[int, int]:
    """Confirmed minutes of shifts that started in [start, end), and how many people gave them
    (erased people count as one each line: their hours stay, anonymous)."""
    row = session.execute(
        select(
            func.coalesce(func.sum(ShiftSignup.minutes), 0),
            func.count(func.distinct(ShiftSignup.user_id)),
            func.count().filter(ShiftSignup.user_id.is_(None)),
        )
        .join(Shift, Shift.id == ShiftSignup.shift_id)
        .where(
            ShiftSignup.confirmed_at.is_not(None),
            ShiftSignup.minutes > 0,
            Shift.starts_at >= start,
            Shift.starts_at < end,
        )
    ).one()
    return int(row[0]), int(row[1]) + int(row[2])


# --- certificates ----------------------------------------------------------------------------


def certificate_name(session: Session, user: User) -> str | None:
    row = session.get(CertificateName, user.id)
    return row.name if row else None


def set_certificate_name(session: Session, user: User, name: str, *, now: datetime) -> None:
    row = session.get(CertificateName, user.id)
    if row is None:
        session.add(CertificateName(user_id=user.id, name=name, created_at=now))
    else:
        row.name = name
    session.flush()


def issue(session: Session, user: User, name: str, *, now: datetime) -> Certificate | None:
    """A certificate of the person's confirmed hours (None: there are none yet)."""
    lines = confirmed_lines(session, user.id)
    if not lines:
        return None
    certificate = Certificate(
        code=secrets.token_hex(5).upper(),
        user_id=user.id,
        name=name,
        minutes=sum(signup.minutes or 0 for signup, _, _ in lines),
        shifts=len(lines),
        issued_at=now,
    )
    session.add(certificate)
    session.flush()
    return certificate


def verify(session: Session, code: str) -> Certificate | None:
    return session.scalars(
        select(Certificate).where(Certificate.code == code.strip().upper())
    ).first()


def month_lines(
    session: Session, start: datetime, end: datetime, *, coordinator_id: int | None = None
) -> list[tuple[ShiftSignup, Shift, Opportunity, str | None]]:
    """Confirmed hours of shifts that started in [start, end) (of one coordinator's
    opportunities, or all), with the name each person gave for certificates (None: they gave
    none), for the export."""
    query = (
        select(ShiftSignup, Shift, Opportunity, CertificateName.name)
        .join(Shift, Shift.id == ShiftSignup.shift_id)
        .join(Opportunity, Opportunity.id == Shift.opportunity_id)
        .outerjoin(CertificateName, CertificateName.user_id == ShiftSignup.user_id)
        .where(
            ShiftSignup.confirmed_at.is_not(None),
            ShiftSignup.minutes > 0,
            ShiftSignup.user_id.is_not(None),
            Shift.starts_at >= start,
            Shift.starts_at < end,
        )
        .order_by(Shift.starts_at, ShiftSignup.id)
    )
    if coordinator_id is not None:
        query = query.where(Opportunity.coordinator_id == coordinator_id)
    return [tuple(row) for row in session.execute(query).all()]  # type: ignore[misc]


# --- the person's own data -------------------------------------------------------------------


def export_person(session: Session, user: User) -> dict[str, object]:
    """What ``/mydata`` shows of volunteering: every shift (with check-in, hours and whether
    confirmed), the name given for certificates, the certificates issued."""
    rows = session.execute(
        select(ShiftSignup, Shift, Opportunity)
        .join(Shift, Shift.id == ShiftSignup.shift_id)
        .join(Opportunity, Opportunity.id == Shift.opportunity_id)
        .where(ShiftSignup.user_id == user.id)
        .order_by(Shift.starts_at)
    ).all()

    def when(moment: datetime | None) -> str | None:
        return moment.isoformat() if moment else None

    return {
        "shifts": [
            {
                "opportunity": opportunity.title_zh or opportunity.title_en,
                "opportunity_en": opportunity.title_en,
                "role": signup.role.name_zh or signup.role.name_en,
                "starts_at": when(shift.starts_at),
                "ends_at": when(shift.ends_at),
                "status": signup.status,
                "checked_in_at": when(signup.checked_in_at),
                "checked_out_at": when(signup.checked_out_at),
                "hours": (signup.minutes or 0) / 60 if signup.minutes is not None else None,
                "confirmed": signup.confirmed_at is not None,
                "make_up_reason": signup.makeup_reason,
            }
            for signup, shift, opportunity in rows
        ],
        "name_for_certificates": certificate_name(session, user),
        "certificates": [
            {"number": c.number, "issued_at": when(c.issued_at), "hours": c.minutes / 60}
            for c in session.scalars(select(Certificate).where(Certificate.user_id == user.id))
        ],
    }


def forget_person(session: Session, user: User, *, erased: str) -> int:
    """``/deleteme``: the shifts given stay in the totals without the person (their lines lose
    the link to them), the name for certificates goes, certificates keep only their number,
    date and hours (their name becomes ``erased``). Caller first cancels signups ahead.
    Returns the lines kept anonymous."""
    kept = session.execute(
        update(ShiftSignup)
        .where(ShiftSignup.user_id == user.id)
        .values(user_id=None, makeup_reason=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.execute(
        update(Certificate)
        .where(Certificate.user_id == user.id)
        .values(user_id=None, name=erased)
        .execution_options(synchronize_session=False)
    )
    row = session.get(CertificateName, user.id)
    if row is not None:
        session.delete(row)
    session.flush()
    return int(kept or 0)
