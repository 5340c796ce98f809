"""Volunteers: what each speaks and takes on (their profile), the queue of open requests they
see (matching ones first), and who gets a private alert for a new request."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import User
from db.requests.models import HelpRequest, RequestStatus, VolunteerProfile


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


def save_profile(
    session: Session,
    volunteer: User,
    *,
    languages: Sequence[str],
    categories: Sequence[str],
    alerts: bool,
    now: datetime,
) -> VolunteerProfile:
    """Keep the volunteer's languages, categories and alert choice."""
    row = profile(session, volunteer, now=now)
    row.languages = list(languages)
    row.categories = list(categories)
    row.alerts = alerts
    row.updated_at = now
    session.flush()
    return row


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
