"""Blocking a person: an admin's decision, from the command line or the chat. A blocked person
gets one neutral answer to whatever they send and nothing of theirs reaches the teams (the
dispatcher checks ``is_blocked`` before routing). Every block and unblock is in the audit log.

A block is kept against the reference the admin named (table ``blocks``): a person's own
reference (``telegram:12345``), or, so that an admin can stop an abusive anonymous reporter
without learning who they are, the reference of something they filed — ``#D-0042`` (a dispute
report) or ``#R-0042`` (a help request). Who is behind a report is looked up only when that
person writes (``is_blocked``), never when the admin blocks: so whether ``/block`` says
"blocked" or "was already blocked" depends on the reference alone, and blocking
``telegram:<a guess>`` after ``#D-0042`` answers the same whoever filed the report.
Nothing here commits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, exists, or_, select
from sqlalchemy.orm import Session

from db.base import reference
from db.disputes.models import DisputeCase
from db.models import Block, User
from db.requests.models import HelpRequest
from db.retention import audit
from db.users import UnknownUserRef, find_user, parse_ref

_FILED = re.compile(r"^#?([DR])-?0*(\d{1,9})$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Target:
    """What an admin named, written one way (``telegram:12345``, ``#D-0042``, ``#R-0042``)."""

    subject: str
    case_id: int | None = None
    request_id: int | None = None

    @property
    def filed(self) -> bool:
        """True when it names a report or a request rather than a person."""
        return self.case_id is not None or self.request_id is not None


def parse_target(session: Session, ref: str) -> Target | None:
    """The reference ``ref`` written one way; None when it names a report or request that does
    not exist. Raises ``UnknownUserRef`` when ``ref`` is none of the forms. A person's
    reference is taken as it is, whether or not they have written yet (a block may come
    first)."""
    filed = _FILED.match(ref.strip())
    if filed is None:
        transport, external_id = parse_ref(ref)
        return Target(f"{transport}:{external_id}")
    letter, number = filed[1].upper(), int(filed[2])
    if letter == "D":
        if session.get(DisputeCase, number) is None:
            return None
        return Target(reference("D", number), case_id=number)
    if session.get(HelpRequest, number) is None:
        return None
    return Target(reference("R", number), request_id=number)


def person_behind(session: Session, target: Target) -> User | None:
    """Who ``target`` names today (for what a block ends, never for what an admin is told)."""
    if target.case_id is not None:
        case = session.get(DisputeCase, target.case_id)
        author_id = case.reporter_id if case else None
    elif target.request_id is not None:
        request = session.get(HelpRequest, target.request_id)
        author_id = request.resident_id if request else None
    else:
        transport, external_id = parse_ref(target.subject)
        return find_user(session, transport, external_id)
    return session.get(User, author_id) if author_id else None


def find_by_ref(session: Session, ref: str) -> User | None:
    """The person ``ref`` names (``telegram:123``, ``#D-0042``, ``#R-0042``); None if nobody.
    Raises ``UnknownUserRef`` when ``ref`` is none of these forms."""
    target = parse_target(session, ref)
    return person_behind(session, target) if target is not None else None


def blocked_column() -> ColumnElement[bool]:
    """``is_blocked`` as a column of a query over ``User`` (``db.users.load_sender`` reads it
    with the person, in the same statement)."""
    return exists(
        select(Block.id).where(
            or_(
                Block.subject == User.transport + ":" + User.external_id,
                Block.case_id.in_(select(DisputeCase.id).where(DisputeCase.reporter_id == User.id)),
                Block.request_id.in_(
                    select(HelpRequest.id).where(HelpRequest.resident_id == User.id)
                ),
            )
        )
    )


def is_blocked(session: Session, user_id: int) -> bool:
    """True when a block names this person, or a report or request they filed (one query;
    the person is usually in the session already)."""
    user = session.get(User, user_id)
    if user is None:
        return False
    query = (
        select(Block.id)
        .where(
            or_(
                Block.subject == user.ref,
                Block.case_id.in_(select(DisputeCase.id).where(DisputeCase.reporter_id == user.id)),
                Block.request_id.in_(
                    select(HelpRequest.id).where(HelpRequest.resident_id == user.id)
                ),
            )
        )
        .limit(1)
    )
    return session.scalar(query) is not None


def _row(session: Session, target: Target) -> Block | None:
    return session.scalar(select(Block).where(Block.subject == target.subject))


def block(session: Session, target: Target, *, reason: str | None, by: str, now: datetime) -> bool:
    """Block whoever ``target`` names; False if that very reference was blocked already (a
    block of the same person under another reference does not count: nobody learns it)."""
    if _row(session, target) is not None:
        return False
    session.add(
        Block(
            subject=target.subject,
            case_id=target.case_id,
            request_id=target.request_id,
            reason=reason or None,
            blocked_by=by,
            blocked_at=now,
        )
    )
    session.flush()
    audit(
        session,
        now=now,
        actor=by,
        action="blocked",
        text=f"{target.subject} blocked at {now.isoformat(timespec='seconds')} by {by}"
        + (f": {reason}" if reason else ""),
    )
    return True


def unblock(session: Session, target: Target, *, by: str, now: datetime) -> bool:
    """Lift the block of this reference; False if it was not blocked."""
    row = _row(session, target)
    if row is None:
        return False
    session.delete(row)
    session.flush()
    audit(
        session,
        now=now,
        actor=by,
        action="unblocked",
        text=f"{target.subject} unblocked at {now.isoformat(timespec='seconds')} by {by}",
    )
    return True


__all__ = [
    "Target",
    "UnknownUserRef",
    "block",
    "find_by_ref",
    "is_blocked",
    "parse_target",
    "person_behind",
    "unblock",
]
