"""Events as people see them: places held and left, where someone stands in line, and the
lists (upcoming events, a person's signups, an organiser's events). Nothing here writes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, contains_eager, joinedload

from db.events.models import Event, EventSignup, EventStatus, SignupStatus
from db.models import User

HOLDING = (SignupStatus.CONFIRMED, SignupStatus.OFFERED)
ACTIVE = (SignupStatus.CONFIRMED, SignupStatus.OFFERED, SignupStatus.WAITING)


def places_held(session: Session, event_id: int) -> int:
    """Places taken by confirmed signups and open offers."""
    return (
        session.scalar(
            select(func.coalesce(func.sum(EventSignup.party_size), 0)).where(
                EventSignup.event_id == event_id, EventSignup.status.in_(HOLDING)
            )
        )
        or 0
    )


def places_held_by_event(session: Session, event_ids: Sequence[int]) -> dict[int, int]:
    """``places_held`` for several events in one query (for lists)."""
    if not event_ids:
        return {}
    rows = session.execute(
        select(EventSignup.event_id, func.sum(EventSignup.party_size))
        .where(EventSignup.event_id.in_(event_ids), EventSignup.status.in_(HOLDING))
        .group_by(EventSignup.event_id)
    ).all()
    held = dict.fromkeys(event_ids, 0)
    held.update({event_id: int(total or 0) for event_id, total in rows})
    return held


def places_left(event: Event, held: int) -> int | None:
    """Free places (None: unlimited)."""
    if event.capacity is None:
        return None
    return max(0, event.capacity - held)


def find_signup(session: Session, event_id: int, user_id: int) -> EventSignup | None:
    return session.scalars(
        select(EventSignup)
        .where(EventSignup.event_id == event_id, EventSignup.user_id == user_id)
        .execution_options(populate_existing=True)
    ).first()


def user_signups(
    session: Session, user_id: int, event_id: int, *, since: datetime
) -> list[EventSignup]:
    """The user's signup for ``event_id`` and every signup of theirs made or changed since
    ``since``, read afresh in one query: what a new signup needs to know of them (one already
    there, the hourly limit)."""
    return list(
        session.scalars(
            select(EventSignup)
            .where(
                EventSignup.user_id == user_id,
                or_(
                    EventSignup.event_id == event_id,
                    EventSignup.created_at > since,
                    EventSignup.updated_at > since,
                ),
            )
            .execution_options(populate_existing=True)
        )
    )


def waiting_position(session: Session, signup: EventSignup) -> int:
    """1 for the first in line."""
    return (
        session.scalar(
            select(func.count()).where(
                EventSignup.event_id == signup.event_id,
                EventSignup.status == SignupStatus.WAITING,
                EventSignup.seq <= signup.seq,
            )
        )
        or 0
    )


def is_open(event: Event, now: datetime) -> bool:
    """Signups (and offers) are taken: published and before the deadline / start."""
    return event.status == EventStatus.PUBLISHED and now < event.closes_at


def active_signups(session: Session, event_id: int) -> list[EventSignup]:
    """Confirmed, offered and waiting signups, in line order, with their people (one query)."""
    return list(
        session.scalars(
            select(EventSignup)
            .where(EventSignup.event_id == event_id, EventSignup.status.in_(ACTIVE))
            .options(joinedload(EventSignup.user))
            .order_by(EventSignup.seq)
        )
    )


def upcoming_events(session: Session, *, now: datetime, offset: int, limit: int) -> list[Event]:
    """Published events not yet started, soonest first."""
    return list(
        session.scalars(
            select(Event)
            .where(Event.status == EventStatus.PUBLISHED, Event.starts_at > now)
            .order_by(Event.starts_at, Event.id)
            .offset(offset)
            .limit(limit)
        )
    )


def count_upcoming(session: Session, *, now: datetime) -> int:
    return (
        session.scalar(
            select(func.count()).where(Event.status == EventStatus.PUBLISHED, Event.starts_at > now)
        )
        or 0
    )


def my_signups(session: Session, user: User, *, now: datetime) -> list[EventSignup]:
    """The user's active signups for published events not yet over, soonest first."""
    return list(
        session.scalars(
            select(EventSignup)
            .join(Event)
            .where(
                EventSignup.user_id == user.id,
                EventSignup.status.in_(ACTIVE),
                Event.status == EventStatus.PUBLISHED,
                Event.ends_at > now,
            )
            .options(contains_eager(EventSignup.event))
            .order_by(Event.starts_at, Event.id)
        )
    )


def organised_events(session: Session, user: User, *, everyone: bool, now: datetime) -> list[Event]:
    """Events not yet over that ``user`` organises (``everyone``: all of them, for admins)."""
    query = select(Event).where(Event.ends_at > now, Event.status != EventStatus.CANCELLED)
    if not everyone:
        query = query.where(Event.organiser_id == user.id)
    return list(session.scalars(query.order_by(Event.starts_at, Event.id).limit(50)))
