"""An offer's clock: it runs only outside the community's quiet hours (``LINLI_QUIET_HOURS``,
the hours notices wait out), so a place offered at 21:30 is not lost while the person sleeps."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from handlers.quiet import quiet_end
from handlers.types import Community


def next_quiet_start(community: Community, moment: datetime) -> datetime:
    """The next time the quiet hours begin after ``moment`` (which is outside them)."""
    start = community.quiet_hours[0]
    local = moment.astimezone(community.timezone)
    begins = local.replace(hour=start.hour, minute=start.minute, second=0, microsecond=0)
    if begins <= local:
        begins += timedelta(days=1)
    return begins.astimezone(moment.tzinfo)


def awake_deadline(community: Community, start: datetime, window: timedelta) -> datetime:
    """``start`` plus ``window`` of time outside the quiet hours."""
    if community.quiet_hours[0] == community.quiet_hours[1]:
        return start + window
    moment, left = start, window
    while True:
        moment = quiet_end(community, moment)
        pause = next_quiet_start(community, moment)
        if moment + left <= pause:
            return moment + left
        left -= pause - moment
        moment = pause


def offer_clock(community: Community) -> Callable[[datetime, timedelta], datetime]:
    """The ``deadline`` the event operations use for new offers."""
    return lambda start, window: awake_deadline(community, start, window)
