"""A resident's own data, as ``/mydata`` exports it: everything stored about them and written by
them, and how much of it there is (``counts``).

What is exported is what they gave us and what we sent them — never a volunteer's internal
notes, never who a mediator or another neighbour is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.base import reference
from db.disputes import operations as dp
from db.disputes.models import (
    DisputeCase,
    DisputeEvent,
    DisputeMeeting,
    DisputeMeetingAnswer,
    DisputeParty,
    DisputeQuestion,
)
from db.events.models import Event, EventSignup
from db.models import User
from db.notices import subscriptions as notice_subscriptions
from db.requests.models import HelpRequest, RequestMessage
from db.rooms import privacy as room_privacy
from db.volunteering import records as shift_records

#: Audit-log entries a reporter (``REPORTER_SEES``) or the other side (``PARTY_SEES``) was sent.
REPORTER_SEES = (dp.FOR_REPORTER, dp.FOR_ALL)
PARTY_SEES = (dp.FOR_PARTY, dp.FOR_ALL)


def _when(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


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
        "room_bookings": room_privacy.export(session, user),
        "volunteering": shift_records.export_person(session, user),
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
        if root.id != case.id:  # a linked report: its own time line only
            seen += dp.linked_timeline(case, dp.events(session, root, REPORTER_SEES))
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
