"""A resident's own data: everything stored about them and written by them (``export``), and
erasing it (``end_requests``, ``scrub_requests``, ``detach_reports``, ``forget``).

What is exported is what they gave us and what we sent them — never a volunteer's internal
notes, never who a mediator or another neighbour is. Erasing keeps the rows other people's work
hangs on (a request still counts in the team's statistics, a dispute case goes on for the other
neighbours) but replaces what the person wrote with ``ERASED`` and cuts every link to them.
Nothing here commits: the dispatcher owns the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from db import awaiting, notice_subscriptions
from db import disputes as dp
from db.base import reference
from db.models import (
    Conversation,
    DisputeCase,
    DisputeEvent,
    DisputeMeetingAnswer,
    DisputeParty,
    DisputeQuestion,
    Event,
    EventSignup,
    HelpRequest,
    OutboxMessage,
    OutboxStatus,
    RequestMessage,
    RequestStatus,
    RoleGrant,
    SentCard,
    TeamChat,
    User,
    VolunteerProfile,
)

#: What replaces a text the person wrote once they asked us to erase it. Stored text is shown
#: to bilingual staff in either language, so the marker carries both.
ERASED = "[已应居民要求删除 / deleted at the resident's request]"

#: Audit-log entries a reporter (``REPORTER_SEES``) or the other side (``PARTY_SEES``) was sent.
REPORTER_SEES = (dp.FOR_REPORTER, dp.FOR_ALL)
PARTY_SEES = (dp.FOR_PARTY, dp.FOR_ALL)


def _when(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


# ---------------------------------------------------------------------------- export


def export(session: Session, user: User, *, now: datetime) -> dict[str, Any]:
    """Everything stored about ``user`` and written by them, as JSON-ready values."""
    return {
        "exported_at": now.isoformat(),
        "profile": {
            "transport": user.transport,
            "id_on_transport": user.external_id,
            "name": user.display_name,
            "username": user.username,
            "language_chosen": user.locale,
            "language_of_app": user.language_hint,
            "first_seen": _when(user.created_at),
            "last_seen": _when(user.last_seen_at),
        },
        "roles": sorted(user.role_names),
        "event_signups": _signups(session, user),
        "help_requests": _requests(session, user),
        "dispute_reports": _reports(session, user),
        "disputes_as_other_side": _as_other_side(session, user),
        "notice_subscription": notice_subscriptions.export(session, user),
    }


def _signups(session: Session, user: User) -> list[dict[str, Any]]:
    rows = session.execute(
        select(EventSignup, Event)
        .join(Event, Event.id == EventSignup.event_id)
        .where(EventSignup.user_id == user.id)
        .order_by(EventSignup.id)
    ).all()
    return [
        {
            "event": event.title_zh or event.title_en,
            "event_en": event.title_en,
            "starts_at": _when(event.starts_at),
            "place": event.place,
            "party_size": signup.party_size,
            "status": signup.status,
            "signed_up_at": _when(signup.created_at),
        }
        for signup, event in rows
    ]


def _requests(session: Session, user: User) -> list[dict[str, Any]]:
    requests = session.scalars(
        select(HelpRequest).where(HelpRequest.resident_id == user.id).order_by(HelpRequest.id)
    )
    out = []
    for request in requests:
        messages = session.scalars(
            select(RequestMessage)
            .where(
                RequestMessage.request_id == request.id,
                RequestMessage.side == "resident",
                RequestMessage.author_id == user.id,
            )
            .order_by(RequestMessage.created_at, RequestMessage.id)
        )
        out.append(
            {
                "ref": reference("R", request.id),
                "category": request.category,
                "description": request.description,
                "status": request.status,
                "asked_at": _when(request.created_at),
                "needed": request.needed,
                "needed_at": _when(request.needed_at),
                "urgent": request.urgent,
                "share_name": request.share_name,
                "health_consent": request.health_consent,
                "rating": request.rating,
                "comment": request.comment,
                "your_messages": [
                    {
                        "at": _when(m.created_at),
                        "text": m.text,
                        "file": m.file_kind,
                        "file_name": m.file_name,
                        "file_id": m.file_id,
                    }
                    for m in messages
                ],
            }
        )
    return out


def _reports(session: Session, user: User) -> list[dict[str, Any]]:
    out = []
    for case in reversed(dp.cases_of(session, user)):
        root = dp.root_of(session, case)
        seen = dp.events(session, case, REPORTER_SEES)
        if root.id != case.id:  # a linked report: its reporter was sent status changes only
            seen += [
                e
                for e in dp.events(session, root, REPORTER_SEES)
                if e.kind in ("status", "reopened")
            ]
        questions = session.scalars(
            select(DisputeQuestion)
            .where(DisputeQuestion.case_id == case.id)
            .order_by(DisputeQuestion.id)
        )
        out.append(
            {
                "ref": case.ref,
                "category": case.category,
                "place": case.place_text,
                "location": [case.latitude, case.longitude] if case.latitude is not None else None,
                "when": case.happens,
                "description": case.description,
                "photos": list(case.photos or []),
                "anonymous": case.anonymous,
                "agrees_to_contact": case.contact_ok,
                "status": root.status,
                "reported_at": _when(case.created_at),
                "outcome": root.outcome if root.id == case.id else None,
                "updates_sent_to_you": [
                    {"at": _when(e.at), "kind": e.kind, "text": e.text}
                    for e in sorted(seen, key=lambda e: (e.at, e.id))
                ],
                "questions_and_your_answers": [
                    {
                        "asked_at": _when(q.asked_at),
                        "question": q.text,
                        "answer": q.answer,
                        "answered_at": _when(q.answered_at),
                    }
                    for q in questions
                ],
                "meeting_answers": _meeting_answers(session, user, root.id),
            }
        )
    return out


def _meeting_answers(session: Session, user: User, case_id: int) -> list[dict[str, Any]]:
    from db.models import DisputeMeeting

    rows = session.execute(
        select(DisputeMeetingAnswer, DisputeMeeting)
        .join(DisputeMeeting, DisputeMeeting.id == DisputeMeetingAnswer.meeting_id)
        .where(DisputeMeeting.case_id == case_id, DisputeMeetingAnswer.user_id == user.id)
        .order_by(DisputeMeetingAnswer.id)
    ).all()
    return [
        {
            "meeting_at": _when(meeting.starts_at),
            "place": meeting.place,
            "answer": answer.answer,
            "answered_at": _when(answer.answered_at),
        }
        for answer, meeting in rows
    ]


def _as_other_side(session: Session, user: User) -> list[dict[str, Any]]:
    out = []
    parties = session.scalars(
        select(DisputeParty).where(DisputeParty.user_id == user.id).order_by(DisputeParty.id)
    )
    for party in parties:
        case = session.get(DisputeCase, party.case_id)
        if case is None:
            continue
        statements = session.scalars(
            select(DisputeEvent)
            .where(
                DisputeEvent.case_id == case.id,
                DisputeEvent.actor_id == user.id,
                DisputeEvent.kind == "side",
            )
            .order_by(DisputeEvent.at, DisputeEvent.id)
        )
        out.append(
            {
                "ref": case.ref,
                "invitation": party.summary,
                "opened_at": _when(party.opened_at),
                "your_statements": [{"at": _when(e.at), "text": e.text} for e in statements],
                "updates_sent_to_you": [
                    {"at": _when(e.at), "text": e.text}
                    for e in dp.events(session, case, PARTY_SEES)
                    if e.kind == "update"
                ],
                "meeting_answers": _meeting_answers(session, user, case.id),
            }
        )
    return out


@dataclass(frozen=True, slots=True)
class Counts:
    signups: int
    requests: int
    reports: int
    statements: int


def counts(session: Session, user: User) -> Counts:
    """How many signups, help requests, dispute reports and statements as the other side."""
    data = {
        "signups": _signups(session, user),
        "requests": session.scalars(
            select(HelpRequest.id).where(HelpRequest.resident_id == user.id)
        ).all(),
        "reports": dp.cases_of(session, user),
        "statements": session.scalars(
            select(DisputeParty.id).where(DisputeParty.user_id == user.id)
        ).all(),
    }
    return Counts(**{key: len(value) for key, value in data.items()})


# ---------------------------------------------------------------------------- erase


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
        result = session.execute(
            update(HelpRequest)
            .where(HelpRequest.id == request.id, HelpRequest.status == RequestStatus.IN_PROGRESS)
            .values(status=RequestStatus.CANCELLED, resolved_at=now)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            continue
        awaiting.forget(session, "rq", request.id)
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
    the location pin as well. Their
    statements as the other side are blanked on closed cases too. Returns the roots of their
    cases, whose cards must be shown again."""
    roots: dict[int, DisputeCase] = {}
    done = (dp.RESOLVED, dp.CLOSED)
    for case in dp.cases_of(session, user):
        root = dp.root_of(session, case)
        values: dict[str, Any] = {"reporter_id": None, "anonymous": True, "contact_ok": False}
        if root.status in done:
            values |= {
                "description": ERASED,
                "photos": [],
                "happens": None,
                # The place and the location pin may be their home.
                "place_text": None,
                "place_key": None,
                "latitude": None,
                "longitude": None,
            }
            for question in session.scalars(
                select(DisputeQuestion).where(
                    DisputeQuestion.case_id == case.id, DisputeQuestion.answer.is_not(None)
                )
            ):
                session.execute(
                    update(DisputeEvent)
                    .where(
                        DisputeEvent.case_id == root.id,
                        DisputeEvent.kind == "answer",
                        DisputeEvent.text == question.answer,
                    )
                    .values(text=ERASED)
                )
                question.answer = ERASED
        roots[root.id] = root
        session.execute(
            update(DisputeCase)
            .where(DisputeCase.id == case.id)
            .values(**values)
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
