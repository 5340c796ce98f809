"""Events: the operations that must hold when many people press at once.

Every change to an event's signups first locks the event row (``SELECT … FOR UPDATE`` on
PostgreSQL; on SQLite the transaction's ``BEGIN IMMEDIATE`` already serialises writers), then
reads the signups afresh, decides, and writes. So places are never overbooked, the waiting list
keeps arrival order (``seq`` is handed out under the lock), and one person has at most one
signup per event (a unique constraint; the dispatcher retries a message that loses that race).

Places held: confirmed signups and open offers. After every change that frees places, the first
waiting entries that fit are offered them (``_fill``); an offer is confirmed, declined, or it
expires (``expire_offers``, a sweep) and passes to the next in line. Messages to the people
concerned are written to the outbox in the same transaction, rendered from the ``ev.*``
templates in each recipient's language when sent.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, and_, case, cast, exists, func, literal, select
from sqlalchemy.orm import Session, contains_eager, joinedload

from db import outbox
from db.models import Event, EventSignup, EventStatus, OutboxMessage, SignupStatus, User

#: How long a freed place is held for the person offered it (shorter close to the start).
OFFER_WINDOW = timedelta(hours=12)

HOLDING = (SignupStatus.CONFIRMED, SignupStatus.OFFERED)
ACTIVE = (SignupStatus.CONFIRMED, SignupStatus.OFFERED, SignupStatus.WAITING)

# Outbox templates (registered in handlers/events/notices.py).
T_OFFER = "ev.offer"
T_OFFER_EXPIRED = "ev.offer_expired"
T_REMINDER = "ev.reminder"
T_RESCHEDULED = "ev.rescheduled"
T_CANCELLED = "ev.cancelled"
T_MESSAGE = "ev.message"
T_LIST_CLOSED = "ev.list_closed"
#: How far back the closing sweep looks: a bot that was down for a while still tells people.
CLOSED_LOOKBACK = timedelta(days=1)


@dataclass(slots=True)
class Outcome:
    """What an operation did. ``result`` is one of the ``R_*`` words below."""

    result: str
    signup: EventSignup | None = None
    event: Event | None = None
    position: int | None = None  # on the waiting list
    offered: list[EventSignup] = field(default_factory=list)
    count: int = 0  # places held (``R_TOO_LOW``), people told (``cancel_event``)


R_CONFIRMED = "confirmed"
R_WAITING = "waiting"
R_EXISTS = "exists"  # already signed up (the existing signup is in ``signup``)
R_CLOSED = "closed"  # past the deadline or the start
R_NOT_FOUND = "not_found"  # no such published event, or no such signup of this user
R_BAD_PARTY = "bad_party"
R_CANCELLED = "cancelled"
R_DECLINED = "declined"
R_EXPIRED = "expired"
R_NOT_OFFERED = "not_offered"
R_TOO_LOW = "too_low"  # a capacity below the places already held
R_OK = "ok"


def event_params(event: Event) -> dict[str, Any]:
    """What a template needs to name an event in either language."""
    return {
        "event_id": event.id,
        "title_zh": event.title_zh,
        "title_en": event.title_en,
        "starts_at": event.starts_at.isoformat(),
        "place": event.place,
    }


def lock_event(session: Session, event_id: int) -> Event | None:
    """The event, locked for this transaction (PostgreSQL), read afresh."""
    query = select(Event).where(Event.id == event_id).execution_options(populate_existing=True)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return session.scalars(query).first()


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


# --- reminders -------------------------------------------------------------------------------


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
    queued = 0
    for offset in offsets:
        due = event.starts_at - offset
        if due <= now:
            continue
        queued += outbox.enqueue_to_user(
            session,
            signup.user,
            template=T_REMINDER,
            now=now,
            due_at=due,
            params={**event_params(event), "offset_s": int(offset.total_seconds())},
            dedup_key=(
                f"{_reminder_prefix(signup.id)}{int(offset.total_seconds())}"
                f":{int(event.starts_at.timestamp())}"
            ),
        )
    return queued


def drop_reminders(session: Session, signup_id: int) -> int:
    """Remove a signup's reminders that have not gone out yet."""
    return outbox.cancel_pending(session, dedup_prefix=_reminder_prefix(signup_id))


