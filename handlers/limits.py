"""Per-person limits against abuse: how many help requests one person may have open, dispute
reports they may file in a day, event signups they may make in an hour (``Community.limit_*``,
from ``LINLI_LIMIT_*``; 0 means no limit), and one ceiling for the whole community: anonymous
dispute reports per hour (a handful of accounts cannot flood the mediators unseen). A person
over a limit is told so in their language, with when they can try again; nothing reaches the
teams.

Each check runs when the flow starts and again at its submit (a form opened before the limit
was reached cannot pass it). The counts come from the service tables themselves, so they hold
across workers with no counter of their own.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import ColumnElement, func, or_, select, text

from db.dialects import on_postgresql
from db.disputes.models import DisputeCase
from db.events.models import EventSignup
from db.requests.models import HelpRequest, RequestStatus
from handlers.forms.fields import Invalid
from handlers.i18n import Np_
from handlers.types import Ctx

OPEN_REQUESTS = Np_(
    "You already have {count} open help request, the most one person can have at once. "
    "Please wait until it is resolved, or cancel it in /myrequests.",
    "You already have {count} open help requests, the most one person can have at once. "
    "Please wait until one is resolved, or cancel one in /myrequests.",
)
REPORTS_PER_DAY = Np_(
    "You have sent {count} dispute report in the last 24 hours, the most one person can send. "
    "Please try again tomorrow. In an emergency, call 110, 119 or 120.",
    "You have sent {count} dispute reports in the last 24 hours, the most one person can send. "
    "Please try again tomorrow. In an emergency, call 110, 119 or 120.",
)
ANONYMOUS_PER_HOUR = Np_(
    "The mediators received {count} anonymous report in the last hour, the most the community "
    "takes. Please try again in an hour, or send this report with your name. "
    "In an emergency, call 110, 119 or 120.",
    "The mediators received {count} anonymous reports in the last hour, the most the community "
    "takes. Please try again in an hour, or send this report with your name. "
    "In an emergency, call 110, 119 or 120.",
)
SIGNUPS_PER_HOUR = Np_(
    "You have signed up {count} time in the last hour, the most one person can. "
    "Please try again in an hour.",
    "You have signed up {count} times in the last hour, the most one person can. "
    "Please try again in an hour.",
)


def _over_limit(
    ctx: Ctx, limit: int, message: tuple[str, str], model: type, *where: ColumnElement[bool]
) -> Invalid | None:
    """``message`` when this person has ``limit`` or more rows of ``model`` matching ``where``."""
    if not limit:
        return None
    count = ctx.session.scalar(select(func.count()).select_from(model).where(*where))
    return Invalid(message, count=limit) if (count or 0) >= limit else None


def open_requests_message(ctx: Ctx) -> Invalid | None:
    """Why this person may not file another help request now, or None."""
    return _over_limit(
        ctx,
        ctx.community.limit_open_requests,
        OPEN_REQUESTS,
        HelpRequest,
        HelpRequest.resident_id == ctx.user.id,
        HelpRequest.status.in_((RequestStatus.OPEN, RequestStatus.IN_PROGRESS)),
    )


def reports_message(ctx: Ctx) -> Invalid | None:
    """Why this person may not file another dispute report now, or None."""
    return _over_limit(
        ctx,
        ctx.community.limit_reports_per_day,
        REPORTS_PER_DAY,
        DisputeCase,
        DisputeCase.reporter_id == ctx.user.id,
        DisputeCase.created_at > ctx.now - timedelta(days=1),
    )


#: The transaction-level advisory lock that makes anonymous reports count one at a time on
#: PostgreSQL (SQLite's ``BEGIN IMMEDIATE`` already does).
ANONYMOUS_LOCK = 0x4C494E4C  # "LINL"


def anonymous_reports_message(ctx: Ctx) -> Invalid | None:
    """Why nobody may file another anonymous dispute report now (the community-wide ceiling
    per hour, on top of each person's own limit), or None. Held until the transaction ends,
    so two reports at once cannot both take the last place."""
    limit = ctx.community.limit_anonymous_reports_per_hour
    if not limit:
        return None
    if on_postgresql(ctx.session):
        ctx.session.execute(
            text("SELECT pg_advisory_xact_lock(:key, hashtext(current_schema()))"),
            {"key": ANONYMOUS_LOCK},
        )
    return _over_limit(
        ctx,
        limit,
        ANONYMOUS_PER_HOUR,
        DisputeCase,
        DisputeCase.anonymous.is_(True),
        DisputeCase.created_at > ctx.now - timedelta(hours=1),
    )


def signups_message(ctx: Ctx, signups: Sequence[EventSignup] | None = None) -> Invalid | None:
    """Why this person may not sign up for another event now, or None. ``signups``: theirs,
    already read (``event_reads.user_signups``), counted here without asking again."""
    since = ctx.now - timedelta(hours=1)
    limit = ctx.community.limit_signups_per_hour
    if signups is not None:
        recent = sum(1 for s in signups if s.created_at > since or s.updated_at > since)
        return Invalid(SIGNUPS_PER_HOUR, count=limit) if limit and recent >= limit else None
    return _over_limit(
        ctx,
        ctx.community.limit_signups_per_hour,
        SIGNUPS_PER_HOUR,
        EventSignup,
        EventSignup.user_id == ctx.user.id,
        or_(EventSignup.created_at > since, EventSignup.updated_at > since),
    )


def refused(ctx: Ctx, reason: Invalid | None) -> bool:
    """Tell the person why (and return True) when ``reason`` is a limit they reached."""
    if reason is None:
        return False
    ctx.reply(reason.text(ctx))
    return True
