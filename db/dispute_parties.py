"""Talking with the people in a dispute case: the mediators' questions to the reporter, the
one-time invitation of the other side, and meeting proposals with everyone's answers."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from db import awaiting, outbox
from db.dispute_models import (
    DisputeCase,
    DisputeMeeting,
    DisputeMeetingAnswer,
    DisputeParty,
    DisputeQuestion,
    MeetingAnswer,
    MeetingStatus,
)
from db.disputes import SERVICE, Outcome, Result
from db.locks import lock_row
from db.models import User


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# ---------------------------------------------------------------------------- questions


def ask(
    session: Session, case: DisputeCase, *, by: User, text: str, now: datetime
) -> DisputeQuestion:
    question = DisputeQuestion(case_id=case.id, asked_by=by.id, text=text, asked_at=now)
    session.add(question)
    session.flush()
    if case.reporter_id is not None:  # their free text answers it (``db/awaiting.py``)
        awaiting.wait(session, case.reporter_id, SERVICE, question.id, now=now)
    return question


#: A reporter's free text answers an open question asked this recently (on an open case).
QUESTION_OPEN_FOR = timedelta(days=14)


def answer_question(
    session: Session, question: DisputeQuestion, text: str, now: datetime
) -> Result:
    """Record the answer once; ``ALREADY`` if it was answered before."""
    result = session.execute(
        update(DisputeQuestion)
        .where(DisputeQuestion.id == question.id, DisputeQuestion.answer.is_(None))
        .values(answer=text, answered_at=now)
        .execution_options(synchronize_session=False)
    )
    session.expire(question)
    if result.rowcount == 1:
        awaiting.forget(session, SERVICE, question.id)
    return Result(Outcome.DONE if result.rowcount == 1 else Outcome.ALREADY)


# ---------------------------------------------------------------------------- the other side


def invite(
    session: Session, case: DisputeCase, *, by: User, summary: str, now: datetime
) -> tuple[DisputeParty, str]:
    """A one-time invitation for the other side; returns the party row and the token (only its
    hash is stored)."""
    token = secrets.token_urlsafe(12)
    party = DisputeParty(
        case_id=case.id,
        token_hash=hash_token(token),
        summary=summary,
        created_by=by.id,
        created_at=now,
    )
    session.add(party)
    session.flush()
    return party, token


@dataclass(frozen=True, slots=True)
class Opened:
    party: DisputeParty | None
    first_time: bool


def open_invitation(session: Session, token: str, user: User, now: datetime) -> Opened:
    """Take the invitation for ``user`` if nobody has; the same person may open it again."""
    digest = hash_token(token)
    result = session.execute(
        update(DisputeParty)
        .where(DisputeParty.token_hash == digest, DisputeParty.user_id.is_(None))
        .values(user_id=user.id, opened_at=now)
        .execution_options(synchronize_session=False)
    )
    party = session.scalar(select(DisputeParty).where(DisputeParty.token_hash == digest))
    if party is not None:
        session.refresh(party)
    if party is None or party.user_id != user.id:
        return Opened(None, False)
    return Opened(party, result.rowcount == 1)


def parties(session: Session, case: DisputeCase) -> list[DisputeParty]:
    return list(
        session.scalars(
            select(DisputeParty).where(DisputeParty.case_id == case.id).order_by(DisputeParty.id)
        )
    )


# ---------------------------------------------------------------------------- meetings


def current_meeting(session: Session, case: DisputeCase) -> DisputeMeeting | None:
    return session.scalar(
        select(DisputeMeeting)
        .where(
            DisputeMeeting.case_id == case.id,
            DisputeMeeting.status.notin_((MeetingStatus.REPLACED, MeetingStatus.CANCELLED)),
        )
        .order_by(DisputeMeeting.id.desc())
        .limit(1)
    )


def meeting_answers(session: Session, meeting: DisputeMeeting) -> list[DisputeMeetingAnswer]:
    return list(
        session.scalars(
            select(DisputeMeetingAnswer)
            .where(DisputeMeetingAnswer.meeting_id == meeting.id)
            .order_by(DisputeMeetingAnswer.id)
        )
    )


def reminder_key(
    meeting_id: int, user_id: int | None = None, before: timedelta | None = None
) -> str:
    """The outbox dedup key of the meeting's reminder to ``user_id`` sent ``before`` it starts;
    without ``before``, the prefix of all their reminders of it; without ``user_id`` either,
    of everyone's."""
    key = f"dp:m{meeting_id}:"
    if user_id is not None:
        key += f"u{user_id}:"
        if before is not None:
            key += str(int(before.total_seconds()))
    return key


def propose_meeting(
    session: Session,
    case: DisputeCase,
    *,
    by: User,
    starts_at: datetime,
    place: str,
    invited: list[tuple[User, str]],
    now: datetime,
) -> tuple[DisputeMeeting, DisputeMeeting | None]:
    """A new meeting proposal replacing the current one, whose reminders not yet sent are
    dropped; returns (new, replaced). The case is locked first, so proposals made at once
    replace one another in turn."""
    lock_row(session, DisputeCase, case.id, key_share=True)
    old = current_meeting(session, case)
    if old is not None:
        old.status = MeetingStatus.REPLACED
        outbox.cancel_pending(session, dedup_prefix=reminder_key(old.id))
    meeting = DisputeMeeting(
        case_id=case.id,
        starts_at=starts_at,
        place=place,
        status=MeetingStatus.PROPOSED,
        proposed_by=by.id,
        created_at=now,
    )
    session.add(meeting)
    session.flush()
    for user, role in invited:
        session.add(DisputeMeetingAnswer(meeting_id=meeting.id, user_id=user.id, role=role))
    session.flush()
    return meeting, old


def lock_meeting(session: Session, meeting_id: int) -> DisputeMeeting | None:
    """The meeting, locked: answers given at once are counted one after the other, and a
    proposal replacing it either waits for the answer or is seen by it."""
    return lock_row(session, DisputeMeeting, meeting_id, key_share=True)


def invitation(
    session: Session, meeting: DisputeMeeting, user: User
) -> DisputeMeetingAnswer | None:
    """``user``'s place among those invited to ``meeting`` (with their answer so far); None if
    they were not invited to it."""
    return session.scalar(
        select(DisputeMeetingAnswer).where(
            DisputeMeetingAnswer.meeting_id == meeting.id, DisputeMeetingAnswer.user_id == user.id
        )
    )


def answer_meeting(
    session: Session, meeting: DisputeMeeting, user: User, answer: MeetingAnswer, now: datetime
) -> DisputeMeetingAnswer | None:
    """Record ``user``'s answer (yes / other); None if they were not invited to it. The caller
    holds the meeting's lock (``lock_meeting``) and has seen that the answer is a change."""
    row = invitation(session, meeting, user)
    if row is None:
        return None
    row.answer, row.answered_at = answer, now
    answers = meeting_answers(session, meeting)
    agreed = all(a.answer == MeetingAnswer.YES for a in answers)
    meeting.status = MeetingStatus.AGREED if agreed else MeetingStatus.PROPOSED
    session.flush()
    return row


def cancel_meeting(session: Session, meeting: DisputeMeeting) -> None:
    """Call the meeting off; its reminders that have not gone out are dropped."""
    outbox.cancel_pending(session, dedup_prefix=reminder_key(meeting.id))
    meeting.status = MeetingStatus.CANCELLED
    session.flush()