# --- offers ----------------------------------------------------------------------------------


def offer_window(event: Event, now: datetime) -> timedelta:
    """12 hours, or half the time left before signups close, whichever is shorter."""
    return min(OFFER_WINDOW, (event.closes_at - now) / 2)


#: When an offer made at a moment with a window of time expires (the handlers pause the clock
#: in the community's quiet hours); None: ``now + window``.
Deadline = Callable[[datetime, timedelta], datetime]


def _offer(
    session: Session, signup: EventSignup, event: Event, now: datetime, deadline: Deadline | None
) -> None:
    window = offer_window(event, now)
    expires = min(deadline(now, window), event.closes_at) if deadline else now + window
    signup.status = SignupStatus.OFFERED
    signup.offer_expires_at = expires
    signup.updated_at = now
    outbox.enqueue_to_user(
        session,
        signup.user,
        template=T_OFFER,
        now=now,
        params={
            **event_params(event),
            "signup_id": signup.id,
            "party": signup.party_size,
            "expires_at": expires.isoformat(),
            "window_s": int(window.total_seconds()),
        },
        dedup_key=f"ev:offer:{signup.id}:{int(expires.timestamp())}",
    )


def _fill(
    session: Session, event: Event, now: datetime, deadline: Deadline | None = None
) -> list[EventSignup]:
    """Offer free places to the first waiting entries that fit, in order. Caller holds the
    event's lock."""
    if not is_open(event, now) or offer_window(event, now) <= timedelta(0):
        return []
    free = places_left(event, places_held(session, event.id))
    remaining = math.inf if free is None else free
    offered = []
    waiting = session.scalars(
        select(EventSignup)
        .where(EventSignup.event_id == event.id, EventSignup.status == SignupStatus.WAITING)
        .order_by(EventSignup.seq)
        .execution_options(populate_existing=True)
    ).all()
    for signup in waiting:
        if remaining <= 0:
            break
        if signup.party_size <= remaining:
            _offer(session, signup, event, now, deadline)
            remaining -= signup.party_size
            offered.append(signup)
    session.flush()
    return offered


# --- the operations --------------------------------------------------------------------------


def sign_up(
    session: Session,
    event_id: int,
    user: User,
    party: int,
    *,
    now: datetime,
    reminders: Sequence[timedelta],
) -> Outcome:
    """Confirm ``party`` places if they are free, else join the waiting list at its end."""
    event = lock_event(session, event_id)
    if event is None or event.status != EventStatus.PUBLISHED:
        return Outcome(R_NOT_FOUND, event=event)
    if not is_open(event, now):
        return Outcome(R_CLOSED, event=event)
    if not 1 <= party <= event.max_party:
        return Outcome(R_BAD_PARTY, event=event)
    signup = find_signup(session, event_id, user.id)
    if signup is not None and signup.status != SignupStatus.CANCELLED:
        waiting = signup.status == SignupStatus.WAITING
        position = waiting_position(session, signup) if waiting else None
        return Outcome(R_EXISTS, signup=signup, event=event, position=position)
    last = session.scalar(
        select(func.coalesce(func.max(EventSignup.seq), 0)).where(EventSignup.event_id == event_id)
    )
    free = places_left(event, places_held(session, event_id))
    status = SignupStatus.CONFIRMED if free is None or party <= free else SignupStatus.WAITING
    if signup is None:
        signup = EventSignup(event_id=event_id, user_id=user.id, created_at=now)
        session.add(signup)
    signup.user = user
    signup.party_size = party
    signup.status = status
    signup.seq = (last or 0) + 1
    signup.offer_expires_at = None
    signup.updated_at = now
    session.flush()
    if status == SignupStatus.CONFIRMED:
        schedule_reminders(session, signup, event, reminders, now=now)
        return Outcome(R_CONFIRMED, signup=signup, event=event)
    return Outcome(
        R_WAITING, signup=signup, event=event, position=waiting_position(session, signup)
    )


