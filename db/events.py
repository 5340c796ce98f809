"""Events: the operations that must hold when many people press at once.

Every change to an event's signups first locks the event row (``SELECT … FOR UPDATE`` on
PostgreSQL; on SQLite the transaction's ``BEGIN IMMEDIATE`` already serialises writers), then
reads the signups afresh, decides, and writes. So places are never overbooked, the waiting list
keeps arrival order (``seq`` is handed out under the lock), and one person has at most one
signup per event (a unique constraint; the dispatcher retries a message that loses that race).

Places held: confirmed signups and open offers. After every change that frees places, the first
waiting entries that fit are offered them (``offer_free_places``); an offer is confirmed,
declined, or it expires (``expire_offers``, a sweep) and passes to the next in line. Messages
to the people concerned are written to the outbox in the same transaction
(``db/event_messages.py``), rendered from the ``ev.*`` templates in each recipient's language
when sent.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db import outbox
from db.event_messages import Offer, OfferExpired, drop_reminders, schedule_reminders
from db.event_models import Event, EventSignup, EventStatus, SignupStatus
from db.event_reads import HOLDING, find_signup, is_open, places_held, places_left, waiting_position
from db.locks import lock_row
from db.models import User

#: How long a freed place is held for the person offered it (shorter close to the start).
OFFER_WINDOW = timedelta(hours=12)


class Outcome(enum.StrEnum):
    """What an operation on an event or a signup did."""

    CONFIRMED = "confirmed"
    WAITING = "waiting"
    EXISTS = "exists"  # already signed up (the existing signup is in ``signup``)
    CLOSED = "closed"  # past the deadline or the start
    NOT_FOUND = "not_found"  # no such published event, or no such signup of this user
    BAD_PARTY = "bad_party"
    CANCELLED = "cancelled"
    DECLINED = "declined"
    EXPIRED = "expired"
    NOT_OFFERED = "not_offered"
    TOO_LOW = "too_low"  # a capacity below the places already held
    OK = "ok"
    UNDONE = "undone"  # a decline undone (``db.event_undo``)
    TOO_LATE = "too_late"  # the decline was more than a minute ago
    TAKEN = "taken"  # the declined places went to someone else in the meantime


@dataclass(frozen=True, slots=True)
class Result:
    outcome: Outcome
    signup: EventSignup | None = None
    event: Event | None = None
    position: int | None = None  # on the waiting list
    offered: tuple[EventSignup, ...] = ()
    count: int = 0  # places held (``TOO_LOW``, ``CONFIRMED``), people told (``cancel_event``)


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
        params=Offer.about(
            event,
            signup_id=signup.id,
            party=signup.party_size,
            expires_at=expires,
            window_s=int(window.total_seconds()),
        ),
        now=now,
        dedup_key=f"ev:offer:{signup.id}:{int(expires.timestamp())}",
    )


def offer_free_places(
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
    locked: Event | None = None,
    signups: Sequence[EventSignup] | None = None,
) -> Result:
    """Confirm ``party`` places if they are free, else join the waiting list at its end.

    A caller that has already locked the event (``lock_row``) passes it as ``locked``, and
    may pass the user's signups read after that lock (``signups``, ``user_signups``)."""
    event = locked if locked is not None else lock_row(session, Event, event_id)
    if event is None or event.status != EventStatus.PUBLISHED:
        return Result(Outcome.NOT_FOUND, event=event)
    if not is_open(event, now):
        return Result(Outcome.CLOSED, event=event)
    if not 1 <= party <= event.max_party:
        return Result(Outcome.BAD_PARTY, event=event)
    if signups is None:
        signup = find_signup(session, event_id, user.id)
    else:
        signup = next((s for s in signups if s.event_id == event_id), None)
    if signup is not None and signup.status != SignupStatus.CANCELLED:
        waiting = signup.status == SignupStatus.WAITING
        position = waiting_position(session, signup) if waiting else None
        return Result(Outcome.EXISTS, signup=signup, event=event, position=position)
    last, held = session.execute(
        select(
            func.coalesce(func.max(EventSignup.seq), 0),
            func.coalesce(
                func.sum(EventSignup.party_size).filter(EventSignup.status.in_(HOLDING)), 0
            ),
        ).where(EventSignup.event_id == event_id)
    ).one()
    free = places_left(event, held)
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
        return Result(Outcome.CONFIRMED, signup=signup, event=event, count=held + party)
    return Result(
        Outcome.WAITING, signup=signup, event=event, position=waiting_position(session, signup)
    )


