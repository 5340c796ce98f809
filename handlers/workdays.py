"""China's public holidays and make-up working days, from ``chinesecalendar``: one place for
the volunteer team's service hours (``handlers/requests/hours.py``) and the 五及 report's
working days (``handlers/stats/periods.py``).

A *public holiday* is a day of the State Council's holidays (国庆, 春节…, weekends inside them
included). The team is closed on those; a make-up working day (调休, a Saturday or Sunday
worked) is an ordinary open day. ``LINLI_HOLIDAYS=off`` turns holidays off for service hours.
"""

from __future__ import annotations

import logging
from bisect import bisect_left
from datetime import date
from functools import cache

import chinese_calendar

log = logging.getLogger(__name__)

#: The values of ``LINLI_HOLIDAYS``: mainland China's public holidays, or none.
HOLIDAY_CALENDARS = ("cn", "off")

_warned_years: set[int] = set()


def _warn_unknown(year: int) -> None:
    if year not in _warned_years:
        _warned_years.add(year)
        log.warning(
            "chinesecalendar has no holidays for %d yet: no public holidays counted, weekdays "
            "count as working days (upgrade the package)",
            year,
        )


@cache
def _holidays() -> tuple[date, ...]:
    return tuple(sorted(chinese_calendar.holidays))


def _known(day: date) -> bool:
    known = _holidays()[-1].year
    if day.year > known:
        _warn_unknown(day.year)
        return False
    return True


def is_public_holiday(day: date) -> bool:
    """True on a public holiday in mainland China (False for a year not known yet)."""
    return _known(day) and day in chinese_calendar.holidays


def holidays_before(day: date) -> int:
    """How many public holidays fall before ``day`` (from the first year known)."""
    return bisect_left(_holidays(), day)


def is_working_day(day: date) -> bool:
    """A working day in mainland China: Monday to Friday except public holidays, and the
    weekends worked instead; Monday to Friday for a year not known yet (warned once)."""
    if not _known(day):
        return day.weekday() < 5
    return bool(chinese_calendar.is_workday(day))
