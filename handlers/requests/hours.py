"""Service hours: the volunteer team's opening time each day, in the community's zone,
closed on China's public holidays (``handlers/workdays.py``) unless ``holidays`` is False
(``LINLI_HOLIDAYS=off``). The escalation clocks count only time inside them, so a request filed
at night (or on National Day) waits for the next opening without anyone being told it is late."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from handlers.workdays import is_public_holiday


def _windows(
    start: datetime, end: datetime, hours: tuple[time, time], tz: ZoneInfo, holidays: bool
) -> Iterator[tuple[datetime, datetime]]:
    """The service-hours windows (aware, in ``tz``) of every open local day from ``start`` to
    ``end``."""
    opens, closes = hours
    day = start.astimezone(tz).date() - timedelta(days=1)
    last = end.astimezone(tz).date()
    while day <= last:
        if not (holidays and is_public_holiday(day)):
            yield (
                datetime.combine(day, opens, tzinfo=tz),
                datetime.combine(day, closes, tzinfo=tz),
            )
        day += timedelta(days=1)


def service_time_between(
    start: datetime,
    end: datetime,
    hours: tuple[time, time],
    tz: ZoneInfo,
    *,
    holidays: bool = True,
) -> timedelta:
    """How much of the time from ``start`` to ``end`` fell inside service hours."""
    total = timedelta()
    if end <= start:
        return total
    for window_start, window_end in _windows(start, end, hours, tz, holidays):
        overlap = min(end, window_end) - max(start, window_start)
        if overlap > timedelta():
            total += overlap
    return total


def in_service_hours(
    moment: datetime, hours: tuple[time, time], tz: ZoneInfo, *, holidays: bool = True
) -> bool:
    """True if ``moment`` is within service hours."""
    local = moment.astimezone(tz)
    if holidays and is_public_holiday(local.date()):
        return False
    return hours[0] <= local.timetz().replace(tzinfo=None) < hours[1]


def next_opening(
    moment: datetime, hours: tuple[time, time], tz: ZoneInfo, *, holidays: bool = True
) -> datetime:
    """When service hours next begin at or after ``moment`` (``moment`` itself inside them)."""
    if in_service_hours(moment, hours, tz, holidays=holidays):
        return moment
    local = moment.astimezone(tz)
    opening = datetime.combine(local.date(), hours[0], tzinfo=tz)
    if opening <= local:
        opening += timedelta(days=1)
    for _ in range(60):  # the longest holiday is 8 days; 60 is a bound, never reached
        if not (holidays and is_public_holiday(opening.date())):
            break
        opening = datetime.combine(opening.date() + timedelta(days=1), hours[0], tzinfo=tz)
    return opening
