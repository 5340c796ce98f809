"""Service hours: the volunteer team's opening time each day, in the community's zone. The
escalation clocks count only time inside them, so a request filed at night waits for morning
without anyone being told it is late."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo


def _windows(start: datetime, end: datetime, hours: tuple[time, time], tz: ZoneInfo):
    """The service-hours windows (aware, in ``tz``) of every local day from ``start`` to
    ``end``."""
    opens, closes = hours
    day = start.astimezone(tz).date() - timedelta(days=1)
    last = end.astimezone(tz).date()
    while day <= last:
        yield (
            datetime.combine(day, opens, tzinfo=tz),
            datetime.combine(day, closes, tzinfo=tz),
        )
        day += timedelta(days=1)


def service_time_between(
    start: datetime, end: datetime, hours: tuple[time, time], tz: ZoneInfo
) -> timedelta:
    """How much of the time from ``start`` to ``end`` fell inside service hours."""
    total = timedelta()
    if end <= start:
        return total
    for window_start, window_end in _windows(start, end, hours, tz):
        overlap = min(end, window_end) - max(start, window_start)
        if overlap > timedelta():
            total += overlap
    return total


def in_service_hours(moment: datetime, hours: tuple[time, time], tz: ZoneInfo) -> bool:
    """True if ``moment`` is within service hours."""
    local = moment.astimezone(tz).timetz().replace(tzinfo=None)
    return hours[0] <= local < hours[1]


def next_opening(moment: datetime, hours: tuple[time, time], tz: ZoneInfo) -> datetime:
    """When service hours next begin at or after ``moment`` (``moment`` itself inside them)."""
    if in_service_hours(moment, hours, tz):
        return moment
    local = moment.astimezone(tz)
    opening = datetime.combine(local.date(), hours[0], tzinfo=tz)
    if opening <= local:
        opening += timedelta(days=1)
    return opening
