"""Volunteering: check-in at the venue, the hours given, and what they add up to.

Check-in is a TOTP code (``pyotp``, a new code every minute) from the shift's secret, which the
coordinator's chat shows: a code sent within its minute is the proof of presence. Checking in
and out are conditional ``UPDATE``s (``checked_in_at IS NULL``…), so the same code sent twice,
or by two workers at once, is recorded once. Hours run from check-in to check-out within the
shift (a forgotten check-out stops at its end), rounded by the community's rule, and count only
once the coordinator has confirmed them.
"""

from __future__ import annotations

import enum
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from db import outbox
from db.locks import lock_row
from db.models import User
from db.shift_models import (
    Certificate,
    CertificateName,
    Opportunity,
    OpportunityStatus,
    Shift,
    ShiftSignup,
)
from db.shift_models import ShiftSignupStatus as Status
from db.shifts import opportunity_params

T_HOURS = "vs.hours"
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


class CheckOutcome(enum.StrEnum):
    CHECKED_IN = "checked_in"
    CHECKED_OUT = "checked_out"
    ALREADY_IN = "already_in"  # the code again right after checking in
    DONE = "done"  # already checked out
    OLD_CODE = "old_code"
    WRONG_CODE = "wrong_code"
    NOT_SIGNED_UP = "not_signed_up"  # a good code for a shift they are not in


@dataclass(frozen=True, slots=True)
class Check:
    outcome: CheckOutcome
    shift: Shift | None = None
    signup: ShiftSignup | None = None


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


def open_shifts(session: Session, *, now: datetime) -> list[Shift]:
    """Shifts whose check-in is open now."""
    return list(
        session.scalars(
            select(Shift)
            .join(Opportunity, Opportunity.id == Shift.opportunity_id)
            .where(
                Shift.checkin_secret.is_not(None),
                Shift.starts_at <= now + EARLY,
                Shift.ends_at >= now - EARLY,
                Opportunity.status == OpportunityStatus.PUBLISHED,
            )
        )
    )


def check(session: Session, user: User, code: str, *, now: datetime) -> Check:
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
            return Check(CheckOutcome.NOT_SIGNED_UP, shift=shift)
        return _record(session, signup, shift, now=now)
    if old is not None:
        return Check(CheckOutcome.OLD_CODE, shift=old)
    return Check(CheckOutcome.WRONG_CODE)


