"""Help requests: the operations that must hold when two people act at once.

Every change of state is a conditional ``UPDATE … WHERE status = …`` whose row count says
whether this caller won: two volunteers pressing *Claim* together, a resident cancelling while a
volunteer claims — exactly one succeeds and the others are told what happened instead. No
commits here: the dispatcher (or the sweeper) owns the transaction.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select, update
from sqlalchemy.orm import Session

from db import awaiting
from db.models import HelpRequest, RequestMessage, RequestStatus, User, VolunteerProfile

#: The service name of a request's conversation in ``db/awaiting.py`` (and its payloads).
SERVICE = "rq"
#: How long after it was resolved a resident may reopen a request.
REOPEN_WITHIN = timedelta(days=7)

_REF = re.compile(r"^#?\s*(?:r\s*-?\s*)?0*(\d{1,9})$", re.IGNORECASE)


def parse_reference(text: str) -> int | None:
    """The id in ``#R-0042``, ``R-42``, ``r42`` or ``42``; None if it is none of those."""
    match = _REF.match(text.strip())
    return int(match.group(1)) if match else None


class Outcome(enum.StrEnum):
    DONE = "done"
    MISSING = "missing"  # no such request, or not this person's
    TAKEN = "taken"  # someone else claimed it first
    NOT_OPEN = "not_open"  # cancelled, resolved or otherwise no longer in that state


@dataclass(frozen=True, slots=True)
class Result:
    outcome: Outcome
    request: HelpRequest | None = None

    @property
    def done(self) -> bool:
        return self.outcome is Outcome.DONE


def create_request(
    session: Session, resident: User, *, now: datetime, data: dict[str, Any], language: str
) -> HelpRequest:
    """File a request from the form's answers; its description (and attachment) is the first
    entry of its history."""
    request = HelpRequest(
        resident_id=resident.id,
        category=data["category"],
        description=data["description"],
        language=language,
        needed=data["needed"],
        needed_at=datetime.fromisoformat(data["needed_at"]) if data.get("needed_at") else None,
        urgent=bool(data.get("urgent")),
        share_name=bool(data.get("share_name")),
        health_consent=bool(data.get("health_consent")),
        status=RequestStatus.OPEN,
        created_at=now,
        queued_at=now,
        unclaimed_level=0,
        silent_level=0,
    )
    session.add(request)
    session.flush()
    attachment = data.get("attachment") or {}
    add_message(
        session,
        request,
        author=resident,
        side="resident",
        text=data["description"],
        now=now,
        file_id=attachment.get("file_id"),
        file_kind=attachment.get("kind"),
        file_name=attachment.get("name"),
    )
    awaiting.wait(session, resident.id, SERVICE, request.id, now=now)
    return request


def add_message(
    session: Session,
    request: HelpRequest,
    *,
    author: User | None,
    side: str,
    text: str,
    now: datetime,
    file_id: str | None = None,
    file_kind: str | None = None,
    file_name: str | None = None,
) -> RequestMessage:
    """Keep one thing said in the request (both sides, notes, attachments)."""
    message = RequestMessage(
        request_id=request.id,
        author_id=author.id if author else None,
        side=side,
        text=text,
        file_id=file_id,
        file_kind=file_kind,
        file_name=(file_name or None) and file_name[:256],
        created_at=now,
    )
    session.add(message)
    if side == "volunteer":
        session.execute(
            update(HelpRequest)
            .where(HelpRequest.id == request.id)
            .values(last_volunteer_at=now, silent_level=0)
        )
    session.flush()
    return message


def history(session: Session, request_id: int) -> list[RequestMessage]:
    """Everything said and done in a request, oldest first."""
    return list(
        session.scalars(
            select(RequestMessage)
            .where(RequestMessage.request_id == request_id)
            .order_by(RequestMessage.created_at, RequestMessage.id)
        )
    )


