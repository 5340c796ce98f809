"""The community's quiet hours (``LINLI_QUIET_HOURS``, community time, possibly across
midnight): notices wait until they end, and so do event offers. Shared by the services."""

from __future__ import annotations

from datetime import datetime, timedelta

from handlers.types import Community


def in_quiet_hours(community: Community, moment: datetime) -> bool:
    """True if ``moment`` falls in the quiet hours (community time; they may wrap midnight)."""
    start, end = community.quiet_hours
    local = moment.astimezone(community.timezone).time()
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end


def quiet_end(community: Community, moment: datetime) -> datetime:
    """When the quiet hours around ``moment`` end (``moment`` itself when it is not in them)."""
    if not in_quiet_hours(community, moment):
        return moment
    local = moment.astimezone(community.timezone)
    end = local.replace(
        hour=community.quiet_hours[1].hour,
        minute=community.quiet_hours[1].minute,
        second=0,
        microsecond=0,
    )
    if end <= local:
        end += timedelta(days=1)
    return end.astimezone(moment.tzinfo)