def cancel_signup(
    session: Session, event_id: int, user: User, *, now: datetime, deadline: Deadline | None = None
) -> Outcome:
    """Cancel the user's signup (or offer, or waiting-list place); freed places are offered."""
    event = lock_event(session, event_id)
    if event is None:
        return Outcome(R_NOT_FOUND)
    signup = find_signup(session, event_id, user.id)
    if signup is None or signup.status == SignupStatus.CANCELLED:
        return Outcome(R_NOT_FOUND, event=event)
    freed = signup.status in HOLDING
    signup.status = SignupStatus.CANCELLED
    signup.offer_expires_at = None
    signup.updated_at = now
    drop_reminders(session, signup.id)
    session.flush()
    offered = _fill(session, event, now, deadline) if freed else []
    return Outcome(R_CANCELLED, signup=signup, event=event, offered=offered)


def _locked_signup(
    session: Session, signup_id: int, user: User
) -> tuple[Event | None, EventSignup | None]:
    """The event (locked) and the user's signup ``signup_id``, or Nones."""
    event_id = session.scalar(
        select(EventSignup.event_id).where(
            EventSignup.id == signup_id, EventSignup.user_id == user.id
        )
    )
    if event_id is None:
        return None, None
    event = lock_event(session, event_id)
    signup = session.scalars(
        select(EventSignup)
        .where(EventSignup.id == signup_id)
        .execution_options(populate_existing=True)
    ).first()
    return event, signup


def _expire(session: Session, signup: EventSignup, event: Event, now: datetime) -> None:
    signup.status = SignupStatus.CANCELLED
    signup.offer_expires_at = None
    signup.updated_at = now
    outbox.enqueue_to_user(
        session,
        signup.user,
        template=T_OFFER_EXPIRED,
        now=now,
        params=event_params(event),
        dedup_key=f"ev:offer_expired:{signup.id}:{int(now.timestamp())}",
    )


def answer_offer(
    session: Session,
    signup_id: int,
    user: User,
    *,
    accept: bool,
    now: datetime,
    reminders: Sequence[timedelta],
    deadline: Deadline | None = None,
) -> Outcome:
    """Take (``accept``) or decline the offered places; an expired offer passes to the next in
    line at once, a declined one a minute later (see ``db.event_undo``)."""
    event, signup = _locked_signup(session, signup_id, user)
    if event is None or signup is None:
        return Outcome(R_NOT_FOUND)
    if signup.status != SignupStatus.OFFERED:
        return Outcome(R_NOT_OFFERED, signup=signup, event=event)
    if event.status != EventStatus.PUBLISHED:
        return Outcome(R_NOT_FOUND, event=event)
    if signup.offer_expires_at is not None and signup.offer_expires_at <= now:
        _expire(session, signup, event, now)
        session.flush()
        offered = _fill(session, event, now, deadline)
        return Outcome(R_EXPIRED, signup=signup, event=event, offered=offered)
    signup.offer_expires_at = None
    signup.updated_at = now
    if not accept:  # passed on a minute later (``pass_on_declined``): it can be undone
        signup.status = SignupStatus.CANCELLED
        session.flush()
        return Outcome(R_DECLINED, signup=signup, event=event)
    signup.status = SignupStatus.CONFIRMED
    session.flush()
    schedule_reminders(session, signup, event, reminders, now=now)
    return Outcome(R_CONFIRMED, signup=signup, event=event)