def _changed(session: Session, request_id: int, *where: Any, **values: Any) -> bool:
    """Apply ``values`` if the request still matches ``where``; True if this caller won."""
    result = session.execute(
        update(HelpRequest)
        .where(HelpRequest.id == request_id, *where)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _event(session: Session, request_id: int, what: str, by: User, now: datetime) -> None:
    """Keep who changed the request, and how, in its history (the audit trail a volunteer who
    takes over reads): ``claimed``, ``released``, ``resolved``, ``reopened``, ``cancelled``."""
    session.add(
        RequestMessage(
            request_id=request_id, author_id=by.id, side="event", text=what, created_at=now
        )
    )
    session.flush()


def _load(session: Session, request_id: int) -> HelpRequest | None:
    """The request as the database has it now (not a copy loaded earlier)."""
    return session.get(HelpRequest, request_id, populate_existing=True)


def claim(session: Session, request_id: int, volunteer: User, *, now: datetime) -> Result:
    """Take an open request: the first volunteer wins; the others get ``TAKEN``."""
    won = _changed(
        session,
        request_id,
        HelpRequest.status == RequestStatus.OPEN,
        status=RequestStatus.IN_PROGRESS,
        volunteer_id=volunteer.id,
        claimed_at=now,
        first_claimed_at=func.coalesce(HelpRequest.first_claimed_at, now),
        last_volunteer_at=now,
        silent_level=0,
    )
    request = _load(session, request_id)
    if won:
        select_current(session, volunteer, request_id, now=now)
        awaiting.wait(session, volunteer.id, SERVICE, request_id, now=now)
        _event(session, request_id, "claimed", volunteer, now)
        return Result(Outcome.DONE, request)
    if request is None:
        return Result(Outcome.MISSING)
    if request.status == RequestStatus.IN_PROGRESS:
        return Result(Outcome.TAKEN, request)
    return Result(Outcome.NOT_OPEN, request)


def release(session: Session, request_id: int, volunteer: User, *, now: datetime) -> Result:
    """Give a request back to the queue (its clock starts again)."""
    won = _changed(
        session,
        request_id,
        HelpRequest.status == RequestStatus.IN_PROGRESS,
        HelpRequest.volunteer_id == volunteer.id,
        status=RequestStatus.OPEN,
        volunteer_id=None,
        claimed_at=None,
        queued_at=now,
        unclaimed_level=0,
        silent_level=0,
    )
    if won:
        _forget_current(session, volunteer, request_id)
        awaiting.forget(session, SERVICE, request_id, user=volunteer)
        _event(session, request_id, "released", volunteer, now)
    return Result(Outcome.DONE if won else Outcome.NOT_OPEN, _load(session, request_id))


def resolve(
    session: Session, request_id: int, volunteer: User, *, summary: str, now: datetime
) -> Result:
    """Close a request the volunteer holds, with their summary."""
    won = _changed(
        session,
        request_id,
        HelpRequest.status == RequestStatus.IN_PROGRESS,
        HelpRequest.volunteer_id == volunteer.id,
        status=RequestStatus.RESOLVED,
        resolved_at=now,
        summary=summary,
    )
    if won:
        _forget_current(session, volunteer, request_id)
        awaiting.forget(session, SERVICE, request_id)
        _event(session, request_id, "resolved", volunteer, now)
    return Result(Outcome.DONE if won else Outcome.NOT_OPEN, _load(session, request_id))


def own_request(session: Session, request_id: int, resident: User) -> HelpRequest | None:
    """The resident's own request with this id — never anyone else's."""
    request = session.get(HelpRequest, request_id)
    if request is None or request.resident_id != resident.id:
        return None
    return request


def cancel(session: Session, request_id: int, resident: User, *, now: datetime) -> Result:
    """The resident withdraws a request nobody has taken yet."""
    if own_request(session, request_id, resident) is None:
        return Result(Outcome.MISSING)
    won = _changed(
        session,
        request_id,
        HelpRequest.status == RequestStatus.OPEN,
        HelpRequest.resident_id == resident.id,
        status=RequestStatus.CANCELLED,
        resolved_at=now,
    )
    if won:
        awaiting.forget(session, SERVICE, request_id)
        _event(session, request_id, "cancelled", resident, now)
    return Result(Outcome.DONE if won else Outcome.NOT_OPEN, _load(session, request_id))


def reopen(session: Session, request_id: int, resident: User, *, now: datetime) -> Result:
    """Within a week of being resolved, a request goes back to the queue."""
    if own_request(session, request_id, resident) is None:
        return Result(Outcome.MISSING)
    won = _changed(
        session,
        request_id,
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
        _event(session, request_id, "reopened", resident, now)
    return Result(Outcome.DONE if won else Outcome.NOT_OPEN, _load(session, request_id))


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
    history ("rated"); then, within ``change_within`` of that, another press changes it
    (``Outcome.TAKEN`` says it was a change, not a first rating)."""
    if own_request(session, request_id, resident) is None or not 1 <= stars <= 5:
        return Result(Outcome.MISSING)
    won = _changed(
        session,
        request_id,
        HelpRequest.status == RequestStatus.RESOLVED,
        HelpRequest.rating.is_(None),
        rating=stars,
    )
    if won and now is not None:
        _event(session, request_id, "rated", resident, now)
    if won or now is None or change_within is None:
        return Result(Outcome.DONE if won else Outcome.NOT_OPEN, _load(session, request_id))
    rated_at = session.scalar(
        select(func.max(RequestMessage.created_at)).where(
            RequestMessage.request_id == request_id,
            RequestMessage.side == "event",
            RequestMessage.text == "rated",
        )
    )
    changed = (
        rated_at is not None
        and _aware(rated_at) >= now - change_within
        and _changed(
            session,
            request_id,
            HelpRequest.status == RequestStatus.RESOLVED,
            HelpRequest.rating.is_not(None),
            rating=stars,
        )
    )
    return Result(Outcome.TAKEN if changed else Outcome.NOT_OPEN, _load(session, request_id))


def _aware(moment: datetime) -> datetime:
    """A stored time as UTC-aware (SQLite may hand it back naive)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def profile(session: Session, volunteer: User, *, now: datetime) -> VolunteerProfile:
    """The volunteer's profile, made empty on first use (a racing insert fails the primary key
    and the dispatcher runs the message again)."""
    row = session.get(VolunteerProfile, volunteer.id)
    if row is None:
        row = VolunteerProfile(
            user_id=volunteer.id, languages=[], categories=[], alerts=False, updated_at=now
        )
        session.add(row)
        session.flush()
    return row


def select_current(session: Session, volunteer: User, request_id: int, *, now: datetime) -> None:
    """Make ``request_id`` the request the volunteer's private messages go to."""
    row = profile(session, volunteer, now=now)
    row.current_request_id = request_id
    row.updated_at = now


def _forget_current(session: Session, volunteer: User, request_id: int) -> None:
    """The volunteer's messages no longer go to this request."""
    row = session.get(VolunteerProfile, volunteer.id)
    if row is not None and row.current_request_id == request_id:
        row.current_request_id = None


def held_by(session: Session, volunteer: User) -> list[HelpRequest]:
    """The requests a volunteer is working on, oldest claim first."""
    return list(
        session.scalars(
            select(HelpRequest)
            .where(
                HelpRequest.volunteer_id == volunteer.id,
                HelpRequest.status == RequestStatus.IN_PROGRESS,
            )
            .order_by(HelpRequest.claimed_at, HelpRequest.id)
        )
    )


def current_for_volunteer(session: Session, volunteer: User) -> HelpRequest | None:
    """Where the volunteer's private message goes: the request chosen with /to (or on claim)
    if they still hold it, else their only request; None when it is not clear."""
    held = held_by(session, volunteer)
    row = session.get(VolunteerProfile, volunteer.id)
    if row is not None and row.current_request_id is not None:
        for request in held:
            if request.id == row.current_request_id:
                return request
    return held[0] if len(held) == 1 else None


def last_activity(session: Session, request: HelpRequest) -> datetime:
    """When anything last happened in the request: filed, claimed, or a message said."""
    said = session.scalar(
        select(func.max(RequestMessage.created_at)).where(RequestMessage.request_id == request.id)
    )
    moments = [request.created_at, request.claimed_at, said]
    return max(moment for moment in moments if moment is not None)


def residents_active(session: Session, resident: User) -> list[HelpRequest]:
    """The resident's open and in-progress requests, the most recently claimed first."""
    return list(
        session.scalars(
            select(HelpRequest)
            .where(
                HelpRequest.resident_id == resident.id,
                HelpRequest.status.in_([RequestStatus.OPEN, RequestStatus.IN_PROGRESS]),
            )
            .order_by(
                case((HelpRequest.status == RequestStatus.IN_PROGRESS, 0), else_=1),
                HelpRequest.claimed_at.desc(),
                HelpRequest.id.desc(),
            )
        )
    )


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


def matches(profile: VolunteerProfile | None, request: HelpRequest) -> bool:
    """Does the request fit what the volunteer speaks and takes on (empty: anything)?"""
    if profile is None:
        return False
    spoken = {_language_family(code) for code in profile.languages}
    return (not profile.languages or _language_family(request.language) in spoken) and (
        not profile.categories or request.category in profile.categories
    )


def _language_family(code: str) -> str:
    """Simplified and Traditional are one language for a volunteer: ``zh_Hant`` → ``zh``."""
    return "zh" if code.lower().startswith("zh") else code


def queue(session: Session, volunteer: User, *, limit: int = 10) -> list[HelpRequest]:
    """Open requests for a volunteer: those matching their profile first, then urgent ones,
    then the oldest."""
    mine = session.get(VolunteerProfile, volunteer.id)
    rows = list(
        session.scalars(select(HelpRequest).where(HelpRequest.status == RequestStatus.OPEN))
    )
    rows.sort(key=lambda r: (not matches(mine, r), not r.urgent, r.queued_at, r.id))
    return rows[:limit]


def alert_recipients(session: Session, request: HelpRequest) -> list[User]:
    """Volunteers who asked for private alerts and whose profile matches the request."""
    rows = session.execute(
        select(VolunteerProfile, User)
        .join(User, User.id == VolunteerProfile.user_id)
        .where(VolunteerProfile.alerts.is_(True), User.id != request.resident_id)
    ).all()
    return [
        user
        for profile_row, user in rows
        if "volunteer" in user.role_names and matches(profile_row, request)
    ]
