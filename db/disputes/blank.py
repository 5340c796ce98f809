"""Blanking what a reporter wrote on a dispute report: at their erasure when the case is over,
and when a case whose reporter was erased while it was open comes to an end (``transition``
calls ``blank_erased_reports``). Nothing here commits: the caller owns the transaction."""

from __future__ import annotations

from sqlalchemy import exists, or_, select, update
from sqlalchemy.orm import Session

from db.disputes.models import DisputeCase, DisputeEvent, DisputeQuestion

#: What replaces a text the person wrote once they asked us to erase it. Stored text is shown
#: to bilingual staff in either language, so the marker carries both.
ERASED = "[已应居民要求删除 / deleted at the resident's request]"

#: What a reporter wrote, and where (the place and the pin may be their home).
_REPORT_BLANK = {
    "description": ERASED,
    "photos": [],
    "happens": None,
    "place_text": None,
    "place_key": None,
    "latitude": None,
    "longitude": None,
}


def blank_report(session: Session, case: DisputeCase, root: DisputeCase) -> None:
    """Blank one report: its description, photos, time, place, its duplicate key and pin, and
    the reporter's answers to the mediators' questions (also where the audit log of the case
    the mediators work on, ``root``, quotes them)."""
    for question in session.scalars(
        select(DisputeQuestion).where(
            DisputeQuestion.case_id == case.id, DisputeQuestion.answer.is_not(None)
        )
    ):
        session.execute(
            update(DisputeEvent)
            .where(
                DisputeEvent.case_id.in_({root.id, case.id}),
                DisputeEvent.kind == "answer",
                DisputeEvent.text == question.answer,
            )
            .values(text=ERASED)
            .execution_options(synchronize_session=False)
        )
        question.answer = ERASED
    session.execute(
        update(DisputeCase)
        .where(DisputeCase.id == case.id)
        .values(**_REPORT_BLANK)
        .execution_options(synchronize_session=False)
    )


def blank_erased_reports(session: Session, root: DisputeCase) -> int:
    """The case has come to an end: the reports in it whose reporter was erased while it was
    open (they kept their description so mediation could go on) are blanked now. Returns how
    many."""
    erased = exists().where(
        DisputeEvent.case_id == DisputeCase.id, DisputeEvent.kind == "reporter_erased"
    )
    cases = list(
        session.scalars(
            select(DisputeCase).where(
                or_(DisputeCase.id == root.id, DisputeCase.linked_to_id == root.id),
                DisputeCase.reporter_id.is_(None),
                erased,
            )
        )
    )
    for case in cases:
        blank_report(session, case, root)
    session.flush()
    return len(cases)