def expire_offers(session: Session, *, now: datetime, deadline: Deadline | None = None) -> int:
    """The sweep: offers past their time are withdrawn (the person is told) and passed on."""
    event_ids = session.scalars(
        select(EventSignup.event_id)
        .where(EventSignup.status == SignupStatus.OFFERED, EventSignup.offer_expires_at <= now)
        .distinct()
        .order_by(EventSignup.event_id)  # one lock order for every sweep
    ).all()
    expired = 0
    for event_id in event_ids:
        event = lock_event(session, event_id)
        if event is None:
            continue
        due = session.scalars(
            select(EventSignup)
            .where(
                EventSignup.event_id == event_id,
                EventSignup.status == SignupStatus.OFFERED,
                EventSignup.offer_expires_at <= now,
            )
            .order_by(EventSignup.seq)
            .execution_options(populate_existing=True)
        ).all()
        for signup in due:
            _expire(session, signup, event, now)
            expired += 1
        session.flush()
        _fill(session, event, now, deadline)
    return expired


def set_capacity(
    session: Session,
    event_id: int,
    capacity: int | None,
    *,
    now: datetime,
    deadline: Deadline | None = None,
) -> Outcome:
    """Change the number of places (None: unlimited); never below the places held. New places
    are offered to the waiting list."""
    event = lock_event(session, event_id)
    if event is None:
        return Outcome(R_NOT_FOUND)
    held = places_held(session, event_id)
    if capacity is not None and capacity < held:
        return Outcome(R_TOO_LOW, event=event, count=held)
    event.capacity = capacity
    event.updated_at = now
    session.flush()
    return Outcome(R_OK, event=event, offered=_fill(session, event, now, deadline))


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


def reschedule(
    session: Session,
    event_id: int,
    *,
    starts_at: datetime,
    ends_at: datetime,
    now: datetime,
    reminders: Sequence[timedelta],
) -> Outcome:
    """Move the event; reminders move with it and everyone signed up is told the new time."""
    event = lock_event(session, event_id)
    if event is None or event.status == EventStatus.CANCELLED:
        return Outcome(R_NOT_FOUND, event=event)
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
            template=T_RESCHEDULED,
            now=now,
            params=event_params(event),
            # the moment of the change too: moved back to an earlier time is news again
            dedup_key=f"ev:resched:{signup.id}:{int(starts_at.timestamp())}:{int(now.timestamp())}",
        )
    return Outcome(R_OK, event=event)


def cancel_event(session: Session, event_id: int, *, now: datetime) -> Outcome:
    """Call the event off: reminders removed, everyone signed up told."""
    event = lock_event(session, event_id)
    if event is None or event.status == EventStatus.CANCELLED:
        return Outcome(R_NOT_FOUND, event=event)
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
                template=T_CANCELLED,
                now=now,
                params=event_params(event),
                dedup_key=f"ev:cancelled:{signup.id}",
            )
    session.flush()
    return Outcome(R_OK, event=event, count=told)


def publish(session: Session, event_id: int, *, now: datetime) -> Outcome:
    """Make a draft visible to everyone."""
    event = lock_event(session, event_id)
    if event is None or event.status != EventStatus.DRAFT:
        return Outcome(R_NOT_FOUND, event=event)
    event.status = EventStatus.PUBLISHED
    event.updated_at = now
    session.flush()
    return Outcome(R_OK, event=event)


def message_attendees(session: Session, event: Event, text: str, *, now: datetime) -> int:
    """Queue the organiser's message to every confirmed attendee; returns how many."""
    sent = 0
    for signup in active_signups(session, event.id):
        if signup.status == SignupStatus.CONFIRMED:
            sent += outbox.enqueue_to_user(
                session,
                signup.user,
                template=T_MESSAGE,
                now=now,
                params={**event_params(event), "text": text},
            )
    return sent


# --- reads -----------------------------------------------------------------------------------


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
            template=T_LIST_CLOSED,
            now=now,
            params=event_params(event),
            dedup_key=f"ev:closed:{signup.id}",
        )
    return told
