"""Helpers for the events tests: an event made directly in the database, and who holds what."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from db.events.models import Event, EventSignup, EventStatus
from db.models import OutboxMessage, User


def make_event(
    session_factory,
    now: datetime,
    *,
    title_zh: str | None = "中秋游园会",
    title_en: str | None = "Mid-Autumn Garden Party",
    capacity: int | None = 10,
    max_party: int = 1,
    starts_in: timedelta = timedelta(days=3),
    status: str = EventStatus.PUBLISHED,
    deadline: datetime | None = None,
    organiser_id: int | None = None,
    description_zh: str | None = "赏月、猜灯谜。",
    description_en: str | None = None,
) -> int:
    with session_factory() as session, session.begin():
        event = Event(
            title_zh=title_zh,
            title_en=title_en,
            description_zh=description_zh,
            description_en=description_en,
            starts_at=now + starts_in,
            ends_at=now + starts_in + timedelta(hours=2),
            place="Community centre hall",
            capacity=capacity,
            max_party=max_party,
            signup_deadline=deadline,
            status=status,
            organiser_id=organiser_id,
            created_at=now,
            updated_at=now,
        )
        session.add(event)
        session.flush()
        return event.id


def signups(session_factory, event_id: int) -> list[tuple[str, str, int]]:
    """(user external id, status, party size) in line order."""
    with session_factory() as session:
        rows = session.execute(
            select(User.external_id, EventSignup.status, EventSignup.party_size)
            .join(User, User.id == EventSignup.user_id)
            .where(EventSignup.event_id == event_id)
            .order_by(EventSignup.seq)
        ).all()
    return [tuple(row) for row in rows]


def queued(session_factory, template: str | None = None) -> list[OutboxMessage]:
    """Outbox rows (all, or of one template), oldest first."""
    with session_factory() as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if template is not None:
            query = query.where(OutboxMessage.template == template)
        return list(session.scalars(query))
