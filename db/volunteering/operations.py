"""Volunteering: the coordinator's opportunities and the signups for their shifts, as they must
hold when many people press at once.

A signup locks the role's row first (``lock_row``: ``FOR UPDATE`` on PostgreSQL; SQLite's
``BEGIN IMMEDIATE`` already serialises writers), then counts the places held afresh, so a role
is never overbooked and its waiting list keeps arrival order (``seq`` is handed out under the
lock). One person has at most one signup per shift (a unique constraint; the dispatcher retries
a message that loses that race). A place freed goes to the first in the role's waiting list at
once (they are told). Messages to other people go to the outbox in the same transaction
(``db/volunteering/messages.py``), rendered from the ``vs.*`` templates
(``handlers/volunteering/notices.py``).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db import outbox
from db.locks import lock_row
from db.models import User
from db.volunteering.messages import (
    LateCancel,
    OpportunityCancelled,
    Promoted,
    drop_reminders,
    schedule_reminders,
)
from db.volunteering.models import (
    Opportunity,
    OpportunityStatus,
    Shift,
    ShiftRole,
    ShiftSignup,
)
from db.volunteering.models import ShiftSignupStatus as Status
from db.volunteering.reads import find_signup, shifts_of, taken_by_role, waiting_position

#: A cancellation this close to the start tells the coordinator at once (a shift at risk).
LATE = timedelta(hours=24)


class Outcome(enum.StrEnum):
    CONFIRMED = "confirmed"
    WAITING = "waiting"
    EXISTS = "exists"  # already in this shift (the signup is in ``signup``)
    CLOSED = "closed"  # the shift has started
    NOT_FOUND = "not_found"
    CANCELLED = "cancelled"
    DONE = "done"  # the change was made
    # Checking in and out with a shift's code (``db.volunteering.hours.check``):
    CHECKED_IN = "checked_in"
    CHECKED_OUT = "checked_out"
    ALREADY_IN = "already_in"  # the code again right after checking in
    ALREADY_OUT = "already_out"  # checked out before
    OLD_CODE = "old_code"
    WRONG_CODE = "wrong_code"
    NOT_SIGNED_UP = "not_signed_up"  # a good code for a shift they are not in


@dataclass(frozen=True, slots=True)
class Result:
    outcome: Outcome
    signup: ShiftSignup | None = None
    position: int | None = None  # on the waiting list
    promoted: ShiftSignup | None = None
    count: int = 0  # people told
    shift: Shift | None = None  # the shift checked in or out of


@dataclass(frozen=True, slots=True)
class NewRole:
    """A role as the coordinator wrote it: ``引导 / Usher × 4 | en``."""

    name_zh: str | None
    name_en: str | None
    capacity: int
    needs: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class NewOpportunity:
    """An opportunity as the coordinator describes it (the form's answers, unpacked)."""

    title_zh: str | None
    title_en: str | None
    organiser: str
    place: str
    description_zh: str | None = None
    description_en: str | None = None


# --- the coordinator's side ------------------------------------------------------------------


def create_opportunity(
    session: Session, coordinator: User, new: NewOpportunity, *, now: datetime
) -> Opportunity:
    """Keep a new opportunity as a draft, led by ``coordinator``."""
    opportunity = Opportunity(
        title_zh=new.title_zh,
        title_en=new.title_en,
        description_zh=new.description_zh,
        description_en=new.description_en,
        organiser=new.organiser,
        place=new.place,
        status=OpportunityStatus.DRAFT,
        coordinator_id=coordinator.id,
        created_at=now,
        updated_at=now,
    )
    session.add(opportunity)
    session.flush()
    return opportunity


def add_shift(
    session: Session,
    opportunity: Opportunity,
    *,
    starts_at: datetime,
    ends_at: datetime,
    roles: Sequence[NewRole],
) -> Shift:
    """A shift with its roles."""
    shift = Shift(opportunity_id=opportunity.id, starts_at=starts_at, ends_at=ends_at)
    session.add(shift)
    session.flush()
    for role in roles:
        session.add(
            ShiftRole(
                shift_id=shift.id,
                name_zh=role.name_zh,
                name_en=role.name_en,
                capacity=role.capacity,
                needs=",".join(role.needs),
            )
        )
    session.flush()
    return shift


def edit_opportunity(
    session: Session, opportunity_id: int, new: NewOpportunity, *, now: datetime
) -> Opportunity | None:
    """Change the words of an opportunity (its shifts stay)."""
    opportunity = lock_row(session, Opportunity, opportunity_id)
    if opportunity is None or opportunity.status == OpportunityStatus.CANCELLED:
        return None
    opportunity.title_zh, opportunity.title_en = new.title_zh, new.title_en
    opportunity.description_zh, opportunity.description_en = new.description_zh, new.description_en
    opportunity.organiser, opportunity.place = new.organiser, new.place
    opportunity.updated_at = now
    session.flush()
    return opportunity


def publish(session: Session, opportunity_id: int, *, now: datetime) -> Result:
    """Make a draft with at least one shift visible to everyone."""
    opportunity = lock_row(session, Opportunity, opportunity_id)
    if opportunity is None or opportunity.status != OpportunityStatus.DRAFT:
        return Result(Outcome.NOT_FOUND)
    if not shifts_of(session, opportunity_id):
        return Result(Outcome.CLOSED)
    opportunity.status = OpportunityStatus.PUBLISHED
    opportunity.updated_at = now
    session.flush()
    return Result(Outcome.DONE)


def cancel_opportunity(session: Session, opportunity_id: int, *, now: datetime) -> Result:
    """Call it off: reminders removed, everyone signed up (or waiting) told in their language."""
    opportunity = lock_row(session, Opportunity, opportunity_id)
    if opportunity is None or opportunity.status == OpportunityStatus.CANCELLED:
        return Result(Outcome.NOT_FOUND)
    was_published = opportunity.status == OpportunityStatus.PUBLISHED
    opportunity.status = OpportunityStatus.CANCELLED
    opportunity.updated_at = now
    told = 0
    rows = session.execute(
        select(ShiftSignup, Shift)
        .join(Shift, Shift.id == ShiftSignup.shift_id)
        .where(
            Shift.opportunity_id == opportunity_id,
            ShiftSignup.status.in_((Status.CONFIRMED, Status.WAITING)),
            Shift.ends_at > now,
        )
        .order_by(ShiftSignup.id)
    ).all()
    for signup, shift in rows:
        drop_reminders(session, signup.id)
        signup.status, signup.updated_at = Status.CANCELLED, now
        if was_published and signup.user is not None:
            told += outbox.enqueue_to_user(
                session,
                signup.user,
                params=OpportunityCancelled.about(opportunity, shift),
                now=now,
                dedup_key=f"vs:cancelled:{signup.id}",
            )
    session.flush()
    return Result(Outcome.DONE, count=told)


# --- signing up ------------------------------------------------------------------------------


def sign_up(
    session: Session,
    role_id: int,
    user: User,
    *,
    now: datetime,
    reminders: Sequence[timedelta],
) -> Result:
    """A place in the role if one is free, else the end of its waiting list."""
    role = lock_row(session, ShiftRole, role_id)
    if role is None:
        return Result(Outcome.NOT_FOUND)
    shift = session.get(Shift, role.shift_id)
    if shift is None or shift.opportunity.status != OpportunityStatus.PUBLISHED:
        return Result(Outcome.NOT_FOUND)
    if shift.starts_at <= now:
        return Result(Outcome.CLOSED)
    signup = find_signup(session, shift.id, user.id)
    if signup is not None and signup.status != Status.CANCELLED:
        waiting = signup.status == Status.WAITING
        return Result(
            Outcome.EXISTS,
            signup=signup,
            position=waiting_position(session, signup) if waiting else None,
        )
    last = session.scalar(
        select(func.coalesce(func.max(ShiftSignup.seq), 0)).where(ShiftSignup.role_id == role_id)
    )
    taken = taken_by_role(session, [role_id])[role_id]
    status = Status.CONFIRMED if taken < role.capacity else Status.WAITING
    if signup is None:
        signup = ShiftSignup(shift_id=shift.id, user_id=user.id, created_at=now)
        session.add(signup)
    signup.user = user
    signup.role_id = role_id
    signup.status = status
    signup.seq = int(last or 0) + 1
    signup.updated_at = now
    session.flush()
    if status == Status.CONFIRMED:
        schedule_reminders(session, signup, shift, reminders, now=now)
        return Result(Outcome.CONFIRMED, signup=signup)
    return Result(Outcome.WAITING, signup=signup, position=waiting_position(session, signup))


def cancel_signup(
    session: Session,
    shift_id: int,
    user: User,
    *,
    now: datetime,
    reminders: Sequence[timedelta],
) -> Result:
    """Leave the shift (or its waiting list). The first waiting for the role moves up; a
    cancellation in the last 24 hours tells the coordinator at once."""
    signup = find_signup(session, shift_id, user.id)
    if signup is None or signup.status not in (Status.CONFIRMED, Status.WAITING):
        return Result(Outcome.NOT_FOUND)
    role = lock_row(session, ShiftRole, signup.role_id)
    signup = find_signup(session, shift_id, user.id)  # afresh, under the lock
    if role is None or signup is None or signup.status not in (Status.CONFIRMED, Status.WAITING):
        return Result(Outcome.NOT_FOUND)
    shift = signup.shift
    if shift.starts_at <= now:
        return Result(Outcome.CLOSED, signup=signup)
    freed = signup.status == Status.CONFIRMED
    signup.status, signup.updated_at = Status.CANCELLED, now
    drop_reminders(session, signup.id)
    session.flush()
    promoted = promote(session, role, shift, now=now, reminders=reminders) if freed else None
    coordinator = shift.opportunity.coordinator
    if freed and shift.starts_at - now <= LATE and coordinator is not None:
        outbox.enqueue_to_user(
            session,
            coordinator,
            params=LateCancel.about(
                shift.opportunity,
                shift,
                role_zh=role.name_zh,
                role_en=role.name_en,
                name=user.display_name,
                moved_up=promoted is not None,
            ),
            now=now,
            dedup_key=f"vs:late:{signup.id}:{int(now.timestamp())}",
        )
    return Result(Outcome.CANCELLED, signup=signup, promoted=promoted)


def promote(
    session: Session,
    role: ShiftRole,
    shift: Shift,
    *,
    now: datetime,
    reminders: Sequence[timedelta],
) -> ShiftSignup | None:
    """The first waiting for the role takes the freed place and is told. Caller holds the
    role's lock."""
    if taken_by_role(session, [role.id])[role.id] >= role.capacity:
        return None
    first = session.scalars(
        select(ShiftSignup)
        .where(ShiftSignup.role_id == role.id, ShiftSignup.status == Status.WAITING)
        .order_by(ShiftSignup.seq)
        .limit(1)
        .execution_options(populate_existing=True)
    ).first()
    if first is None or first.user is None:
        return None
    first.status, first.updated_at = Status.CONFIRMED, now
    session.flush()
    schedule_reminders(session, first, shift, reminders, now=now)
    outbox.enqueue_to_user(
        session,
        first.user,
        params=Promoted.about(shift.opportunity, shift, role_zh=role.name_zh, role_en=role.name_en),
        now=now,
        dedup_key=f"vs:promoted:{first.id}:{int(now.timestamp())}",
    )
    return first
