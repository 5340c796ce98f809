"""Helpers for the volunteering tests: an opportunity with shifts and roles made directly in
the database, a coordinator, and what the database holds."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from db.models import User
from db.shift_models import (
    Opportunity,
    OpportunityStatus,
    Shift,
    ShiftRole,
    ShiftSignup,
)
from tests.support import FakeClock, give_role


def make_opportunity(
    session_factory,
    now: datetime,
    *,
    roles: tuple[tuple[str, str, int, str], ...] = (("引导", "Usher", 4, ""),),
    starts_in: timedelta = timedelta(days=3),
    hours: int = 3,
    coordinator_id: int | None = None,
    status: str = OpportunityStatus.PUBLISHED,
    title_zh: str | None = "社区运动会",
    title_en: str | None = "Community sports day",
    place: str = "Community sports ground",
    organiser: str = "南山社区",
) -> tuple[int, int, list[int]]:
    """An opportunity with one shift: (opportunity id, shift id, role ids)."""
    with session_factory() as session, session.begin():
        opportunity = Opportunity(
            title_zh=title_zh,
            title_en=title_en,
            description_zh="帮助居民参加比赛。",
            description_en="Help neighbours take part.",
            organiser=organiser,
            place=place,
            status=status,
            coordinator_id=coordinator_id,
            created_at=now,
            updated_at=now,
        )
        session.add(opportunity)
        session.flush()
        shift = Shift(
            opportunity_id=opportunity.id,
            starts_at=now + starts_in,
            ends_at=now + starts_in + timedelta(hours=hours),
        )
        session.add(shift)
        session.flush()
        role_ids = []
        for zh, en, capacity, needs in roles:
            role = ShiftRole(
                shift_id=shift.id, name_zh=zh, name_en=en, capacity=capacity, needs=needs
            )
            session.add(role)
            session.flush()
            role_ids.append(role.id)
        return opportunity.id, shift.id, role_ids


def coordinator(resident, session_factory, clock: FakeClock, name: str = "Cora", lang: str = "en"):
    return give_role(session_factory, clock, resident(name, lang), "coordinator")


def user_id(session_factory, person) -> int:
    with session_factory() as session:
        return session.scalars(select(User.id).where(User.external_id == person.user_id)).one()


def lines(session_factory, shift_id: int) -> list[tuple[str | None, str, int | None, bool]]:
    """(external id, status, minutes, confirmed) per signup of the shift, in order."""
    with session_factory() as session:
        rows = session.execute(
            select(
                User.external_id,
                ShiftSignup.status,
                ShiftSignup.minutes,
                ShiftSignup.confirmed_at,
            )
            .outerjoin(User, User.id == ShiftSignup.user_id)
            .where(ShiftSignup.shift_id == shift_id)
            .order_by(ShiftSignup.seq, ShiftSignup.id)
        ).all()
    return [(ext, status, minutes, done is not None) for ext, status, minutes, done in rows]
