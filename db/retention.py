"""What is kept how long, and what an erasure leaves: the outbox rows that carry a person's
words, the retention sweep over delivered messages, and the audit log (``audit_log``).

Nothing here commits: the dispatcher (or the sweeper) owns the transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, or_, select, update
from sqlalchemy.orm import Session

from db.models import AuditEntry, OutboxMessage, OutboxStatus

#: What replaces a person's words or the parameters of an old delivered message.
BLANKED = "[已删除 / deleted]"
#: Parameters of a delivered message once ``LINLI_OUTBOX_KEEP`` has passed: the row (who, when,
#: which template, status) stays for the delivery statistics; what it said is gone.
EXPIRED_PARAMS = {"expired": True}
#: How the column holds it (compared as text: PostgreSQL's ``json`` has no equality).
_EXPIRED_TEXT = '{"expired": true}'


def audit(
    session: Session,
    *,
    now: datetime,
    actor: str,
    action: str,
    text: str,
    subject_id: int | None = None,
) -> AuditEntry:
    """One line in the audit log."""
    entry = AuditEntry(at=now, actor=actor, action=action, subject_id=subject_id, text=text)
    session.add(entry)
    session.flush()
    return entry


def scrub_pending(session: Session, *, refs: list[str], party_refs: list[str]) -> int:
    """Pending messages to *other people* that carry an erased person's words: a message they
    wrote relayed to a volunteer is deleted; a note to a team quoting them (an answer, their
    side of a case) keeps its place but its text is blanked. ``refs`` are their own requests
    and reports; ``party_refs`` the cases where they were the other side. Returns how many."""
    own, party = set(refs), set(party_refs)
    if not own and not party:
        return 0
    touched = 0
    rows = session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.status.in_((OutboxStatus.PENDING, OutboxStatus.SENDING)),
            or_(OutboxMessage.template.startswith("rq."), OutboxMessage.template.startswith("dp.")),
        )
    )
    for row in rows:
        params: dict[str, Any] = dict(row.params or {})
        ref = params.get("ref")
        theirs = ref in own or (ref in party and params.get("what") == "side")
        if not theirs:
            continue
        if row.template == "rq.relay" and params.get("side") == "resident":
            session.delete(row)
            touched += 1
        elif "text" in params:
            params["text"] = BLANKED
            row.params = params
            touched += 1
    session.flush()
    return touched


def expire_delivered(session: Session, *, before: datetime, limit: int = 500) -> int:
    """Blank the parameters of messages sent or failed before ``before`` (at most ``limit``
    rows a run, so one sweep stays short). Returns how many."""
    ids = list(
        session.scalars(
            select(OutboxMessage.id)
            .where(
                OutboxMessage.status.in_((OutboxStatus.SENT, OutboxStatus.FAILED)),
                OutboxMessage.created_at < before,
                cast(OutboxMessage.params, String) != _EXPIRED_TEXT,
            )
            .order_by(OutboxMessage.id)
            .limit(limit)
        )
    )
    if not ids:
        return 0
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids))
        .values(params=EXPIRED_PARAMS)
        .execution_options(synchronize_session=False)
    )
    return len(ids)
