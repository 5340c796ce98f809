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
from datetime import datetime

from sqlalchemy import case, func, select, update
from sqlalchemy.orm import Session

from db import awaiting
from db.changes import change_if
from db.models import User
from db.requests.models import HelpRequest, RequestMessage, RequestStatus, VolunteerProfile
from db.requests.volunteers import profile

_REF = re.compile(r"^#?\s*(?:r\s*-?\s*)?0*(\d{1,9})$", re.IGNORECASE)


#: The service name of a request's conversation in ``db/awaiting.py`` (and its payloads).
SERVICE = "rq"


def parse_reference(text: str) -> int | None:
    """The id in ``#R-0042``, ``R-42``, ``r42`` or ``42``; None if it is none of those."""
    match = _REF.match(text.strip())
    return int(match.group(1)) if match else None


class Outcome(enum.StrEnum):
    DONE = "done"
    NOT_FOUND = "not_found"  # no such request, or not this person's
    TAKEN = "taken"  # someone else claimed it first
    NOT_OPEN = "not_open"  # cancelled, resolved or otherwise no longer in that state


@dataclass(frozen=True, slots=True)
class Result:
    outcome: Outcome
    request: HelpRequest | None = None

    @property
    def done(self) -> bool:
        return self.outcome is Outcome.DONE


@dataclass(frozen=True, slots=True)
class Attachment:
    """A photo or a document kept with a request: the transport's file id, its kind and name."""

    file_id: str
    kind: str | None = None
    name: str | None = None


@dataclass(frozen=True, slots=True)
class NewRequest:
    """What a resident asks for (the intake form's answers, unpacked by the handler)."""

    category: str
    description: str
    needed: str  # asap, date, flexible
    needed_at: datetime | None = None
    urgent: bool = False
    share_name: bool = False
    health_consent: bool = False
    attachment: Attachment | None = None


def create_request(
    session: Session, resident: User, new: NewRequest, *, now: datetime, language: str
) -> HelpRequest:
    """File a request; its description (and attachment) is the first entry of its history."""
    request = HelpRequest(
        resident_id=resident.id,
        category=new.category,
        description=new.description,
        language=language,
        needed=new.needed,
        needed_at=new.needed_at,
        urgent=new.urgent,
        share_name=new.share_name,
        health_consent=new.health_consent,
        status=RequestStatus.OPEN,
        created_at=now,
        queued_at=now,
        unclaimed_level=0,
        silent_level=0,
    )
    session.add(request)
    session.flush()
    attachment = new.attachment
    add_message(
        session,
        request,
        author=resident,
        side="resident",
        text=new.description,
        now=now,
        file_id=attachment.file_id if attachment else None,
        file_kind=attachment.kind if attachment else None,
        file_name=attachment.name if attachment else None,
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


def log_change(session: Session, request_id: int, what: str, by: User, now: datetime) -> None:
    """Keep who changed the request, and how, in its history (the audit trail a volunteer who
    takes over reads): ``claimed``, ``released``, ``resolved``, ``reopened``, ``cancelled``."""
    session.add(
        RequestMessage(
            request_id=request_id, author_id=by.id, side="event", text=what, created_at=now
        )
    )
    session.flush()


def reload(session: Session, request_id: int) -> HelpRequest | None:
    """The request as the database has it now (not a copy loaded earlier)."""
    return session.get(HelpRequest, request_id, populate_existing=True)


def claim(session: Session, request_id: int, volunteer: User, *, now: datetime) -> Result:
    """Take an open request: the first volunteer wins; the others get ``TAKEN``."""
    won = change_if(
        session,
        HelpRequest,
        HelpRequest.id == request_id,
        HelpRequest.status == RequestStatus.OPEN,
        status=RequestStatus.IN_PROGRESS,
        volunteer_id=volunteer.id,
        claimed_at=now,
        first_claimed_at=func.coalesce(HelpRequest.first_claimed_at, now),
        last_volunteer_at=now,
        silent_level=0,
    )
    request = reload(session, request_id)
    if won:
        select_current(session, volunteer, request_id, now=now)
        awaiting.wait(session, volunteer.id, SERVICE, request_id, now=now)
        log_change(session, request_id, "claimed", volunteer, now)
        return Result(Outcome.DONE, request)
    if request is None:
        return Result(Outcome.NOT_FOUND)
    if request.status == RequestStatus.IN_PROGRESS:
        return Result(Outcome.TAKEN, request)
    return Result(Outcome.NOT_OPEN, request)


def release(session: Session, request_id: int, volunteer: User, *, now: datetime) -> Result:
    """Give a request back to the queue (its clock starts again)."""
    won = change_if(
        session,
        HelpRequest,
        HelpRequest.id == request_id,
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
        log_change(session, request_id, "released", volunteer, now)
    return Result(Outcome.DONE if won else Outcome.NOT_OPEN, reload(session, request_id))


def resolve(
    session: Session, request_id: int, volunteer: User, *, summary: str, now: datetime
) -> Result:
    """Close a request the volunteer holds, with their summary."""
    won = change_if(
        session,
        HelpRequest,
        HelpRequest.id == request_id,
        HelpRequest.status == RequestStatus.IN_PROGRESS,
        HelpRequest.volunteer_id == volunteer.id,
        status=RequestStatus.RESOLVED,
        resolved_at=now,
        summary=summary,
    )
    if won:
        _forget_current(session, volunteer, request_id)
        awaiting.forget(session, SERVICE, request_id)
        log_change(session, request_id, "resolved", volunteer, now)
    return Result(Outcome.DONE if won else Outcome.NOT_OPEN, reload(session, request_id))


class Clock(enum.StrEnum):
    """The escalation clocks of a request: how far each has gone is a level on the request."""

    UNCLAIMED = "unclaimed_level"  # open, nobody claimed it (1 re-announced, 2 admins told)
    SILENT = "silent_level"  # claimed, the volunteer silent (1 reminded, 2 admins told)


def raise_level(session: Session, request: HelpRequest, clock: Clock, level: int) -> Result:
    """Move the request's ``clock`` to ``level`` if it is still below it and the request is still
    in the state it was read in; ``DONE`` if this run did (and should speak)."""
    column = getattr(HelpRequest, clock.value)
    won = change_if(
        session,
        HelpRequest,
        HelpRequest.id == request.id,
        column < level,
        HelpRequest.status == request.status,
        **{clock.value: level},
    )
    return Result(Outcome.DONE if won else Outcome.NOT_OPEN)


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
    return current_of(*held_and_current(session, volunteer))


def held_and_current(session: Session, volunteer: User) -> tuple[list[HelpRequest], int | None]:
    """``held_by`` and the request the volunteer chose with /to (its id, or None), in one
    query."""
    chosen = (
        select(VolunteerProfile.current_request_id)
        .where(VolunteerProfile.user_id == volunteer.id)
        .scalar_subquery()
    )
    rows = session.execute(
        select(HelpRequest, chosen)
        .where(
            HelpRequest.volunteer_id == volunteer.id,
            HelpRequest.status == RequestStatus.IN_PROGRESS,
        )
        .order_by(HelpRequest.claimed_at, HelpRequest.id)
    ).all()
    return [request for request, _ in rows], (rows[0][1] if rows else None)


def current_of(held: list[HelpRequest], chosen_id: int | None) -> HelpRequest | None:
    """``current_for_volunteer`` from what ``held_and_current`` read."""
    for request in held:
        if request.id == chosen_id:
            return request
    return held[0] if len(held) == 1 else None


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
