"""What the outbox carries about events: the templates (rendered by
``handlers/events/notices.py`` in each recipient's language), the reminders before the start,
the organiser's message to attendees, and the closing of the waiting list."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Self

from sqlalchemy import String, and_, case, cast, exists, literal, select
from sqlalchemy.orm import Session

from db import outbox
from db.event_models import Event, EventSignup, EventStatus, SignupStatus
from db.event_reads import active_signups
from db.models import OutboxMessage
from db.outbox_params import Params

#: How far back the closing sweep looks: a bot that was down for a while still tells people.
CLOSED_LOOKBACK = timedelta(days=1)


# The outbox templates' parameters (rendered by handlers/events/notices.py).


class EventNamed(Params):
    """What a template needs to name an event in either language."""

    event_id: int
    title_zh: str | None = None
    title_en: str | None = None
    starts_at: datetime
    place: str

    @classmethod
    def about(cls, event: Event, **more: Any) -> Self:
        """The parameters naming ``event``, and ``more``."""
        return cls(
            event_id=event.id,
            title_zh=event.title_zh,
            title_en=event.title_en,
            starts_at=event.starts_at,
            place=event.place,
            **more,
        )


class Offer(EventNamed, template="ev.offer"):
    """Places are free for a signup on the waiting list, held until ``expires_at``."""

    signup_id: int
    party: int
    expires_at: datetime
    window_s: int = 0  # how long the offer is held


class OfferExpired(EventNamed, template="ev.offer_expired"):
    """The offer was not answered in time."""


class Reminder(EventNamed, template="ev.reminder"):
    """Before the start, ``offset_s`` seconds ahead of it."""

    offset_s: int = 0


class Rescheduled(EventNamed, template="ev.rescheduled"):
    """The event moved."""


class Cancelled(EventNamed, template="ev.cancelled"):
    """The event was called off."""


class OrganiserMessage(EventNamed, template="ev.message"):
    """The organiser's message to attendees."""

    text: str


class ListClosed(EventNamed, template="ev.list_closed"):
    """Signups closed while they were still on the waiting list."""


def _reminder_prefix(signup_id: int) -> str:
    return f"ev:rem:{signup_id}:"


def schedule_reminders(
    session: Session,
    signup: EventSignup,
    event: Event,
    offsets: Sequence[timedelta],
    *,
    now: datetime,
) -> int:
    """Queue a reminder before the start at each offset that is still ahead; returns how many.
    The key names the signup, the offset and the start, so none is queued twice."""
    messages = [
        (
            event.starts_at - offset,
            Reminder.about(event, offset_s=int(offset.total_seconds())),
            f"{_reminder_prefix(signup.id)}{int(offset.total_seconds())}"
            f":{int(event.starts_at.timestamp())}",
        )
        for offset in offsets
        if event.starts_at - offset > now
    ]
    return outbox.enqueue_many_to_user(session, signup.user, messages, now=now)


def drop_reminders(session: Session, signup_id: int) -> int:
    """Remove a signup's reminders that have not gone out yet."""
    return outbox.cancel_pending(session, dedup_prefix=_reminder_prefix(signup_id))


def message_attendees(
    session: Session, event: Event, text: str, *, now: datetime, due_at: datetime | None = None
) -> int:
    """Queue the organiser's message to every confirmed attendee, to go at ``due_at`` (after
    the quiet hours, say; None: now); returns how many."""
    sent = 0
    for signup in active_signups(session, event.id):
        if signup.status == SignupStatus.CONFIRMED:
            sent += outbox.enqueue_to_user(
                session,
                signup.user,
                params=OrganiserMessage.about(event, text=text),
                now=now,
                due_at=due_at,
            )
    return sent


def tell_waiting_list_at_close(session: Session, *, now: datetime) -> int:
    """The sweep: signups have closed (deadline or start), so everyone still on the waiting
    list is told they did not get a place, once. The outbox's de-duplication key
    ``ev:closed:<signup>`` is the record that they were told."""
    closes_at = case(
        (
            and_(Event.signup_deadline.is_not(None), Event.signup_deadline < Event.starts_at),
            Event.signup_deadline,
        ),
        else_=Event.starts_at,
    )
    key = literal("ev:closed:") + cast(EventSignup.id, String)
    rows = session.execute(
        select(EventSignup, Event)
        .join(Event, Event.id == EventSignup.event_id)
        .where(
            Event.status == EventStatus.PUBLISHED,
            EventSignup.status == SignupStatus.WAITING,
            closes_at <= now,
            closes_at > now - CLOSED_LOOKBACK,
            ~exists(select(OutboxMessage.id).where(OutboxMessage.dedup_key == key)),
        )
        .order_by(EventSignup.id)
    ).all()
    told = 0
    for signup, event in rows:
        told += outbox.enqueue_to_user(
            session,
            signup.user,
            params=ListClosed.about(event),
            now=now,
            dedup_key=f"ev:closed:{signup.id}",
        )
    return told
