"""Volunteering: a shift moved to another time. Everyone signed up is told the new time and
asked to confirm within 48 hours (or before the new start, if sooner); whoever does not keeps
no place: a sweep frees it for the first on the role's waiting list."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from db import outbox
from db.locks import lock_row
from db.models import User
from db.volunteering.messages import ShiftNamed, drop_reminders, schedule_reminders
from db.volunteering.models import OpportunityStatus, Shift, ShiftRole, ShiftSignup
from db.volunteering.models import ShiftSignupStatus as Status
from db.volunteering.operations import Outcome, Result, promote


class Moved(ShiftNamed, template="vs.moved"):
    """Their shift moved: they keep the place if they confirm by ``by``."""

    signup_id: int
    by: datetime


class Released(ShiftNamed, template="vs.released"):
    """They did not confirm the moved shift in time: the place went to someone else."""


RECONFIRM_WITHIN = timedelta(hours=48)


def move_shift(
    session: Session,
    shift_id: int,
    *,
    starts_at: datetime,
    ends_at: datetime,
    now: datetime,
    reminders: Sequence[timedelta],
) -> Result:
    """Move the shift; its reminders move with it and everyone in it is asked to confirm."""
    shift = lock_row(session, Shift, shift_id)
    if shift is None or shift.opportunity.status == OpportunityStatus.CANCELLED:
        return Result(Outcome.NOT_FOUND)
    if shift.starts_at <= now:
        return Result(Outcome.CLOSED)
    shift.starts_at, shift.ends_at = starts_at, ends_at
    by = min(now + RECONFIRM_WITHIN, starts_at)
    told = 0
    signups = session.scalars(
        select(ShiftSignup)
        .where(ShiftSignup.shift_id == shift_id, ShiftSignup.status == Status.CONFIRMED)
        .order_by(ShiftSignup.seq)
        .execution_options(populate_existing=True)
    ).all()
    for signup in signups:
        drop_reminders(session, signup.id)
        schedule_reminders(session, signup, shift, reminders, now=now)
        signup.reconfirm_by, signup.updated_at = by, now
        if signup.user is not None:
            told += outbox.enqueue_to_user(
                session,
                signup.user,
                params=Moved.about(shift.opportunity, shift, signup_id=signup.id, by=by),
                now=now,
                dedup_key=f"vs:moved:{signup.id}:{int(now.timestamp())}",
            )
    session.flush()
    return Result(Outcome.DONE, count=told)


def reconfirm(session: Session, signup_id: int, user: User, *, now: datetime) -> Result:
    """The person still comes at the new time."""
    signup = session.get(ShiftSignup, signup_id)
    if signup is None or signup.user_id != user.id or signup.status != Status.CONFIRMED:
        return Result(Outcome.NOT_FOUND)
    if signup.reconfirm_by is None:
        return Result(Outcome.EXISTS, signup=signup)
    if signup.reconfirm_by <= now:
        return Result(Outcome.CLOSED, signup=signup)
    signup.reconfirm_by, signup.updated_at = None, now
    session.flush()
    return Result(Outcome.CONFIRMED, signup=signup)


def release_unconfirmed(session: Session, *, now: datetime, reminders: Sequence[timedelta]) -> int:
    """The sweep: places not confirmed in time are freed (the person is told) and go to the
    first waiting. Each role is locked before its signups are changed."""
    due = session.execute(
        select(ShiftSignup.id, ShiftSignup.role_id)
        .where(ShiftSignup.status == Status.CONFIRMED, ShiftSignup.reconfirm_by <= now)
        .order_by(ShiftSignup.role_id, ShiftSignup.id)
    ).all()
    released = 0
    for signup_id, role_id in due:
        role = lock_row(session, ShiftRole, role_id)
        signup = lock_row(session, ShiftSignup, signup_id)
        if role is None or signup is None or signup.status != Status.CONFIRMED:
            continue
        if signup.reconfirm_by is None or signup.reconfirm_by > now:
            continue
        signup.status, signup.reconfirm_by, signup.updated_at = Status.CANCELLED, None, now
        drop_reminders(session, signup.id)
        session.flush()
        shift = signup.shift
        if signup.user is not None:
            outbox.enqueue_to_user(
                session,
                signup.user,
                params=Released.about(shift.opportunity, shift),
                now=now,
                dedup_key=f"vs:released:{signup.id}",
            )
        if shift.starts_at > now:
            promote(session, role, shift, now=now, reminders=reminders)
        released += 1
    return released