def _record(session: Session, signup: ShiftSignup, shift: Shift, *, now: datetime) -> Check:
    checked_in = session.execute(
        update(ShiftSignup)
        .where(ShiftSignup.id == signup.id, ShiftSignup.checked_in_at.is_(None))
        .values(checked_in_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if checked_in == 1:
        session.refresh(signup)
        return Check(CheckOutcome.CHECKED_IN, shift=shift, signup=signup)
    checked_out = session.execute(
        update(ShiftSignup)
        .where(
            ShiftSignup.id == signup.id,
            ShiftSignup.checked_out_at.is_(None),
            ShiftSignup.checked_in_at <= now - MIN_STAY,
        )
        .values(checked_out_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(signup)
    if checked_out == 1:
        return Check(CheckOutcome.CHECKED_OUT, shift=shift, signup=signup)
    if signup.checked_out_at is not None:
        return Check(CheckOutcome.DONE, shift=shift, signup=signup)
    return Check(CheckOutcome.ALREADY_IN, shift=shift, signup=signup)


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
                template=T_HOURS,
                now=now,
                params={**opportunity_params(shift.opportunity, shift), "minutes": signup.minutes},
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


def confirmed_lines(session: Session, user_id: int) -> list[tuple[ShiftSignup, Shift, Opportunity]]:
    """The person's confirmed hours, shift by shift, oldest first."""
    rows = session.execute(
        select(ShiftSignup, Shift, Opportunity)
        .join(Shift, Shift.id == ShiftSignup.shift_id)
        .join(Opportunity, Opportunity.id == Shift.opportunity_id)
        .where(
            ShiftSignup.user_id == user_id,
            ShiftSignup.confirmed_at.is_not(None),
            ShiftSignup.minutes > 0,
        )
        .order_by(Shift.starts_at)
    ).all()
    return [tuple(row) for row in rows]  # type: ignore[misc]


def given_between(session: Session, start: datetime, end: datetime) -> tuple[int, int]:
    """Confirmed minutes of shifts that started in [start, end), and how many people gave them
    (erased people count as one each line: their hours stay, anonymous)."""
    row = session.execute(
        select(
            func.coalesce(func.sum(ShiftSignup.minutes), 0),
            func.count(func.distinct(ShiftSignup.user_id)),
            func.count().filter(ShiftSignup.user_id.is_(None)),
        )
        .join(Shift, Shift.id == ShiftSignup.shift_id)
        .where(
            ShiftSignup.confirmed_at.is_not(None),
            ShiftSignup.minutes > 0,
            Shift.starts_at >= start,
            Shift.starts_at < end,
        )
    ).one()
    return int(row[0]), int(row[1]) + int(row[2])


# --- certificates ----------------------------------------------------------------------------


def certificate_name(session: Session, user: User) -> str | None:
    row = session.get(CertificateName, user.id)
    return row.name if row else None


def set_certificate_name(session: Session, user: User, name: str, *, now: datetime) -> None:
    row = session.get(CertificateName, user.id)
    if row is None:
        session.add(CertificateName(user_id=user.id, name=name, created_at=now))
    else:
        row.name = name
    session.flush()


def issue(session: Session, user: User, name: str, *, now: datetime) -> Certificate | None:
    """A certificate of the person's confirmed hours (None: there are none yet)."""
    lines = confirmed_lines(session, user.id)
    if not lines:
        return None
    certificate = Certificate(
        code=secrets.token_hex(5).upper(),
        user_id=user.id,
        name=name,
        minutes=sum(signup.minutes or 0 for signup, _, _ in lines),
        shifts=len(lines),
        issued_at=now,
    )
    session.add(certificate)
    session.flush()
    return certificate


def verify(session: Session, code: str) -> Certificate | None:
    return session.scalars(
        select(Certificate).where(Certificate.code == code.strip().upper())
    ).first()


def month_lines(
    session: Session, start: datetime, end: datetime, *, coordinator_id: int | None = None
) -> list[tuple[ShiftSignup, Shift, Opportunity, str | None]]:
    """Confirmed hours of shifts that started in [start, end) (of one coordinator's
    opportunities, or all), with the name each person gave for certificates (None: they gave
    none), for the export."""
    query = (
        select(ShiftSignup, Shift, Opportunity, CertificateName.name)
        .join(Shift, Shift.id == ShiftSignup.shift_id)
        .join(Opportunity, Opportunity.id == Shift.opportunity_id)
        .outerjoin(CertificateName, CertificateName.user_id == ShiftSignup.user_id)
        .where(
            ShiftSignup.confirmed_at.is_not(None),
            ShiftSignup.minutes > 0,
            ShiftSignup.user_id.is_not(None),
            Shift.starts_at >= start,
            Shift.starts_at < end,
        )
        .order_by(Shift.starts_at, ShiftSignup.id)
    )
    if coordinator_id is not None:
        query = query.where(Opportunity.coordinator_id == coordinator_id)
    return [tuple(row) for row in session.execute(query).all()]  # type: ignore[misc]


# --- the person's own data -------------------------------------------------------------------


def export_person(session: Session, user: User) -> dict[str, object]:
    """What ``/mydata`` shows of volunteering: every shift (with check-in, hours and whether
    confirmed), the name given for certificates, the certificates issued."""
    rows = session.execute(
        select(ShiftSignup, Shift, Opportunity)
        .join(Shift, Shift.id == ShiftSignup.shift_id)
        .join(Opportunity, Opportunity.id == Shift.opportunity_id)
        .where(ShiftSignup.user_id == user.id)
        .order_by(Shift.starts_at)
    ).all()

    def when(moment: datetime | None) -> str | None:
        return moment.isoformat() if moment else None

    return {
        "shifts": [
            {
                "opportunity": opportunity.title_zh or opportunity.title_en,
                "opportunity_en": opportunity.title_en,
                "role": signup.role.name_zh or signup.role.name_en,
                "starts_at": when(shift.starts_at),
                "ends_at": when(shift.ends_at),
                "status": signup.status,
                "checked_in_at": when(signup.checked_in_at),
                "checked_out_at": when(signup.checked_out_at),
                "hours": (signup.minutes or 0) / 60 if signup.minutes is not None else None,
                "confirmed": signup.confirmed_at is not None,
                "make_up_reason": signup.makeup_reason,
            }
            for signup, shift, opportunity in rows
        ],
        "name_for_certificates": certificate_name(session, user),
        "certificates": [
            {"number": c.number, "issued_at": when(c.issued_at), "hours": c.minutes / 60}
            for c in session.scalars(select(Certificate).where(Certificate.user_id == user.id))
        ],
    }


def forget_person(session: Session, user: User, *, erased: str) -> int:
    """``/deleteme``: the shifts given stay in the totals without the person (their lines lose
    the link to them), the name for certificates goes, certificates keep only their number,
    date and hours (their name becomes ``erased``). Caller first cancels signups ahead.
    Returns the lines kept anonymous."""
    kept = session.execute(
        update(ShiftSignup)
        .where(ShiftSignup.user_id == user.id)
        .values(user_id=None, makeup_reason=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.execute(
        update(Certificate)
        .where(Certificate.user_id == user.id)
        .values(user_id=None, name=erased)
        .execution_options(synchronize_session=False)
    )
    row = session.get(CertificateName, user.id)
    if row is not None:
        session.delete(row)
    session.flush()
    return int(kept or 0)
