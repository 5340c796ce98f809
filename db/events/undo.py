"""Declining an offer can be undone for a minute: the declined places are held that long, then
passed to the next in line by the offers sweep (``pass_on_declined``)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.events.models import Event, EventSignup, EventStatus, SignupStatus
from db.events.operations import (
    Deadline,
    Outcome,
    Result,
    locked_signup,
    offer_free_places,
    offer_window,
)
from db.events.reads import is_open, places_held, places_left
from db.locks import lock_row
from db.models import User

#: How long a decline can be undone (and the declined places wait before they pass on).
UNDO_WITHIN = timedelta(minutes=1)
#: How far back the sweep looks for declines whose minute is over (covers a stopped bot).
LOOK_BACK = timedelta(days=1)


def undo_decline(
    session: Session, signup_id: int, user: User, *, now: datetime, deadline: Deadline
) -> Result:
    """Within a minute of declining, and while the places are still free: the offer again."""
    event, signup = locked_signup(session, signup_id, user)
    if event is None or signup is None or event.status != EventStatus.PUBLISHED:
        return Result(Outcome.NOT_FOUND, event=event)
    if signup.status != SignupStatus.CANCELLED or now - signup.updated_at > UNDO_WITHIN:
        return Result(Outcome.TOO_LATE, signup=signup, event=event)
    if not is_open(event, now):
        return Result(Outcome.CLOSED, signup=signup, event=event)
    free = places_left(event, places_held(session, event.id))
    if free is not None and free < signup.party_size:
        return Result(Outcome.TAKEN, signup=signup, event=event)
    signup.status = SignupStatus.OFFERED
    signup.offer_expires_at = min(deadline(now, offer_window(event, now)), event.closes_at)
    signup.updated_at = now
    session.flush()
    return Result(Outcome.UNDONE, signup=signup, event=event)


def pass_on_declined(session: Session, *, now: datetime, deadline: Deadline | None) -> int:
    """The sweep: places declined more than a minute ago go to the next in line. Returns how
    many people were offered places."""
    recent = now - UNDO_WITHIN
    event_ids = session.scalars(
        select(EventSignup.event_id)
        .where(
            EventSignup.status == SignupStatus.CANCELLED,
            EventSignup.updated_at <= recent,
            EventSignup.updated_at > now - LOOK_BACK,
        )
        .distinct()
        .order_by(EventSignup.event_id)  # one lock order for every sweep
    ).all()
    offered = 0
    for event_id in event_ids:
        waiting = session.scalar(
            select(EventSignup.id).where(
                EventSignup.event_id == event_id, EventSignup.status == SignupStatus.WAITING
            )
        )
        undoable = session.scalar(
            select(EventSignup.id).where(
                EventSignup.event_id == event_id,
                EventSignup.status == SignupStatus.CANCELLED,
                EventSignup.updated_at > recent,
            )
        )
        if waiting is None or undoable is not None:
            continue
        event = lock_row(session, Event, event_id)
        if event is not None and event.status == EventStatus.PUBLISHED:
            offered += len(offer_free_places(session, event, now, deadline))
    return offered
