"""Volunteering: check-in at the venue, the hours given, and what they add up to.

Check-in is a TOTP code (``pyotp``, a new code every minute) from the shift's secret, which the
coordinator's chat shows: a code sent within its minute is the proof of presence. Checking in
and out are conditional ``UPDATE``s (``checked_in_at IS NULL``…), so the same code sent twice,
or by two workers at once, is recorded once. Hours run from check-in to check-out within the
shift (a forgotten check-out stops at its end), rounded by the community's rule, and count only
once the coordinator has confirmed them.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from db import outbox
from db.changes import change_if
from db.locks import lock_row
from db.models import User
from db.volunteering.messages import ShiftNamed
from db.volunteering.models import (
    Opportunity,
    OpportunityStatus,
    Shift,
    ShiftSignup,
)
from db.volunteering.models import ShiftSignupStatus as Status
from db.volunteering.operations import Outcome, Result


class HoursConfirmed(ShiftNamed, template="vs.hours"):
    """Their hours for the shift are confirmed."""

    minutes: int


#: A code lives one minute; the one before it is still taken this long into the next minute
#: (someone typing as it changes).
CODE_STEP = 60
GRACE = timedelta(seconds=15)
#: Codes this many minutes old are recognised as old (said so), not as wrong.
OLD_STEPS = 30
#: The same code sent again this soon after checking in is not a check-out.
MIN_STAY = timedelta(minutes=5)
#: Check-in opens this long before the shift and closes this long after it.
EARLY = timedelta(hours=1)
NO_SHOW_WINDOW = timedelta(days=90)
NO_SHOW_NOTE_AT = 3


@dataclass(frozen=True, slots=True)
class Rounding:
    """Under ``threshold`` minutes count 0; above, the nearest ``step`` minutes (half up)."""

    threshold: int = 15
    step: int = 30

    def apply(self, minutes: int) -> int:
        if minutes < self.threshold:
            return 0
        return ((minutes + self.step // 2) // self.step) * self.step


def totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret, interval=CODE_STEP)


def open_checkin(session: Session, shift_id: int) -> Shift | None:
    """Give the shift a check-in secret (once); its code changes every minute."""
    shift = lock_row(session, Shift, shift_id)
    if shift is None:
        return None
    if shift.checkin_secret is None:
        shift.checkin_secret = pyotp.random_base32()
        session.flush()
    return shift


def current_code(shift: Shift, now: datetime) -> str:
    return totp(shift.checkin_secret or "").at(now)


def _match(secret: str, code: str, now: datetime) -> bool | None:
    """True: the code of this minute (or the last one, just after it changed); False: an old
    code of this shift; None: not this shift's."""
    codes = totp(secret)
    if secrets.compare_digest(codes.at(now), code):
        return True
    earlier = now - timedelta(seconds=CODE_STEP)
    if secrets.compare_digest(codes.at(earlier), code):
        into_minute = now.timestamp() % CODE_STEP
        return into_minute < GRACE.total_seconds()
    for step in range(2, OLD_STEPS + 1):
        older = now - timedelta(seconds=CODE_STEP * step)
        if secrets.compare_digest(codes.at(older), code):
            return False
    return None


def _open_shifts(now: datetime) -> Select[tuple[Shift]]:
    return (
        select(Shift)
        .join(Opportunity, Opportunity.id == Shift.opportunity_id)
        .where(
            Shift.checkin_secret.is_not(None),
            Shift.starts_at <= now + EARLY,
            Shift.ends_at >= now - EARLY,
            Opportunity.status == OpportunityStatus.PUBLISHED,
        )
    )


def open_shifts(session: Session, *, now: datetime) -> list[Shift]:
    """Shifts whose check-in is open now."""
    return list(session.scalars(_open_shifts(now)))


def in_open_shift(session: Session, user_id: int, *, now: datetime) -> bool:
    """Whether the person has a place in a shift whose check-in is open now (one query)."""
    shifts = _open_shifts(now).with_only_columns(Shift.id)
    return bool(
        session.scalar(
            select(ShiftSignup.id)
            .where(ShiftSignup.user_id == user_id, ShiftSignup.shift_id.in_(shifts))
            .limit(1)
        )
    )


def check(session: Session, user: User, code: str, *, now: datetime) -> Result:
    """The person sent ``code``: check in, or check out, of the shift it belongs to."""
    old = None
    for shift in open_shifts(session, now=now):
        match = _match(shift.checkin_secret or "", code, now)
        if match is None:
            continue
        if match is False:
            old = shift
            continue
        signup = session.scalars(
            select(ShiftSignup).where(
                ShiftSignup.shift_id == shift.id,
                ShiftSignup.user_id == user.id,
                ShiftSignup.status == Status.CONFIRMED,
            )
        ).first()
        if signup is None:
            return Result(Outcome.NOT_SIGNED_UP, shift=shift)
        return _record(session, signup, shift, now=now)
    if old is not None:
        return Result(Outcome.OLD_CODE, shift=old)
    return Result(Outcome.WRONG_CODE)


