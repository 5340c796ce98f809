"""An organiser's changes to an event: create it (a draft, or published at once), publish a
draft, change the number of places (new places go to the waiting list), move it, call it off.
Each change to an existing event locks it first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from db import outbox
from db.event_messages import Cancelled, Rescheduled, drop_reminders, schedule_reminders
from db.event_models import Event, EventStatus, SignupStatus
from db.event_reads import active_signups, places_held
from db.events import Deadline, Outcome, Result, offer_free_places
from db.locks import lock_row
from db.models import User


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event as the organiser describes it (the form's answers, unpacked by the handler).
    One title may be missing, not both; ``capacity`` None is unlimited."""

    title_zh: str | None
    title_en: str | None
    starts_at: datetime
    ends_at: datetime
    place: str
    description_zh: str | None = None
    description_en: str | None = None
    capacity: int | None = None
    max_party: int = 1
    signup_deadline: datetime | None = None
    publish: bool = False  # published at once, else a draft


def create_event(session: Session, organiser: User, new: NewEvent, *, now: datetime) -> Event:
    """Keep a new event, organised by ``organiser``."""
    event = Event(
        title_zh=new.title_zh,
        title_en=new.title_en,
        description_zh=new.description_zh,
        description_en=new.description_en,
        starts_at=new.starts_at,
        ends_at=new.ends_at,
        place=new.place,
        capacity=new.capacity,
        max_party=new.max_party,
        signup_deadline=new.signup_deadline,
        status=EventStatus.PUBLISHED if new.publish else EventStatus.DRAFT,
        organiser_id=organiser.id,
        created_at=now,
        updated_at=now,
    )
    session.add(event)
    session.flush()
    return event


def publish(session: Session, event_id: int, *, now: datetime) -> Result:
    """Make a draft visible to everyone."""
    event = lock_row(session, Event, event_id)
    if event is None or event.status != EventStatus.DRAFT:
        return Result(Outcome.NOT_FOUND, event=event)
    event.status = EventStatus.PUBLISHED
    event.updated_at = now
    session.flush()
    return Result(Outcome.OK, event=event)


def set_capacity(
    session: Session,
    event_id: int,
    capacity: int | None,
    *,
    now: datetime,
    deadline: Deadline | None = None,
) -> Result:
    """Change the number of places (None: unlimited); never below the places held. New places
    are offered to the waiting list."""
    event = lock_row(session, Event, event_id)
    if event is None:
        return Result(Outcome.NOT_FOUND)
    held = places_held(session, event_id)
    if capacity is not None and capacity < held:
        return Result(Outcome.TOO_LOW, event=event, count=held)
    event.capacity = capacity
    event.updated_at = now
    session.flush()
    return Result(
        Outcome.OK, event=event, offered=tuple(offer_free_places(session, event, now, deadline))
    )


def reschedule(
    session: Session,
    event_id: int,
    *,
    starts_at: datetime,
    ends_at: datetime,
    now: datetime,
    reminders: Sequence[timedelta],
) -> Result:
    """Move the event; reminders move with it and everyone signed up is told the new time."""
    event = lock_row(session, Event, event_id)
    if event is None or event.status == EventStatus.CANCELLED:
        return Result(Outcome.NOT_FOUND, event=event)
    event.starts_at, event.ends_at, event.updated_at = starts_at, ends_at, now
    session.flush()
    for signup in active_signups(session, event_id):
        drop_reminders(session, signup.id)
        if signup.status == SignupStatus.CONFIRMED:
            schedule_reminders(session, signup, event, reminders, now=now)
        if signup.offer_expires_at is not None and signup.offer_expires_at > event.closes_at:
            signup.offer_expires_at = max(now, event.closes_at)
        outbox.enqueue_to_user(
            session,
            signup.user,
            params=Rescheduled.about(event),
            now=now,
            # the moment of the change too: moved back to an earlier time is news again
            dedup_key=f"ev:resched:{signup.id}:{int(starts_at.timestamp())}:{int(now.timestamp())}",
        )
    return Result(Outcome.OK, event=event)


def cancel_event(session: Session, event_id: int, *, now: datetime) -> Result:
    """Call the event off: reminders removed, everyone signed up told."""
    event = lock_row(session, Event, event_id)
    if event is None or event.status == EventStatus.CANCELLED:
        return Result(Outcome.NOT_FOUND, event=event)
    was_published = event.status == EventStatus.PUBLISHED
    event.status = EventStatus.CANCELLED
    event.updated_at = now
    told = 0
    for signup in active_signups(session, event_id):
        drop_reminders(session, signup.id)
        signup.offer_expires_at = None
        if was_published:
            told += outbox.enqueue_to_user(
                session,
                signup.user,
                params=Cancelled.about(event),
                now=now,
                dedup_key=f"ev:cancelled:{signup.id}",
            )
    session.flush()
    return Result(Outcome.OK, event=event, count=told)
