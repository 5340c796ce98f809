"""A resident's own requests: the list of them, and what only the resident may do with one —
withdraw it before anyone claims it, reopen it within a week of its resolution, rate the help
and comment on it. Each change is a conditional UPDATE, as in ``db.requests``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db import awaiting
from db.changes import change_if
from db.models import User
from db.requests.models import HelpRequest, RequestMessage, RequestStatus
from db.requests.operations import SERVICE, Outcome, Result, log_change, reload

#: How long after it was resolved a resident may reopen a request.
REOPEN_WITHIN = timedelta(days=7)


def own_request(session: Session, request_id: int, resident: User) -> HelpRequest | None:
    """The resident's own request with this id — never anyone else's."""
    request = session.get(HelpRequest, request_id)
    if request is None or request.resident_id != resident.id:
        return None
    return request


def residents_requests(session: Session, resident: User, *, limit: int = 20) -> list[HelpRequest]:
    """The resident's latest requests, newest first."""
    return list(
        session.scalars(
            select(HelpRequest)
            .where(HelpRequest.resident_id == resident.id)
            .order_by(HelpRequest.id.desc())
            .limit(limit)
        )
    )


def cancel(session: Session, request_id: int, resident: User, *, now: datetime) -> Result:
    """The resident withdraws a request nobody has taken yet."""
    if own_request(session, request_id, resident) is None:
        return Result(Outcome.NOT_FOUND)
    won = change_if(
        session,
        HelpRequest,
        HelpRequest.id == request_id,
        HelpRequest.status == RequestStatus.OPEN,
        HelpRequest.resident_id == resident.id,
        status=RequestStatus.CANCELLED,
        resolved_at=now,
    )
    if won:
        awaiting.forget(session, SERVICE, request_id)
        log_change(session, request_id, "cancelled", resident, now)
    return Result(Outcome.DONE if won else Outcome.NOT_OPEN, reload(session, request_id))


def reopen(session: Session, request_id: int, resident: User, *, now: datetime) -> Result:
    """Within a week of being resolved, a request goes back to the queue."""
    if own_request(session, request_id, resident) is None:
        return Result(Outcome.NOT_FOUND)
    won = change_if(
        session,
        HelpRequest,
        HelpRequest.id == request_id,
        HelpRequest.status == RequestStatus.RESOLVED,
        HelpRequest.resident_id == resident.id,
        HelpRequest.resolved_at >= now - REOPEN_WITHIN,
        status=RequestStatus.OPEN,
        volunteer_id=None,
        claimed_at=None,
        resolved_at=None,
        queued_at=now,
        unclaimed_level=0,
        silent_level=0,
        rating=None,
        comment=None,
    )
    if won:
        awaiting.wait(session, resident.id, SERVICE, request_id, now=now)
        log_change(session, request_id, "reopened", resident, now)
    return Result(Outcome.DONE if won else Outcome.NOT_OPEN, reload(session, request_id))


def rate(
    session: Session,
    request_id: int,
    resident: User,
    stars: int,
    *,
    now: datetime | None = None,
    change_within: timedelta | None = None,
) -> Result:
    """Rate a resolved request, 1 to 5. Given ``now``, the rating is kept in the request's
    history ("rated"); then, within ``change_within`` of that, a press of another star changes
    it (``Outcome.TAKEN`` says it was a change, not a first rating). The same stars again
    change nothing (``Outcome.NOT_OPEN``), however many presses arrive at once: each is a
    conditional UPDATE, and only one can move the rating to a value it did not have."""
    if own_request(session, request_id, resident) is None or not 1 <= stars <= 5:
        return Result(Outcome.NOT_FOUND)
    won = change_if(
        session,
        HelpRequest,
        HelpRequest.id == request_id,
        HelpRequest.status == RequestStatus.RESOLVED,
        HelpRequest.rating.is_(None),
        rating=stars,
    )
    if won and now is not None:
        log_change(session, request_id, "rated", resident, now)
    if won or now is None or change_within is None:
        return Result(Outcome.DONE if won else Outcome.NOT_OPEN, reload(session, request_id))
    since = rated_at(session, request_id)
    changed = (
        since is not None
        and since >= now - change_within
        and change_if(
            session,
            HelpRequest,
            HelpRequest.id == request_id,
            HelpRequest.status == RequestStatus.RESOLVED,
            HelpRequest.rating.is_not(None),
            HelpRequest.rating != stars,
            rating=stars,
        )
    )
    return Result(Outcome.TAKEN if changed else Outcome.NOT_OPEN, reload(session, request_id))


def rated_at(session: Session, request_id: int) -> datetime | None:
    """When the resident last rated the request (its history's latest "rated"), UTC-aware."""
    moment = session.scalar(
        select(func.max(RequestMessage.created_at)).where(
            RequestMessage.request_id == request_id,
            RequestMessage.side == "event",
            RequestMessage.text == "rated",
        )
    )
    return _aware(moment) if moment is not None else None


def _aware(moment: datetime) -> datetime:
    """A stored time as UTC-aware (SQLite may hand it back naive)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def set_comment(session: Session, request: HelpRequest, comment: str) -> None:
    """Keep the resident's comment on their rated request."""
    request.comment = comment
    session.flush()
