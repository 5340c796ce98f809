"""Dispute cases: the operations that must hold when two mediators press at once.

Every state change is a conditional ``UPDATE … WHERE status IN (…)`` whose row count says whether
this caller won; the loser is told the case moved on. A one-time invitation is taken with
``UPDATE … WHERE user_id IS NULL``. Nothing here commits: the dispatcher (or the sweeper) owns
the transaction. The reporter of a case is kept only to deliver updates to them; nothing here
renders who they are.
"""

from __future__ import annotations

import enum
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from db import awaiting
from db.changes import change_if
from db.disputes.blank import blank_erased_reports
from db.disputes.models import (
    DisputeCase,
    DisputeEvent,
    DisputeParty,
    DisputeQuestion,
    DisputeStatus,
)
from db.locks import lock_row
from db.models import User

CATEGORIES = ("noise", "parking", "pets", "water_leak", "shared_spaces", "property", "other")
OPEN = (DisputeStatus.NEW, DisputeStatus.ACKNOWLEDGED, DisputeStatus.IN_PROGRESS)
#: The service name of a mediator's question in ``db/awaiting.py``.
SERVICE = "dp"
CLOSE_REASONS = ("duplicate", "not_neighbours", "no_response", "other")
#: A report of the same category and place as an open case this recent is shown to the
#: mediators as a possible duplicate of it.
LINK_WINDOW = timedelta(days=7)

# Who may read an event in the audit log.
INTERNAL, FOR_REPORTER, FOR_PARTY, FOR_ALL = "internal", "reporter", "party", "all"


class Outcome(enum.StrEnum):
    DONE = "done"
    MOVED_ON = "moved_on"  # someone else changed it first, or it is no longer in that state
    ALREADY = "already"  # it is so already: the mediator holds the case, the question is answered


@dataclass(frozen=True, slots=True)
class Result:
    outcome: Outcome
    previous_mediator_id: int | None = None  # ``take``: who held the case (None: nobody)
    party: DisputeParty | None = None  # ``parties.open_invitation``: the invitation opened

    @property
    def done(self) -> bool:
        return self.outcome is Outcome.DONE


def won_or_moved_on(won: bool) -> Result:
    """``DONE`` if the conditional change (``change_if``) was this caller's, else ``MOVED_ON``."""
    return Result(Outcome.DONE if won else Outcome.MOVED_ON)


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


def forget_loaded_cases(session: Session) -> None:
    """Forget loaded cases after a bulk UPDATE, so the next read sees what it wrote."""
    for obj in list(session.identity_map.values()):
        if isinstance(obj, DisputeCase):
            session.expire(obj)


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


@dataclass(frozen=True, slots=True)
class NewReport:
    """What a resident reports (the report form's answers, unpacked by the handler)."""

    category: str
    description: str
    anonymous: bool
    contact_ok: bool = False  # mediators may contact them (never when anonymous)
    place_text: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    happens: str | None = None  # when it happens, in their words
    photos: tuple[str, ...] = ()  # the transport's file ids


