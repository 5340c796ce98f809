"""Volunteering: what the outbox carries to people (rendered from the ``vs.*`` templates in
``handlers/volunteering/notices.py``, in each recipient's language, when sent) and the
reminders before a shift, queued and dropped with the signup."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Self

from sqlalchemy.orm import Session

from db import outbox
from db.outbox_params import Params
from db.volunteering.models import Opportunity, Shift, ShiftSignup


class ShiftNamed(Params):
    """What a template needs to name an opportunity and its shift in either language."""

    opportunity_id: int
    title_zh: str | None = None
    title_en: str | None = None
    place: str
    shift_id: int
    starts_at: datetime

    @classmethod
    def about(cls, opportunity: Opportunity, shift: Shift, **more: Any) -> Self:
        """The parameters naming ``shift`` of ``opportunity``, and ``more``."""
        return cls(
            opportunity_id=opportunity.id,
            title_zh=opportunity.title_zh,
            title_en=opportunity.title_en,
            place=opportunity.place,
            shift_id=shift.id,
            starts_at=shift.starts_at,
            **more,
        )


class OpportunityCancelled(ShiftNamed, template="vs.cancelled"):
    """The opportunity is cancelled, and their signup with it."""


class Promoted(ShiftNamed, template="vs.promoted"):
    """A place became free and is theirs, as this role."""

    role_zh: str | None = None
    role_en: str | None = None


class ShiftReminder(ShiftNamed, template="vs.reminder"):
    """Their shift starts soon."""


class LateCancel(ShiftNamed, template="vs.late_cancel"):
    """To the coordinator: ``name`` cancelled shortly before the start."""

    role_zh: str | None = None
    role_en: str | None = None
    name: str | None = None
    moved_up: bool = False  # the first on the waiting list took the place


# --- reminders ---------------------------------------------------------------------------------


def _reminder_prefix(signup_id: int) -> str:
    return f"vs:rem:{signup_id}:"


def schedule_reminders(
    session: Session,
    signup: ShiftSignup,
    shift: Shift,
    offsets: Sequence[timedelta],
    *,
    now: datetime,
) -> None:
    """A reminder before the shift at each offset still ahead (the events' offsets)."""
    opportunity = shift.opportunity
    for offset in offsets:
        due = shift.starts_at - offset
        if due <= now or signup.user is None:
            continue
        outbox.enqueue_to_user(
            session,
            signup.user,
            params=ShiftReminder.about(opportunity, shift),
            now=now,
            due_at=due,
            dedup_key=f"{_reminder_prefix(signup.id)}{int(offset.total_seconds())}",
        )


def drop_reminders(session: Session, signup_id: int) -> int:
    """Remove the signup's reminders not yet sent; how many."""
    return outbox.cancel_pending(session, dedup_prefix=_reminder_prefix(signup_id))
