"""A volunteer who may no longer help — their role taken away, or blocked — loses the requests
they hold at once: each goes back to the queue as on ``/release`` (the team's room is told and
the card is open again), the resident is told as on a release, and the relay stops (their
awaited answers go with the release). ``/start rq_N`` refuses them from then on
(``team.open_claimed``). Called by the admin's ``/block`` and by ``linli users revoke`` /
``linli users block`` in the transaction that makes the change; the sweep ``rq.orphans`` does
the same within seconds for a change made any other way (an admin taken off ``LINLI_ADMINS``,
a role removed in the database, a block set by another worker)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from db import outbox
from db import requests as store
from db.blocks import is_blocked
from db.models import Role, User
from db.request_models import HelpRequest, RequestStatus
from db.users import acting_roles
from handlers.common import first_name
from handlers.requests.common import ReleasedByVolunteer, announce_back, ref, router
from handlers.types import Community


def may_help(user: User, community: Community) -> bool:
    """True while ``user`` acts as a volunteer (``acting_roles``, the rule that let them claim):
    they hold the role, or are an admin (the settings' admins are in the roles table)."""
    return bool(user.role_names & acting_roles(Role.VOLUNTEER))


def withdraw(
    session: Session, community: Community, volunteer: User, *, now: datetime
) -> list[str]:
    """Release every request ``volunteer`` holds; the references released."""
    released = []
    for request in store.held_by(session, volunteer):
        result = store.release(session, request.id, volunteer, now=now)
        if not result.done or result.request is None:
            continue
        announce_back(session, community, result.request, now, "released")
        resident = session.get(User, result.request.resident_id)
        if resident is not None:
            outbox.enqueue_to_user(
                session,
                resident,
                params=ReleasedByVolunteer(
                    ref=ref(result.request), volunteer=first_name(volunteer)
                ),
                now=now,
            )
        released.append(ref(result.request))
    return released


def withdraw_unless_allowed(
    session: Session, community: Community, user: User | None, *, blocked: bool, now: datetime
) -> list[str]:
    """After a role was revoked or a block set: release what ``user`` holds if they may no
    longer help (blocked and not an admin, or no longer acting as a volunteer)."""
    if user is None:
        return []
    admin = Role.ADMIN in user.role_names
    if (blocked and not admin) or not may_help(user, community):
        return withdraw(session, community, user, now=now)
    return []


@router.sweep("rq.orphans")
def release_orphans(session: Session, community: Community, now: datetime) -> None:
    """Requests held by someone who may no longer help go back to the queue (the room and
    the resident are told, as on ``/release``). An admin keeps what they claimed."""
    holders = session.scalars(
        select(User).where(
            User.id.in_(
                select(HelpRequest.volunteer_id).where(
                    HelpRequest.status == RequestStatus.IN_PROGRESS
                )
            )
        )
    ).all()
    for user in holders:
        blocked = is_blocked(session, user.id)
        withdraw_unless_allowed(session, community, user, blocked=blocked, now=now)
