"""How long closed help requests and dispute cases keep what people wrote (``LINLI_CASE_KEEP``
after closure). Past it, the sweep ``pv.case_keep`` blanks the texts, file ids, places and pins
and cuts the links to the people; the rows stay (category, dates, status, rating) so the
statistics still count them. Each record is done once: an ``expired`` line in its history marks
it. Nothing here commits: the sweeper owns the transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, exists, func, or_, select, update
from sqlalchemy.orm import Session

from db.disputes.models import (
    DisputeCase,
    DisputeEvent,
    DisputeMeeting,
    DisputeMeetingAnswer,
    DisputeParty,
    DisputeQuestion,
    DisputeStatus,
)
from db.requests.models import HelpRequest, RequestMessage, RequestStatus
from db.retention import BLANKED

#: The history line that marks a record as past its keeping time.
EXPIRED = "expired"
#: Audit-log lines whose text is a status or a reference, never someone's words.
_CODE_TEXTS = ("status", "linked", "linked_to")


def expire_requests(session: Session, *, before: datetime, now: datetime, limit: int = 200) -> int:
    """Requests resolved or cancelled before ``before``: the description, the comment, the
    summary and every message and file id are blanked (at most ``limit`` a run). Returns how
    many requests."""
    done = exists().where(
        RequestMessage.request_id == HelpRequest.id,
        RequestMessage.side == "event",
        RequestMessage.text == EXPIRED,
    )
    ids = list(
        session.scalars(
            select(HelpRequest.id)
            .where(
                HelpRequest.status.in_((RequestStatus.RESOLVED, RequestStatus.CANCELLED)),
                func.coalesce(HelpRequest.resolved_at, HelpRequest.created_at) < before,
                ~done,
            )
            .order_by(HelpRequest.id)
            .limit(limit)
        )
    )
    if not ids:
        return 0
    session.execute(
        update(HelpRequest)
        .where(HelpRequest.id.in_(ids))
        .values(description=BLANKED, comment=None, summary=None)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(RequestMessage)
        .where(RequestMessage.request_id.in_(ids), RequestMessage.side != "event")
        .values(text=BLANKED, file_id=None, file_kind=None, file_name=None)
        .execution_options(synchronize_session=False)
    )
    session.add_all(
        RequestMessage(request_id=request_id, side="event", text=EXPIRED, created_at=now)
        for request_id in ids
    )
    session.flush()
    return len(ids)


def expire_cases(session: Session, *, before: datetime, now: datetime, limit: int = 100) -> int:
    """Cases resolved or closed before ``before`` (with the reports linked to them): what the
    reporters, the other side and the mediators wrote, the places, pins and photos are blanked;
    reporters, the other side and meeting answers no longer name anyone (at most ``limit``
    cases a run). Returns how many cases."""
    done = exists().where(DisputeEvent.case_id == DisputeCase.id, DisputeEvent.kind == EXPIRED)
    roots = list(
        session.scalars(
            select(DisputeCase.id)
            .where(
                DisputeCase.linked_to_id.is_(None),
                DisputeCase.status.in_((DisputeStatus.RESOLVED, DisputeStatus.CLOSED)),
                func.coalesce(DisputeCase.resolved_at, DisputeCase.updated_at) < before,
                ~done,
            )
            .order_by(DisputeCase.id)
            .limit(limit)
        )
    )
    if not roots:
        return 0
    family = list(
        session.scalars(
            select(DisputeCase.id).where(
                or_(DisputeCase.id.in_(roots), DisputeCase.linked_to_id.in_(roots))
            )
        )
    )
    session.execute(
        update(DisputeCase)
        .where(DisputeCase.id.in_(family))
        .values(
            description=BLANKED,
            photos=[],
            happens=None,
            place_text=None,
            place_key=None,
            latitude=None,
            longitude=None,
            reporter_id=None,
            contact_ok=False,
        )
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(DisputeCase)
        .where(DisputeCase.id.in_(family), DisputeCase.outcome.is_not(None))
        .values(outcome=BLANKED)
        .execution_options(synchronize_session=False)
    )
    events = [DisputeEvent.case_id.in_(family)]
    session.execute(
        update(DisputeEvent)
        .where(*events, DisputeEvent.text.is_not(None), DisputeEvent.kind.not_in(_CODE_TEXTS))
        .values(text=BLANKED)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(DisputeEvent)
        .where(*events, DisputeEvent.actor_role.in_(("reporter", "party")))
        .values(actor_id=None)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(DisputeQuestion)
        .where(DisputeQuestion.case_id.in_(family))
        .values(text=BLANKED)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(DisputeQuestion)
        .where(DisputeQuestion.case_id.in_(family), DisputeQuestion.answer.is_not(None))
        .values(answer=BLANKED)
        .execution_options(synchronize_session=False)
    )
    for party in session.scalars(select(DisputeParty).where(DisputeParty.case_id.in_(family))):
        party.summary = BLANKED
        party.user_id = None
        party.token_hash = f"expired-{party.id}"
    meetings = select(DisputeMeeting.id).where(DisputeMeeting.case_id.in_(family))
    session.execute(
        delete(DisputeMeetingAnswer)
        .where(DisputeMeetingAnswer.meeting_id.in_(meetings))
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(DisputeMeeting)
        .where(DisputeMeeting.case_id.in_(family))
        .values(place=BLANKED)
        .execution_options(synchronize_session=False)
    )
    session.add_all(
        DisputeEvent(case_id=root, at=now, actor_role="system", kind=EXPIRED, audience="internal")
        for root in roots
    )
    session.flush()
    return len(roots)
