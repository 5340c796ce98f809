"""A dispute case's clocks: the admins told about a case nobody acknowledged, and the
reporter asked, after a while, whether the problem is solved (the follow-up)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from db.changes import change_if
from db.disputes.models import DisputeCase, DisputeStatus, FollowupStatus
from db.disputes.operations import Result, forget_loaded_cases, won_or_moved_on


def unacknowledged_since(session: Session, before: datetime) -> list[DisputeCase]:
    """Cases still new that were reported before ``before`` and not escalated yet."""
    return list(
        session.scalars(
            select(DisputeCase).where(
                DisputeCase.status == DisputeStatus.NEW,
                DisputeCase.linked_to_id.is_(None),
                DisputeCase.escalated_at.is_(None),
                DisputeCase.created_at <= before,
            )
        )
    )


def mark_escalated(session: Session, case: DisputeCase, now: datetime) -> Result:
    """Note that the admins were told about the case; ``MOVED_ON`` if they were already."""
    won = change_if(
        session,
        DisputeCase,
        DisputeCase.id == case.id,
        DisputeCase.escalated_at.is_(None),
        escalated_at=now,
    )
    return won_or_moved_on(won)


def resolved_before(session: Session, before: datetime) -> list[DisputeCase]:
    """Resolved cases whose reporters have not been asked yet whether it is solved."""
    return list(
        session.scalars(
            select(DisputeCase).where(
                DisputeCase.status == DisputeStatus.RESOLVED,
                DisputeCase.linked_to_id.is_(None),
                DisputeCase.followup.is_(None),
                DisputeCase.resolved_at <= before,
            )
        )
    )


def ask_linked_followups(session: Session, root: DisputeCase) -> None:
    """Each reporter of a linked report answers their own "Is the problem solved?"."""
    session.execute(
        update(DisputeCase)
        .where(DisputeCase.linked_to_id == root.id)
        .values(followup=FollowupStatus.ASKED)
        .execution_options(synchronize_session=False)
    )
    forget_loaded_cases(session)


def set_followup(
    session: Session,
    case: DisputeCase,
    *,
    expected: FollowupStatus | None,
    to: FollowupStatus,
) -> Result:
    """Move the reporter's follow-up from ``expected`` to ``to``; ``MOVED_ON`` if it moved
    first."""
    held = DisputeCase.followup.is_(None) if expected is None else DisputeCase.followup == expected
    won = change_if(session, DisputeCase, DisputeCase.id == case.id, held, followup=to)
    session.expire(case)
    return won_or_moved_on(won)
