"""An offer's clock pauses in the quiet hours, and a declined offer can be undone for a minute."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from handlers.events.offers import awake_deadline
from handlers.types import Community

SHANGHAI = ZoneInfo("Asia/Shanghai")
COMMUNITY = Community(timezone=SHANGHAI, default_locale="en")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("start", "expires"),
    [
        (at(3, 9), at(3, 21)),  # a day offer: 12 hours, no pause
        (at(3, 21, 30), at(4, 19, 30)),  # half an hour tonight, 11.5 hours tomorrow
        (at(3, 23), at(4, 20)),  # made in the quiet hours: starts at 08:00
        (at(4, 3), at(4, 20)),
        (at(3, 14), at(4, 12)),  # 8 hours today, 4 tomorrow
    ],
)
def test_the_clock_stops_in_the_quiet_hours(start, expires):
    assert awake_deadline(COMMUNITY, start, timedelta(hours=12)) == expires


def test_quiet_hours_in_the_day_and_none():
    lunch = replace(COMMUNITY, quiet_hours=(time(12), time(14)))
    assert awake_deadline(lunch, at(3, 11), timedelta(hours=2)) == at(3, 15)
    never = replace(COMMUNITY, quiet_hours=(time(0), time(0)))
    assert awake_deadline(never, at(3, 23), timedelta(hours=12)) == at(4, 11)
