"""Dispute cases: the operations that must hold when two mediators press at once.

Every state change is a conditional ``UPDATE … WHERE status IN (…)`` whose row count says whether
this caller won; the loser is told the case moved on. A one-time invitation is taken with
``UPDATE … WHERE user_id IS NULL``. Nothing here commits: the dispatcher (or the sweeper) owns
the transaction. The reporter of a case is kept only to deliver updates to them; nothing here
renders who they are.
"""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from db import awaiting
from db.models import (
    DisputeCase,
    DisputeEvent,
    DisputeMeeting,
    DisputeMeetingAnswer,
    DisputeParty,
    DisputeQuestion,
    User,
)

CATEGORIES = ("noise", "parking", "pets", "water_leak", "shared_spaces", "property", "other")
NEW, ACKNOWLEDGED, IN_PROGRESS, RESOLVED, CLOSED = (
    "new",
    "acknowledged",
    "in_progress",
    "resolved",
    "closed",
)
OPEN = (NEW, ACKNOWLEDGED, IN_PROGRESS)
#: The service name of a mediator's question in ``db/awaiting.py``.
SERVICE = "dp"
CLOSE_REASONS = ("duplicate", "not_neighbours", "no_response", "other")
#: A report of the same category and place as an open case this recent is shown to the
#: mediators as a possible duplicate of it.
LINK_WINDOW = timedelta(days=7)

# Who may read an event in the audit log.
INTERNAL, FOR_REPORTER, FOR_PARTY, FOR_ALL = "internal", "reporter", "party", "all"


def place_key(text: str | None) -> str | None:
    """The place case-folded with spaces, punctuation and invisible characters (bidi controls,
    zero-width characters) removed: "Building 3, #1202" and "building3 1202" are the same
    place."""
    if not text:
        return None
    kept = "".join(
        ch
        for ch in text.casefold()
        if not unicodedata.category(ch).startswith(("P", "Z", "S", "Cf"))
    )
    return kept[:200] or None


def _expire_cases(session: Session) -> None:
    """Forget loaded cases after a bulk UPDATE, so the next read sees what it wrote."""
    for obj in list(session.identity_map.values()):
        if isinstance(obj, DisputeCase):
            session.expire(obj)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def log_event(
    session: Session,
    case: DisputeCase,
    *,
    now: datetime,
    kind: str,
    audience: str,
    actor: User | None = None,
    role: str = "system",
    text: str | None = None,
) -> DisputeEvent:
    """Add one line to the case's audit log."""
    event = DisputeEvent(
        case_id=case.id,
        at=now,
        actor_id=actor.id if actor else None,
        actor_role=role,
        kind=kind,
        text=text,
        audience=audience,
    )
    session.add(event)
    session.flush()
    return event


def file_case(
    session: Session, *, reporter: User, data: dict[str, Any], now: datetime
) -> DisputeCase:
    """Create a case from the report form's answers. It is always a case of its own: an open
    case of the same category and place from the last 7 days is only noted as a *possible
    duplicate* (``duplicate_of_id``), for a mediator to link or not. Linking on the reporter's
    word would let the person complained about follow the case as a "co-reporter"."""
    place = data.get("place") or {}
    key = place_key(place.get("text"))
    photos = [item["file_id"] for item in data.get("photos") or []]
    case = DisputeCase(
        reporter_id=reporter.id,
        anonymous=bool(data.get("anonymous") == "anonymous"),
        contact_ok=bool(data.get("contact")) and data.get("anonymous") != "anonymous",
        category=data["category"],
        place_text=place.get("text"),
        place_key=key,
        latitude=place.get("latitude"),
        longitude=place.get("longitude"),
        happens=data.get("when"),
        description=data["description"],
        photos=photos,
        status=NEW,
        created_at=now,
        updated_at=now,
    )
    if key is not None:
        case.duplicate_of_id = session.scalar(
            select(DisputeCase.id)
            .where(
                DisputeCase.category == case.category,
                DisputeCase.place_key == key,
                DisputeCase.status.in_(OPEN),
                DisputeCase.linked_to_id.is_(None),
                DisputeCase.created_at >= now - LINK_WINDOW,
            )
            .order_by(DisputeCase.id)
            .limit(1)
        )
    session.add(case)
    session.flush()
    log_event(session, case, now=now, kind="reported", audience=FOR_REPORTER, role="reporter")
    return case


def possible_duplicate(session: Session, case: DisputeCase) -> DisputeCase | None:
    """The open case ``case`` may repeat, while neither is linked and both are open."""
    if case.duplicate_of_id is None or case.linked_to_id is not None or case.status not in OPEN:
        return None
    other = session.get(DisputeCase, case.duplicate_of_id)
    if other is None or other.linked_to_id is not None or other.status not in OPEN:
        return None
    return other


