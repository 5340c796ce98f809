"""Erasing a resident's data (``/deleteme``): ``end_requests_in_progress``, ``scrub_requests``,
``detach_reports``, ``forget``.

Erasing keeps the rows other people's work hangs on (a request still counts in the team's
statistics, a dispute case goes on for the other neighbours) but replaces what the person wrote
with ``ERASED`` and cuts every link to them. Nothing here commits: the dispatcher owns the
transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from db import awaiting
from db.changes import change_if
from db.disputes import operations as dp
from db.disputes.blank import ERASED, blank_report
from db.disputes.models import (
    DisputeCase,
    DisputeEvent,
    DisputeMeetingAnswer,
    DisputeParty,
    DisputeStatus,
)
from db.models import Conversation, OutboxMessage, OutboxStatus, RoleGrant, SentCard, TeamChat, User
from db.requests import operations as request_ops
from db.requests.models import HelpRequest, RequestMessage, RequestStatus, VolunteerProfile


def end_requests_in_progress(session: Session, user: User, *, now: datetime) -> list[HelpRequest]:
    """Close the person's requests a volunteer is working on (cancelled, conditionally); the
    volunteer's private messages no longer go to them. Returns the requests closed here."""
    ended = []
    held = session.scalars(
        select(HelpRequest).where(
            HelpRequest.resident_id == user.id,
            HelpRequest.status == RequestStatus.IN_PROGRESS,
        )
    ).all()
    for request in held:
        if not change_if(
            session,
            HelpRequest,
            HelpRequest.id == request.id,
            HelpRequest.status == RequestStatus.IN_PROGRESS,
            status=RequestStatus.CANCELLED,
            resolved_at=now,
        ):
            continue
        awaiting.forget(session, request_ops.SERVICE, request.id)
        session.add(
            RequestMessage(
                request_id=request.id, author_id=None, side="event", text="erased", created_at=now
            )
        )
        session.execute(
            update(VolunteerProfile)
            .where(VolunteerProfile.current_request_id == request.id)
            .values(current_request_id=None)
        )
        session.refresh(request)
        ended.append(request)
    session.flush()
    return ended


def scrub_requests(session: Session, user: User) -> list[HelpRequest]:
    """Replace what the person wrote in all their requests (descriptions, messages, files,
    comments) with ``ERASED``; the rows stay so the team's statistics still count them."""
    requests = list(session.scalars(select(HelpRequest).where(HelpRequest.resident_id == user.id)))
    ids = [request.id for request in requests]
    if not ids:
        return []
    session.execute(
        update(HelpRequest)
        .where(HelpRequest.id.in_(ids))
        .values(description=ERASED, comment=None)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(RequestMessage)
        .where(RequestMessage.request_id.in_(ids), RequestMessage.side == "resident")
        .values(text=ERASED, file_id=None, file_kind=None, file_name=None, author_id=None)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(RequestMessage)
        .where(RequestMessage.request_id.in_(ids), RequestMessage.author_id == user.id)
        .values(author_id=None)
        .execution_options(synchronize_session=False)
    )
    for request in requests:
        session.refresh(request)
    return requests


def detach_reports(session: Session, user: User, *, now: datetime) -> list[DisputeCase]:
    """Cut the person from their dispute reports (the case shows as anonymous from now on and
    no update reaches them); on a resolved or closed case blank what they wrote, the place and
    the location pin as well (an open case is blanked when it ends: ``db.disputes.blank``).
    Their statements as the other side are blanked on closed cases too; their meeting answers
    and the other side's row no longer name them. Returns the roots of their cases, whose
    cards must be shown again."""
    roots: dict[int, DisputeCase] = {}
    done = (DisputeStatus.RESOLVED, DisputeStatus.CLOSED)
    for case in dp.cases_of(session, user):
        root = dp.root_of(session, case)
        if root.status in done:
            blank_report(session, case, root)
        roots[root.id] = root
        session.execute(
            update(DisputeCase)
            .where(DisputeCase.id == case.id)
            .values(reporter_id=None, anonymous=True, contact_ok=False)
            .execution_options(synchronize_session=False)
        )
        dp.log_event(
            session, case, now=now, kind="reporter_erased", audience=dp.INTERNAL, role="system"
        )
    for party in session.scalars(select(DisputeParty).where(DisputeParty.user_id == user.id)):
        case = session.get(DisputeCase, party.case_id)
        if case is not None and dp.root_of(session, case).status in done:
            session.execute(
                update(DisputeEvent)
                .where(DisputeEvent.case_id == case.id, DisputeEvent.actor_id == user.id)
                .where(DisputeEvent.kind == "side")
                .values(text=ERASED)
            )
        # The link was theirs: it opens for nobody else, and the row no longer names them.
        party.user_id = None
        party.token_hash = f"erased-{party.id}"
    session.execute(delete(DisputeMeetingAnswer).where(DisputeMeetingAnswer.user_id == user.id))
    session.execute(
        update(DisputeEvent)
        .where(DisputeEvent.actor_id == user.id)
        .values(actor_id=None)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    for root in roots.values():
        session.refresh(root)
    return list(roots.values())


@dataclass(slots=True)
class Forgotten:
    outbox: int = 0
    conversations: int = 0
    card_refs: list[str] = field(default_factory=list)


def forget(session: Session, user: User, *, refs: list[str], card_keys: list[str]) -> Forgotten:
    """The last step: messages to them and the delivery history of their requests and reports
    (``refs``, ``card_keys``) are deleted, then their conversations and roles, and the user row
    keeps only its id (so the rows above still hold): a new message starts a new neighbour."""
    result = Forgotten()
    awaiting.forget_person(session, user)
    chat = user.private_chat_id
    to_them = [OutboxMessage.user_id == user.id]
    if chat:
        to_them.append(
            (OutboxMessage.transport == user.transport) & (OutboxMessage.chat_id == chat)
        )
        session.execute(
            delete(SentCard).where(SentCard.transport == user.transport, SentCard.chat_id == chat)
        )
    result.outbox += session.execute(delete(OutboxMessage).where(or_(*to_them))).rowcount
    if card_keys:
        result.outbox += session.execute(
            delete(OutboxMessage).where(OutboxMessage.card_key.in_(card_keys))
        ).rowcount
    if refs:
        wanted = set(refs)
        history = session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.status != OutboxStatus.PENDING,
                or_(
                    OutboxMessage.template.startswith("rq."),
                    OutboxMessage.template.startswith("dp."),
                ),
            )
        )
        for row in history:
            if (row.params or {}).get("ref") in wanted:
                session.delete(row)
                result.outbox += 1
    for conversation in session.scalars(
        select(Conversation).where(Conversation.user_id == user.id)
    ):
        session.delete(conversation)
        result.conversations += 1
    # A former volunteer or admin: their profile goes; grants and bindings they made keep the
    # record without their Telegram id.
    session.execute(delete(VolunteerProfile).where(VolunteerProfile.user_id == user.id))
    session.execute(
        update(RoleGrant).where(RoleGrant.granted_by == user.ref).values(granted_by="erased")
    )
    session.execute(update(TeamChat).where(TeamChat.bound_by == user.ref).values(bound_by="erased"))
    user.roles.clear()
    user.external_id = f"erased-{user.id}"
    user.display_name = ""
    user.username = None
    user.language_hint = None
    user.locale = None
    user.private_chat_id = None
    session.flush()
    return result
