"""Blocking a person: an admin's decision, from the command line or the chat. A blocked person
gets one neutral answer to whatever they send and nothing of theirs reaches the teams (the
dispatcher checks ``is_blocked`` before routing). Every block and unblock is in the audit log.

A person is named by their transport reference (``telegram:12345``) or, so that an admin can
stop an abusive anonymous reporter without learning who they are, by the reference of
something they filed: ``#D-0042`` (a dispute report) or ``#R-0042`` (a help request).
Nothing here commits.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy.orm import Session

from db.dispute_models import DisputeCase
from db.models import User, UserBlock
from db.request_models import HelpRequest
from db.retention import audit
from db.users import UnknownUserRef, find_user, parse_ref

_FILED = re.compile(r"^#?([DR])-?0*(\d{1,9})$", re.IGNORECASE)


def find_by_ref(session: Session, ref: str) -> User | None:
    """The person ``ref`` names (``telegram:123``, ``#D-0042``, ``#R-0042``); None if nobody.
    Raises ``UnknownUserRef`` when ``ref`` is none of these forms."""
    filed = _FILED.match(ref.strip())
    if filed is None:
        transport, external_id = parse_ref(ref)
        return find_user(session, transport, external_id)
    letter, number = filed[1].upper(), int(filed[2])
    if letter == "D":
        case = session.get(DisputeCase, number)
        author_id = case.reporter_id if case else None
    else:
        request = session.get(HelpRequest, number)
        author_id = request.resident_id if request else None
    return session.get(User, author_id) if author_id else None


def is_blocked(session: Session, user_id: int) -> bool:
    return session.get(UserBlock, user_id) is not None


def block(
    session: Session, user: User, *, reason: str | None, by: str, now: datetime, ref: str
) -> bool:
    """Block ``user``; False if they were blocked already. ``ref`` is how the admin named them
    (it goes to the audit log, never the person's Telegram id when a case was named)."""
    if is_blocked(session, user.id):
        return False
    session.add(UserBlock(user_id=user.id, reason=reason or None, blocked_by=by, blocked_at=now))
    session.flush()
    audit(
        session,
        now=now,
        actor=by,
        action="blocked",
        subject_id=user.id,
        text=f"user {user.id} ({ref}) blocked at {now.isoformat(timespec='seconds')} by {by}"
        + (f": {reason}" if reason else ""),
    )
    return True


def unblock(session: Session, user: User, *, by: str, now: datetime, ref: str) -> bool:
    """Lift the block; False if they were not blocked."""
    row = session.get(UserBlock, user.id)
    if row is None:
        return False
    session.delete(row)
    session.flush()
    audit(
        session,
        now=now,
        actor=by,
        action="unblocked",
        subject_id=user.id,
        text=f"user {user.id} ({ref}) unblocked at {now.isoformat(timespec='seconds')} by {by}",
    )
    return True


__all__ = ["UnknownUserRef", "block", "find_by_ref", "is_blocked", "unblock"]