def file_case(session: Session, *, reporter: User, report: NewReport, now: datetime) -> DisputeCase:
    """Create a case from a report. It is always a case of its own: an open case of the same
    category and place from the last 7 days is only noted as a *possible duplicate*
    (``duplicate_of_id``), for a mediator to link or not. Linking on the reporter's word would
    let the person complained about follow the case as a "co-reporter"."""
    key = place_key(report.place_text)
    case = DisputeCase(
        reporter_id=reporter.id,
        anonymous=report.anonymous,
        contact_ok=report.contact_ok and not report.anonymous,
        category=report.category,
        place_text=report.place_text,
        place_key=key,
        latitude=report.latitude,
        longitude=report.longitude,
        happens=report.happens,
        description=report.description,
        photos=list(report.photos),
        status=DisputeStatus.NEW,
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


def link(session: Session, case: DisputeCase, root: DisputeCase, *, now: datetime) -> Result:
    """A mediator's decision: ``case`` repeats ``root``, which the mediators work on from now
    on. Only while both are open, neither is linked and nothing is linked to ``case``; False
    if that no longer holds (another mediator linked or closed one meanwhile)."""
    if case.id == root.id:
        return Result(Outcome.MOVED_ON)
    locked = {
        row_id: lock_row(session, DisputeCase, row_id, key_share=True)
        for row_id in sorted((case.id, root.id))
    }
    root = locked[root.id]
    if root is None or root.linked_to_id is not None or root.status not in OPEN:
        return Result(Outcome.MOVED_ON)
    children = session.scalar(
        select(func.count()).select_from(DisputeCase).where(DisputeCase.linked_to_id == case.id)
    )
    if children:
        return Result(Outcome.MOVED_ON)
    won = change_if(
        session,
        DisputeCase,
        DisputeCase.id == case.id,
        DisputeCase.linked_to_id.is_(None),
        DisputeCase.status.in_(OPEN),
        linked_to_id=root.id,
        status=root.status,
        updated_at=now,
    )
    forget_loaded_cases(session)
    return won_or_moved_on(won)


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
    allowed_from: tuple[DisputeStatus, ...],
    to: DisputeStatus,
    now: datetime,
    **values: Any,
) -> Result:
    """Move the case (and the reports linked to it) to ``to`` if it is still in one of
    ``allowed_from``; ``MOVED_ON`` if someone else moved it first."""
    if not change_if(
        session,
        DisputeCase,
        DisputeCase.id == root.id,
        DisputeCase.status.in_(allowed_from),
        status=to,
        updated_at=now,
        **values,
    ):
        forget_loaded_cases(session)
        return Result(Outcome.MOVED_ON)
    session.execute(
        update(DisputeCase)
        .where(DisputeCase.linked_to_id == root.id)
        .values(status=to, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if to not in OPEN:  # nobody waits for answers to its questions any more
        awaiting.forget(session, SERVICE, _question_ids(session, root))
        # A reporter erased while it was open: what they wrote goes now that it is over.
        blank_erased_reports(session, root)
    forget_loaded_cases(session)
    return Result(Outcome.DONE)


def _question_ids(session: Session, root: DisputeCase) -> list[int]:
    """The questions asked on the case and the reports linked to it."""
    cases = select(DisputeCase.id).where(
        (DisputeCase.id == root.id) | (DisputeCase.linked_to_id == root.id)
    )
    return list(
        session.scalars(select(DisputeQuestion.id).where(DisputeQuestion.case_id.in_(cases)))
    )


def take(session: Session, root: DisputeCase, mediator: User, *, now: datetime) -> Result:
    """Make ``mediator`` the case's mediator, replacing whoever held it when they looked (in
    ``previous_mediator_id``). ``ALREADY`` if they hold it; ``MOVED_ON`` if it changed
    meanwhile."""
    previous = root.mediator_id
    if previous == mediator.id:
        return Result(Outcome.ALREADY)
    held = (
        DisputeCase.mediator_id.is_(None)
        if previous is None
        else DisputeCase.mediator_id == previous
    )
    won = change_if(
        session,
        DisputeCase,
        DisputeCase.id == root.id,
        DisputeCase.status.in_(OPEN),
        held,
        mediator_id=mediator.id,
        updated_at=now,
    )
    forget_loaded_cases(session)
    if not won:
        return Result(Outcome.MOVED_ON)
    return Result(Outcome.DONE, previous_mediator_id=previous)


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


def linked_timeline(case: DisputeCase, root_events: Iterable[DisputeEvent]) -> list[DisputeEvent]:
    """What the reporter of ``case``, a report linked to another, sees of that other case's
    history: its status changes (never its words) from the moment they reported, never the
    earlier ones (which would tell them someone had reported it first)."""
    return [
        event
        for event in root_events
        if event.kind in ("status", "reopened") and event.at >= case.created_at
    ]


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