def _record(session: Session, signup: ShiftSignup, shift: Shift, *, now: datetime) -> Result:
    if change_if(
        session,
        ShiftSignup,
        ShiftSignup.id == signup.id,
        ShiftSignup.checked_in_at.is_(None),
        checked_in_at=now,
        updated_at=now,
    ):
        session.refresh(signup)
        return Result(Outcome.CHECKED_IN, shift=shift, signup=signup)
    checked_out = change_if(
        session,
        ShiftSignup,
        ShiftSignup.id == signup.id,
        ShiftSignup.checked_out_at.is_(None),
        ShiftSignup.checked_in_at <= now - MIN_STAY,
        checked_out_at=now,
        updated_at=now,
    )
    session.refresh(signup)
    if checked_out:
        return Result(Outcome.CHECKED_OUT, shift=shift, signup=signup)
    if signup.checked_out_at is not None:
        return Result(Outcome.ALREADY_OUT, shift=shift, signup=signup)
    return Result(Outcome.ALREADY_IN, shift=shift, signup=signup)


# --- hours -----------------------------------------------------------------------------------


def raw_minutes(signup: ShiftSignup, shift: Shift) -> int:
    """Minutes from check-in to check-out within the shift; no check-out: until its end."""
    if signup.checked_in_at is None:
        return 0
    start = max(signup.checked_in_at, shift.starts_at)
    end = min(signup.checked_out_at or shift.ends_at, shift.ends_at)
    return max(0, int((end - start).total_seconds() // 60))


def mark_present(session: Session, signup_id: int, *, now: datetime) -> ShiftSignup | None:
    """The coordinator says they were there: the whole shift, unless check-in said otherwise."""
    signup = session.get(ShiftSignup, signup_id)
    if signup is None or signup.status not in (Status.CONFIRMED, Status.NO_SHOW):
        return None
    shift = signup.shift
    if signup.checked_in_at is None:
        signup.checked_in_at = shift.starts_at
        signup.checked_out_at = signup.checked_out_at or shift.ends_at
    signup.status, signup.updated_at = Status.CONFIRMED, now
    session.flush()
    return signup


def confirm_hours(session: Session, shift_id: int, rounding: Rounding, *, now: datetime) -> int:
    """Confirm the shift's hours in one go: each line's rounded hours (a corrected one kept),
    a no-show for everyone who never came; each volunteer is told. Returns the lines."""
    shift = lock_row(session, Shift, shift_id)
    if shift is None or shift.starts_at > now:
        return 0
    lines = session.scalars(
        select(ShiftSignup)
        .where(
            ShiftSignup.shift_id == shift_id,
            ShiftSignup.status.in_((Status.CONFIRMED, Status.NO_SHOW)),
        )
        .execution_options(populate_existing=True)
    ).all()
    for signup in lines:
        if signup.checked_in_at is None and signup.makeup_reason is None:
            signup.status = Status.NO_SHOW
            continue
        if signup.minutes is None:
            signup.minutes = rounding.apply(raw_minutes(signup, shift))
        if signup.confirmed_at is None and signup.user is not None:
            outbox.enqueue_to_user(
                session,
                signup.user,
                params=HoursConfirmed.about(shift.opportunity, shift, minutes=signup.minutes),
                now=now,
                dedup_key=f"vs:hours:{signup.id}",
            )
        signup.confirmed_at = signup.confirmed_at or now
        signup.updated_at = now
    shift.hours_confirmed_at = now
    session.flush()
    return len(lines)


def correct(session: Session, signup_id: int, minutes: int, *, now: datetime) -> ShiftSignup | None:
    """The coordinator corrects one line's hours."""
    signup = session.get(ShiftSignup, signup_id)
    if signup is None or signup.status not in (Status.CONFIRMED, Status.NO_SHOW):
        return None
    signup.minutes, signup.updated_at = minutes, now
    if signup.shift.hours_confirmed_at is not None:
        signup.status, signup.confirmed_at = Status.CONFIRMED, signup.confirmed_at or now
    session.flush()
    return signup


def add_makeup(
    session: Session, signup_id: int, minutes: int, reason: str, *, now: datetime
) -> ShiftSignup | None:
    """Make-up hours for a forgotten check-in: confirmed at once, marked with the reason."""
    signup = session.get(ShiftSignup, signup_id)
    if signup is None or signup.status not in (Status.CONFIRMED, Status.NO_SHOW):
        return None
    signup.minutes, signup.makeup_reason = minutes, reason
    signup.status, signup.confirmed_at, signup.updated_at = Status.CONFIRMED, now, now
    session.flush()
    return signup


def no_shows(session: Session, user: User, *, now: datetime) -> int:
    """The person's no-shows in the last 90 days."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(ShiftSignup)
            .join(Shift, Shift.id == ShiftSignup.shift_id)
            .where(
                ShiftSignup.user_id == user.id,
                ShiftSignup.status == Status.NO_SHOW,
                Shift.starts_at >= now - NO_SHOW_WINDOW,
            )
        )
        or 0
    )