def cancel_signup(
    session: Session, event_id: int, user: User, *, now: datetime, deadline: Deadline | None = None
) -> Result:
    """Cancel the user's signup (or offer, or waiting-list place); freed places are offered."""
    event = lock_row(session, Event, event_id)
    if event is None:
        return Result(Outcome.NOT_FOUND)
    signup = find_signup(session, event_id, user.id)
    if signup is None or signup.status == SignupStatus.CANCELLED:
        return Result(Outcome.NOT_FOUND, event=event)
    freed = signup.status in HOLDING
    signup.status = SignupStatus.CANCELLED
    signup.offer_expires_at = None
    signup.updated_at = now
    drop_reminders(session, signup.id)
    session.flush()
    offered = offer_free_places(session, event, now, deadline) if freed else []
    return Result(Outcome.CANCELLED, signup=signup, event=event, offered=tuple(offered))


def fewer_places(
    session: Session,
    event_id: int,
    user: User,
    places: int,
    *,
    now: datetime,
    deadline: Deadline | None = None,
) -> Result:
    """Come with fewer people (2 → 1) without cancelling: the places let go are offered to
    the waiting list, under the event's lock."""
    event = lock_row(session, Event, event_id)
    if event is None:
        return Result(Outcome.NOT_FOUND)
    signup = find_signup(session, event_id, user.id)
    if signup is None or signup.status != SignupStatus.CONFIRMED:
        return Result(Outcome.NOT_FOUND, event=event)
    if not 1 <= places < signup.party_size:
        return Result(Outcome.BAD_PARTY, signup=signup, event=event)
    signup.party_size = places
    signup.updated_at = now
    session.flush()
    offered = offer_free_places(session, event, now, deadline)
    return Result(Outcome.OK, signup=signup, event=event, offered=tuple(offered))


def locked_signup(
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
    event = lock_row(session, Event, event_id)
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
        params=OfferExpired.about(event),
        now=now,
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
) -> Result:
    """Take (``accept``) or decline the offered places; an expired offer passes to the next in
    line at once, a declined one a minute later (see ``db.event_undo``)."""
    event, signup = locked_signup(session, signup_id, user)
    if event is None or signup is None:
        return Result(Outcome.NOT_FOUND)
    if signup.status != SignupStatus.OFFERED:
        return Result(Outcome.NOT_OFFERED, signup=signup, event=event)
    if event.status != EventStatus.PUBLISHED:
        return Result(Outcome.NOT_FOUND, event=event)
    if signup.offer_expires_at is not None and signup.offer_expires_at <= now:
        _expire(session, signup, event, now)
        session.flush()
        offered = offer_free_places(session, event, now, deadline)
        return Result(Outcome.EXPIRED, signup=signup, event=event, offered=tuple(offered))
    signup.offer_expires_at = None
    signup.updated_at = now
    if not accept:  # passed on a minute later (``pass_on_declined``): it can be undone
        signup.status = SignupStatus.CANCELLED
        session.flush()
        return Result(Outcome.DECLINED, signup=signup, event=event)
    signup.status = SignupStatus.CONFIRMED
    session.flush()
    schedule_reminders(session, signup, event, reminders, now=now)
    return Result(Outcome.CONFIRMED, signup=signup, event=event)


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
        event = lock_row(session, Event, event_id)
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
        offer_free_places(session, event, now, deadline)
    return expired
