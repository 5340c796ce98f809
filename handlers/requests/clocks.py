"""Timely answers: the escalation sweep. Clocks count only service-hours time, so at night
they wait. Each step happens once: the request's level says how far it has gone, and it is
raised with a conditional UPDATE before anything is said (a second sweeper sees the new level).

- open, not claimed: after 30 minutes (urgent: 10) announced again in the team's room; after
  2 hours the admins are told. The clock starts when the request entered the queue.
- claimed, the volunteer silent: after 24 hours the volunteer is reminded; after 48 hours the
  admins are told. The clock starts at the claim or the volunteer's last message.

The limits are the community's settings (``LINLI_REQUEST_*``); these are the defaults.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from db import outbox
from db import requests as store
from db.models import User
from db.outbox_params import Params
from db.request_models import HelpRequest, RequestStatus
from db.teams import VOLUNTEERS, notify_admins, notify_team
from handlers.common import first_name
from handlers.requests.common import (
    AnnouncedAgain,
    SilentForAdmins,
    SilentReminder,
    UnclaimedForAdmins,
    ref,
    router,
)
from handlers.requests.hours import service_time_between
from handlers.types import Community


def claim_within(community: Community, *, urgent: bool) -> timedelta:
    """How long a request may wait unclaimed (service hours) before it is announced again."""
    return community.request_urgent_claim_within if urgent else community.request_claim_within


def _hours(elapsed: timedelta) -> int:
    """Whole hours, for messages."""
    return int(elapsed.total_seconds() // 3600)


def _tell_admins_once(
    session: Session,
    community: Community,
    request: HelpRequest,
    clock: store.Clock,
    *,
    waited: bool,
    params: Params,
    now: datetime,
) -> None:
    """A clock's last step: once the request has ``waited`` long enough, raise the clock to
    level 2 and, if this sweep is the one that raised it, tell the admins."""
    if waited and store.raise_level(session, request, clock, 2).done:
        notify_admins(session, params=params, now=now)


@router.sweep("rq.clocks")
def escalate(session: Session, community: Community, now: datetime) -> None:
    """Announce, remind and tell admins about requests that waited too long."""
    hours, tz = community.service_hours, community.timezone
    holidays = community.closed_on_holidays
    waiting = session.scalars(
        select(HelpRequest).where(
            HelpRequest.status == RequestStatus.OPEN, HelpRequest.unclaimed_level < 2
        )
    ).all()
    for request in waiting:
        elapsed = service_time_between(request.queued_at, now, hours, tz, holidays=holidays)
        limit = claim_within(community, urgent=request.urgent)
        if elapsed >= limit and store.raise_level(session, request, store.Clock.UNCLAIMED, 1).done:
            notify_team(
                session,
                VOLUNTEERS,
                community.team_chats,
                params=AnnouncedAgain.of(request, minutes=int(elapsed.total_seconds() // 60)),
                now=now,
            )
        _tell_admins_once(
            session,
            community,
            request,
            store.Clock.UNCLAIMED,
            waited=elapsed >= community.request_admins_after,
            params=UnclaimedForAdmins.of(request, hours=_hours(elapsed)),
            now=now,
        )
    silent = session.scalars(
        select(HelpRequest).where(
            HelpRequest.status == RequestStatus.IN_PROGRESS, HelpRequest.silent_level < 2
        )
    ).all()
    for request in silent:
        since = request.last_volunteer_at or request.claimed_at or request.queued_at
        elapsed = service_time_between(since, now, hours, tz, holidays=holidays)
        volunteer = session.get(User, request.volunteer_id) if request.volunteer_id else None
        if (
            elapsed >= community.request_remind_after
            and volunteer is not None
            and store.raise_level(session, request, store.Clock.SILENT, 1).done
        ):
            outbox.enqueue_to_user(
                session,
                volunteer,
                params=SilentReminder(ref=ref(request), hours=_hours(elapsed)),
                now=now,
            )
        _tell_admins_once(
            session,
            community,
            request,
            store.Clock.SILENT,
            waited=elapsed >= community.request_silent_admins_after,
            params=SilentForAdmins(
                ref=ref(request), volunteer=first_name(volunteer), hours=_hours(elapsed)
            ),
            now=now,
        )
