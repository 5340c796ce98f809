"""Helpers for the events tests: an event made directly in the database, and who holds what."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from sqlalchemy import select

from bot.outbox import OutboxWorker
from db.models import Event, EventSignup, EventStatus, OutboxMessage, User
from handlers.types import Reply


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


class Inbox:
    """A transport for the outbox worker that keeps what it delivered, per chat."""

    def __init__(self) -> None:
        self.delivered: list[tuple[str, Reply]] = []

    async def deliver(self, chat_id: str, reply: Reply, *, edit_ref: str | None = None) -> str:
        self.delivered.append((chat_id, reply))
        return str(len(self.delivered))

    def min_interval(self, chat_id: str) -> float:
        return 0.0

    def texts(self, chat_id: str) -> list[str]:
        return [reply.text for chat, reply in self.delivered if chat == chat_id]


def deliver_due(session_factory, registry, community, clock, inbox: Inbox) -> int:
    """Run one outbox tick now (as the scheduler would) into ``inbox``; returns how many."""
    worker = OutboxWorker(
        session_factory=session_factory,
        registry=registry,
        community=community,
        deliverers={"telegram": inbox},
        clock=clock,
    )
    return asyncio.run(worker.tick()).sent
