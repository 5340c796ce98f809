"""Volunteering: what the screens read (opportunities, shifts, roles, places taken, a
person's signups). Nothing here writes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import User
from db.volunteering.models import Opportunity, OpportunityStatus, Shift, ShiftRole, ShiftSignup
from db.volunteering.models import ShiftSignupStatus as Status


def shifts_of(session: Session, opportunity_id: int) -> list[Shift]:
    return list(
        session.scalars(
            select(Shift).where(Shift.opportunity_id == opportunity_id).order_by(Shift.starts_at)
        )
    )


def roles_of(session: Session, shift_ids: Sequence[int]) -> list[ShiftRole]:
    if not shift_ids:
        return []
    return list(
        session.scalars(
            select(ShiftRole).where(ShiftRole.shift_id.in_(shift_ids)).order_by(ShiftRole.id)
        )
    )


def taken_by_role(session: Session, role_ids: Sequence[int]) -> dict[int, int]:
    """Confirmed places per role."""
    if not role_ids:
        return {}
    rows = session.execute(
        select(ShiftSignup.role_id, func.count())
        .where(ShiftSignup.role_id.in_(role_ids), ShiftSignup.status == Status.CONFIRMED)
        .group_by(ShiftSignup.role_id)
    ).all()
    taken = {role_id: 0 for role_id in role_ids}
    taken.update({role_id: count for role_id, count in rows})
    return taken


def upcoming(session: Session, *, now: datetime) -> list[Opportunity]:
    """Published opportunities with a shift that has not started, soonest first."""
    first = (
        select(Shift.opportunity_id, func.min(Shift.starts_at).label("first"))
        .where(Shift.starts_at > now)
        .group_by(Shift.opportunity_id)
        .subquery()
    )
    return list(
        session.scalars(
            select(Opportunity)
            .join(first, first.c.opportunity_id == Opportunity.id)
            .where(Opportunity.status == OpportunityStatus.PUBLISHED)
            .order_by(first.c.first, Opportunity.id)
        )
    )


def coordinated(session: Session, user: User, *, everyone: bool) -> list[Opportunity]:
    """The opportunities this coordinator leads (admins: all), not cancelled, newest first."""
    query = select(Opportunity).where(Opportunity.status != OpportunityStatus.CANCELLED)
    if not everyone:
        query = query.where(Opportunity.coordinator_id == user.id)
    return list(session.scalars(query.order_by(Opportunity.id.desc()).limit(20)))


def find_signup(session: Session, shift_id: int, user_id: int) -> ShiftSignup | None:
    return session.scalars(
        select(ShiftSignup)
        .where(ShiftSignup.shift_id == shift_id, ShiftSignup.user_id == user_id)
        .execution_options(populate_existing=True)
    ).first()


def waiting_position(session: Session, signup: ShiftSignup) -> int:
    ahead = session.scalar(
        select(func.count()).where(
            ShiftSignup.role_id == signup.role_id,
            ShiftSignup.status == Status.WAITING,
            ShiftSignup.seq < signup.seq,
        )
    )
    return int(ahead or 0) + 1


def signups_of_shift(session: Session, shift_id: int) -> list[ShiftSignup]:
    """Everyone in the shift (not cancelled, not waiting), in signup order."""
    return list(
        session.scalars(
            select(ShiftSignup)
            .where(
                ShiftSignup.shift_id == shift_id,
                ShiftSignup.status.in_((Status.CONFIRMED, Status.NO_SHOW)),
            )
            .order_by(ShiftSignup.seq, ShiftSignup.id)
        )
    )


def my_signups(session: Session, user: User, *, now: datetime) -> list[ShiftSignup]:
    """The person's shifts still ahead (signed up or waiting), soonest first."""
    return list(
        session.scalars(
            select(ShiftSignup)
            .join(Shift, Shift.id == ShiftSignup.shift_id)
            .where(
                ShiftSignup.user_id == user.id,
                ShiftSignup.status.in_((Status.CONFIRMED, Status.WAITING)),
                Shift.ends_at > now,
            )
            .order_by(Shift.starts_at)
        )
    )
