"""Residents' notice settings: the buildings admins keep, the topics each resident agreed to
(consent, kept with the time it was given), their building, and the people a transport said
can no longer be reached. The caller owns the transaction."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from db.dialects import insert
from db.models import User
from db.notices.models import Building, NoticeConsent, NoticeSubscriber, Topic, Unreachable

TOPICS = tuple(Topic)


# ---------------------------------------------------------------------------- buildings


def buildings(session: Session) -> list[Building]:
    return list(session.scalars(select(Building).order_by(Building.id)))


def add_building(session: Session, name: str, *, now: datetime) -> bool:
    """Add a building to the list; False if one of that name exists."""
    name = " ".join(name.split())[:64]
    if not name or session.scalar(select(Building.id).where(Building.name == name)):
        return False
    session.add(Building(name=name, created_at=now))
    session.flush()
    return True


def remove_building(session: Session, name: str) -> bool:
    """Remove a building; its residents keep their topics and lose the building."""
    return bool(session.execute(delete(Building).where(Building.name == name.strip())).rowcount)


def building_by_name(session: Session, name: str) -> Building | None:
    wanted = "".join(name.split()).casefold()
    for building in buildings(session):
        if "".join(building.name.split()).casefold() == wanted:
            return building
    return None


# ---------------------------------------------------------------------------- subscriptions


@dataclass(frozen=True, slots=True)
class Subscription:
    asked: bool
    topics: frozenset[str]
    building: Building | None
    consents: tuple[tuple[str, datetime], ...] = ()


def subscription(session: Session, user: User) -> Subscription:
    row = session.get(NoticeSubscriber, user.id)
    consents = session.execute(
        select(NoticeConsent.topic, NoticeConsent.given_at)
        .where(NoticeConsent.user_id == user.id)
        .order_by(NoticeConsent.topic)
    ).all()
    building = session.get(Building, row.building_id) if row and row.building_id else None
    return Subscription(
        asked=row is not None,
        topics=frozenset(topic for topic, _ in consents),
        building=building,
        consents=tuple((topic, given) for topic, given in consents),
    )


def _subscriber(session: Session, user: User, now: datetime) -> NoticeSubscriber:
    """Their settings row, made if there is none. Conflict-safe: a writer that made it at the
    same moment is waited for and its row used (``INSERT … ON CONFLICT DO NOTHING``)."""
    row = session.get(NoticeSubscriber, user.id)
    if row is None:
        ask_once(session, user, now=now)
        row = session.get(NoticeSubscriber, user.id)
        assert row is not None  # inserted now, or committed by the other writer
    row.updated_at = now
    return row


def was_asked(session: Session, user: User) -> bool:
    """Whether the welcome has asked them already (one read, no consents)."""
    return session.get(NoticeSubscriber, user.id) is not None


def ask_once(session: Session, user: User, *, now: datetime) -> bool:
    """Record that the notices question is asked, if it never was: True when it was not (the
    row went in), in one statement (``INSERT … ON CONFLICT DO NOTHING``) — what follows every
    completed action pays no more than that."""
    statement = (
        insert(session, NoticeSubscriber)
        .values(user_id=user.id, asked_at=now, updated_at=now)
        .on_conflict_do_nothing(index_elements=["user_id"])
        .returning(NoticeSubscriber.user_id)
    )
    return bool(session.execute(statement).all())


def mark_asked(
    session: Session, user: User, *, now: datetime, first: bool = False, new_person: bool = False
) -> None:
    """The welcome asked them (whatever they answer, it is not asked again). ``first``: the
    caller has just seen that they were never asked (no second read). ``new_person``: their
    row went in with this transaction, so no row of theirs can be here yet (it refers to
    theirs): it goes in with the message's other writes, its conversation's too."""
    if new_person:
        session.add(NoticeSubscriber(user_id=user.id, asked_at=now, updated_at=now))
        return
    if first:
        ask_once(session, user, now=now)
        return
    _subscriber(session, user, now)


def set_topics(session: Session, user: User, topics: Iterable[str], *, now: datetime) -> None:
    """Exactly these topics; a topic kept keeps the time its consent was given. Idempotent under
    concurrency: a topic another writer has just turned on is kept as it is (its time too)."""
    wanted = {topic for topic in topics if topic in TOPICS}
    _subscriber(session, user, now)
    session.execute(
        delete(NoticeConsent).where(
            NoticeConsent.user_id == user.id, NoticeConsent.topic.not_in(wanted)
        )
    )
    if wanted:
        rows = [{"user_id": user.id, "topic": topic, "given_at": now} for topic in sorted(wanted)]
        session.execute(
            insert(session, NoticeConsent)
            .values(rows)
            .on_conflict_do_nothing(index_elements=["user_id", "topic"])
        )


def toggle_topic(session: Session, user: User, topic: str, *, now: datetime) -> bool:
    """Subscribe to ``topic`` or leave it; returns True if now subscribed."""
    current = subscription(session, user).topics
    on = topic not in current
    set_topics(session, user, (current | {topic}) if on else (current - {topic}), now=now)
    return on


def set_building(session: Session, user: User, building_id: int | None, *, now: datetime) -> None:
    _subscriber(session, user, now).building_id = building_id
    session.flush()


def export(session: Session, user: User) -> dict[str, Any]:
    """What /mydata shows: the topics with the time each consent was given, the building."""
    sub = subscription(session, user)
    row = session.get(NoticeSubscriber, user.id)
    return {
        "asked_at": row.asked_at.isoformat() if row else None,
        "building": sub.building.name if sub.building else None,
        "topics": [
            {"topic": topic, "consent_given_at": given.isoformat()} for topic, given in sub.consents
        ],
    }


def forget(session: Session, user: User) -> None:
    """Erase their subscription (``/deleteme``)."""
    for table in (NoticeConsent, NoticeSubscriber, Unreachable):
        session.execute(delete(table).where(table.user_id == user.id))


def mark_unreachable(session: Session, user_id: int, *, now: datetime, error: str) -> None:
    """The transport said this person cannot be reached (blocked the bot, left the room)."""
    statement = insert(session, Unreachable).values(user_id=user_id, since=now, error=error[:200])
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["user_id"], set_={"since": now, "error": error[:200]}
        )
    )
