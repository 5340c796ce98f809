"""``/teamstats`` for admins: how the team keeps its promise of timely answers — open requests,
median time to claim and to resolve, ratings, week by week. Medians are computed here from the
rows, which is plenty at a community's scale."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from statistics import median

from sqlalchemy import select

from db.requests.models import HelpRequest, RequestStatus
from handlers.i18n import N_
from handlers.requests.common import router
from handlers.types import Ctx

WEEKS_SHOWN = 8


def _duration(ctx: Ctx, values: list[timedelta]) -> str:
    """A median duration as "1 h 05 min" / "12 min", or a dash when there is none."""
    if not values:
        return "—"
    minutes = int(median(v.total_seconds() for v in values) // 60)
    if minutes < 60:
        return ctx._("{minutes} min").format(minutes=minutes)
    return ctx._("{hours} h {minutes} min").format(
        hours=minutes // 60, minutes=f"{minutes % 60:02d}"
    )


def _week_start(moment: datetime, ctx: Ctx) -> datetime:
    """Monday 00:00 (community time) of the week ``moment`` falls in."""
    local = ctx.lang.local(moment)
    return (local - timedelta(days=local.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0
    )


@router.command(
    "teamstats", description=N_("The volunteer team's numbers"), role="admin", private_only=True
)
def team_stats(ctx: Ctx, args: str) -> None:
    """``/teamstats``: open and in-progress counts, then each recent week's numbers."""
    rows = ctx.session.scalars(select(HelpRequest)).all()
    open_count = sum(r.status == RequestStatus.OPEN for r in rows)
    in_progress = sum(r.status == RequestStatus.IN_PROGRESS for r in rows)
    lines = [
        ctx._("Volunteer help requests"),
        ctx._("Waiting for a volunteer: {open}. In progress: {busy}.").format(
            open=open_count, busy=in_progress
        ),
    ]
    weeks: dict[datetime, list[HelpRequest]] = defaultdict(list)
    for row in rows:
        weeks[_week_start(row.created_at, ctx)].append(row)
    if not weeks:
        lines.append(ctx._("No requests yet."))
    for start in sorted(weeks, reverse=True)[:WEEKS_SHOWN]:
        batch = weeks[start]
        to_claim = [r.first_claimed_at - r.created_at for r in batch if r.first_claimed_at]
        to_resolve = [
            r.resolved_at - r.created_at
            for r in batch
            if r.status == RequestStatus.RESOLVED and r.resolved_at
        ]
        ratings = [r.rating for r in batch if r.rating]
        average = ctx.lang.number(round(sum(ratings) / len(ratings), 1)) if ratings else "—"
        lines.append("")
        lines.append(
            ctx.lang.ngettext(
                "Week of {date}: {count} request, {resolved} resolved",
                "Week of {date}: {count} requests, {resolved} resolved",
                len(batch),
            ).format(date=ctx.lang.date(start), count=len(batch), resolved=len(to_resolve))
        )
        lines.append(
            ctx._("Median time to claim: {claim}. Median time to resolve: {resolve}.").format(
                claim=_duration(ctx, to_claim), resolve=_duration(ctx, to_resolve)
            )
        )
        lines.append(
            ctx._("Ratings: {average} on average from {count}.").format(
                average=average, count=len(ratings)
            )
        )
    ctx.reply("\n".join(lines))