def link(session: Session, case: DisputeCase, root: DisputeCase, *, now: datetime) -> bool:
    """A mediator's decision: ``case`` repeats ``root``, which the mediators work on from now
    on. Only while both are open, neither is linked and nothing is linked to ``case``; False
    if that no longer holds (another mediator linked or closed one meanwhile)."""
    if case.id == root.id:
        return False
    locked = {row_id: _lock(session, DisputeCase, row_id) for row_id in sorted((case.id, root.id))}
    root = locked[root.id]
    if root is None or root.linked_to_id is not None or root.status not in OPEN:
        return False
    children = session.scalar(
        select(func.count()).select_from(DisputeCase).where(DisputeCase.linked_to_id == case.id)
    )
    if children:
        return False
    result = session.execute(
        update(DisputeCase)
        .where(
            DisputeCase.id == case.id,
            DisputeCase.linked_to_id.is_(None),
            DisputeCase.status.in_(OPEN),
        )
        .values(linked_to_id=root.id, status=root.status, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    _expire_cases(session)
    return result.rowcount == 1


def root_of(session: Session, case: DisputeCase) -> DisputeCase:
    """The case the mediators work on: the case itself, or the one it was linked to."""
    if case.linked_to_id is None:
        return case
    return session.get(DisputeCase, case.linked_to_id) or case


def family(session: Session, root: DisputeCase) -> list[DisputeCase]:
    """The root case and every report linked to it, oldest first."""
    linked = session.scalars(
        select(DisputeCase).where(DisputeCase.linked_to_id == root.id).order_by(DisputeCase.id)
    )
    return [root, *linked]


def report_count(session: Session, root: DisputeCase) -> int:
    linked = session.scalar(
        select(func.count()).select_from(DisputeCase).where(DisputeCase.linked_to_id == root.id)
    )
    return 1 + (linked or 0)


def transition(
    session: Session,
    root: DisputeCase,
    *,
    allowed_from: tuple[str, ...],
    to: str,
    now: datetime,
    **values: Any,
) -> bool:
    """Move the case (and the reports linked to it) to ``to`` if it is still in one of
    ``allowed_from``; False if someone else moved it first."""
    result = session.execute(
        update(DisputeCase)
        .where(DisputeCase.id == root.id, DisputeCase.status.in_(allowed_from))
        .values(status=to, updated_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        _expire_cases(session)
        return False
    session.execute(
        update(DisputeCase)
        .where(DisputeCase.linked_to_id == root.id)
        .values(status=to, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if to not in OPEN:  # nobody waits for answers to its questions any more
        awaiting.forget(session, SERVICE, _question_ids(session, root))
    _expire_cases(session)
    return True


def _question_ids(session: Session, root: DisputeCase) -> list[int]:
    """The questions asked on the case and the reports linked to it."""
    cases = select(DisputeCase.id).where(
        (DisputeCase.id == root.id) | (DisputeCase.linked_to_id == root.id)
    )
    return list(
        session.scalars(select(DisputeQuestion.id).where(DisputeQuestion.case_id.in_(cases)))
    )


def take(session: Session, root: DisputeCase, mediator: User, *, now: datetime) -> int | None:
    """Make ``mediator`` the case's mediator, replacing whoever held it when they looked.
    Returns the previous mediator's id (None if nobody), or -1 if it changed meanwhile or
    ``mediator`` already holds it."""
    previous = root.mediator_id
    if previous == mediator.id:
        return -1
    held = (
        DisputeCase.mediator_id.is_(None)
        if previous is None
        else DisputeCase.mediator_id == previous
    )
    result = session.execute(
        update(DisputeCase)
        .where(DisputeCase.id == root.id, DisputeCase.status.in_(OPEN), held)
        .values(mediator_id=mediator.id, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    _expire_cases(session)
    return previous if result.rowcount == 1 else -1


def open_cases(session: Session) -> list[DisputeCase]:
    """Open cases the mediators work on (not the reports linked to them), oldest first."""
    return list(
        session.scalars(
            select(DisputeCase)
            .where(DisputeCase.status.in_(OPEN), DisputeCase.linked_to_id.is_(None))
            .order_by(DisputeCase.created_at, DisputeCase.id)
        )
    )


def cases_of(session: Session, user: User) -> list[DisputeCase]:
    """A reporter's own reports, newest first."""
    return list(
        session.scalars(
            select(DisputeCase)
            .where(DisputeCase.reporter_id == user.id)
            .order_by(DisputeCase.id.desc())
        )
    )


def events(session: Session, case: DisputeCase, audiences: tuple[str, ...]) -> list[DisputeEvent]:
    return list(
        session.scalars(
            select(DisputeEvent)
            .where(DisputeEvent.case_id == case.id, DisputeEvent.audience.in_(audiences))
            .order_by(DisputeEvent.at, DisputeEvent.id)
        )
    )


def reporter_view(
    session: Session, cases: list[DisputeCase]
) -> tuple[dict[int, list[DisputeEvent]], dict[int, list[DisputeQuestion]]]:
    """For a reporter's list of their cases, in three queries whatever its length: what they
    may see of each case and of the case it was linked to (by case id, in order), and the
    questions still waiting for their answer (by case id). The linked cases are loaded too,
    so that ``root_of`` finds them in the session."""
    ids = {case.id for case in cases}
    linked = {case.linked_to_id for case in cases if case.linked_to_id is not None}
    if linked - ids:
        session.scalars(select(DisputeCase).where(DisputeCase.id.in_(linked - ids))).all()
    seen: dict[int, list[DisputeEvent]] = {case_id: [] for case_id in ids | linked}
    for event in session.scalars(
        select(DisputeEvent)
        .where(
            DisputeEvent.case_id.in_(ids | linked),
            DisputeEvent.audience.in_((FOR_REPORTER, FOR_ALL)),
        )
        .order_by(DisputeEvent.at, DisputeEvent.id)
    ):
        seen[event.case_id].append(event)
    waiting: dict[int, list[DisputeQuestion]] = {case_id: [] for case_id in ids}
    for question in session.scalars(
        select(DisputeQuestion)
        .where(DisputeQuestion.case_id.in_(ids), DisputeQuestion.answer.is_(None))
        .order_by(DisputeQuestion.id)
    ):
        waiting[question.case_id].append(question)
    return seen, waiting


# ---------------------------------------------------------------------------- questions


def ask(
    session: Session, case: DisputeCase, *, by: User, text: str, now: datetime
) -> DisputeQuestion:
    question = DisputeQuestion(case_id=case.id, asked_by=by.id, text=text, asked_at=now)
    session.add(question)
    session.flush()
    if case.reporter_id is not None:  # their free text answers it (``db/awaiting.py``)
        awaiting.wait(session, case.reporter_id, SERVICE, question.id, now=now)
    return question


#: A reporter's free text answers an open question asked this recently (on an open case).
QUESTION_OPEN_FOR = timedelta(days=14)


def open_question(session: Session, user: User, now: datetime) -> DisputeQuestion | None:
    """The newest unanswered question to ``user`` as a reporter on an open case, asked within
    ``QUESTION_OPEN_FOR``; older ones are still answered with their button."""
    return session.scalar(
        select(DisputeQuestion)
        .join(DisputeCase, DisputeCase.id == DisputeQuestion.case_id)
        .where(
            DisputeCase.reporter_id == user.id,
            DisputeCase.status.in_(OPEN),
            DisputeQuestion.answer.is_(None),
            DisputeQuestion.asked_at >= now - QUESTION_OPEN_FOR,
        )
        .order_by(DisputeQuestion.id.desc())
        .limit(1)
    )


def answer_question(session: Session, question: DisputeQuestion, text: str, now: datetime) -> bool:
    """Record the answer once; False if it was answered already."""
    result = session.execute(
        update(DisputeQuestion)
        .where(DisputeQuestion.id == question.id, DisputeQuestion.answer.is_(None))
        .values(answer=text, answered_at=now)
        .execution_options(synchronize_session=False)
    )
    session.expire(question)
    if result.rowcount == 1:
        awaiting.forget(session, SERVICE, question.id)
    return result.rowcount == 1


# ---------------------------------------------------------------------------- the other side


def invite(
    session: Session, case: DisputeCase, *, by: User, summary: str, now: datetime
) -> tuple[DisputeParty, str]:
    """A one-time invitation for the other side; returns the party row and the token (only its
    hash is stored)."""
    token = secrets.token_urlsafe(12)
    party = DisputeParty(
        case_id=case.id,
        token_hash=hash_token(token),
        summary=summary,
        created_by=by.id,
        created_at=now,
    )
    session.add(party)
    session.flush()
    return party, token


@dataclass(frozen=True, slots=True)
class Opened:
    party: DisputeParty | None
    first_time: bool


def open_invitation(session: Session, token: str, user: User, now: datetime) -> Opened:
    """Take the invitation for ``user`` if nobody has; the same person may open it again."""
    digest = hash_token(token)
    result = session.execute(
        update(DisputeParty)
        .where(DisputeParty.token_hash == digest, DisputeParty.user_id.is_(None))
        .values(user_id=user.id, opened_at=now)
        .execution_options(synchronize_session=False)
    )
    party = session.scalar(select(DisputeParty).where(DisputeParty.token_hash == digest))
    if party is not None:
        session.refresh(party)
    if party is None or party.user_id != user.id:
        return Opened(None, False)
    return Opened(party, result.rowcount == 1)


def parties(session: Session, case: DisputeCase) -> list[DisputeParty]:
    return list(
        session.scalars(
            select(DisputeParty).where(DisputeParty.case_id == case.id).order_by(DisputeParty.id)
        )
    )


# ---------------------------------------------------------------------------- meetings


def current_meeting(session: Session, case: DisputeCase) -> DisputeMeeting | None:
    return session.scalar(
        select(DisputeMeeting)
        .where(
            DisputeMeeting.case_id == case.id,
            DisputeMeeting.status.notin_(("replaced", "cancelled")),
        )
        .order_by(DisputeMeeting.id.desc())
        .limit(1)
    )


def meeting_answers(session: Session, meeting: DisputeMeeting) -> list[DisputeMeetingAnswer]:
    return list(
        session.scalars(
            select(DisputeMeetingAnswer)
            .where(DisputeMeetingAnswer.meeting_id == meeting.id)
            .order_by(DisputeMeetingAnswer.id)
        )
    )


def propose_meeting(
    session: Session,
    case: DisputeCase,
    *,
    by: User,
    starts_at: datetime,
    place: str,
    invited: list[tuple[User, str]],
    now: datetime,
) -> tuple[DisputeMeeting, DisputeMeeting | None]:
    """A new meeting proposal replacing the current one; returns (new, replaced). The case is
    locked first, so proposals made at once replace one another in turn."""
    _lock(session, DisputeCase, case.id)
    old = current_meeting(session, case)
    if old is not None:
        old.status = "replaced"
    meeting = DisputeMeeting(
        case_id=case.id,
        starts_at=starts_at,
        place=place,
        status="proposed",
        proposed_by=by.id,
        created_at=now,
    )
    session.add(meeting)
    session.flush()
    for user, role in invited:
        session.add(DisputeMeetingAnswer(meeting_id=meeting.id, user_id=user.id, role=role))
    session.flush()
    return meeting, old


def _lock(session: Session, model: Any, row_id: int) -> Any:
    """The row, read afresh and locked for this transaction (PostgreSQL; SQLite's ``BEGIN
    IMMEDIATE`` already serialises writers). ``FOR NO KEY UPDATE``: rows inserted meanwhile
    that refer to it (audit lines, answers) do not wait for it."""
    query = select(model).where(model.id == row_id).execution_options(populate_existing=True)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(key_share=True)  # FOR NO KEY UPDATE
    return session.scalars(query).first()


def lock_meeting(session: Session, meeting_id: int) -> DisputeMeeting | None:
    """The meeting, locked: answers given at once are counted one after the other, and a
    proposal replacing it either waits for the answer or is seen by it."""
    return _lock(session, DisputeMeeting, meeting_id)


def answer_meeting(
    session: Session, meeting: DisputeMeeting, user: User, answer: str, now: datetime
) -> DisputeMeetingAnswer | None:
    """Record ``user``'s answer (yes / other); None if they were not invited to it."""
    row = session.scalar(
        select(DisputeMeetingAnswer).where(
            DisputeMeetingAnswer.meeting_id == meeting.id, DisputeMeetingAnswer.user_id == user.id
        )
    )
    if row is None:
        return None
    row.answer, row.answered_at = answer, now
    answers = meeting_answers(session, meeting)
    agreed = all(a.answer == "yes" for a in answers)
    meeting.status = "agreed" if agreed else "proposed"
    session.flush()
    return row


# ---------------------------------------------------------------------------- clocks


def unacknowledged_since(session: Session, before: datetime) -> list[DisputeCase]:
    """Cases still new that were reported before ``before`` and not escalated yet."""
    return list(
        session.scalars(
            select(DisputeCase).where(
                DisputeCase.status == NEW,
                DisputeCase.linked_to_id.is_(None),
                DisputeCase.escalated_at.is_(None),
                DisputeCase.created_at <= before,
            )
        )
    )


def mark_escalated(session: Session, case: DisputeCase, now: datetime) -> bool:
    result = session.execute(
        update(DisputeCase)
        .where(DisputeCase.id == case.id, DisputeCase.escalated_at.is_(None))
        .values(escalated_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def resolved_before(session: Session, before: datetime) -> list[DisputeCase]:
    """Resolved cases whose reporters have not been asked yet whether it is solved."""
    return list(
        session.scalars(
            select(DisputeCase).where(
                DisputeCase.status == RESOLVED,
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
        .values(followup="asked")
        .execution_options(synchronize_session=False)
    )
    _expire_cases(session)


def set_followup(session: Session, case: DisputeCase, *, expected: str | None, to: str) -> bool:
    held = DisputeCase.followup.is_(None) if expected is None else DisputeCase.followup == expected
    result = session.execute(
        update(DisputeCase)
        .where(DisputeCase.id == case.id, held)
        .values(followup=to)
        .execution_options(synchronize_session=False)
    )
    session.expire(case)
    return result.rowcount == 1
