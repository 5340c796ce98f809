"""China's public holidays and make-up working days, from ``chinesecalendar``: one place for
the volunteer team's service hours (``handlers/requests/hours.py``) and the 五及 report's
working days (``handlers/stats/periods.py``).

A *public holiday* is a day of the State Council's holidays (国庆, 春节…, weekends inside them
included). The team is closed on those; a make-up working day (调休, a Saturday or Sunday
worked) is an ordinary open day. ``LINLI_HOLIDAYS=off`` turns holidays off for service hours.

On top of the package: the days admins keep (``linli holidays add|remove|list``, table
``kept_days``), for a year the package does not know yet (it learns each year's holidays from
the State Council's notice, with a release some weeks later). A kept day wins over the
package's; a year is covered when the package knows it or an admin kept a holiday in it.
``handlers/holidays.py`` loads them (at start and every minute) and, from 1 December, tells
the admins once a week while next year is not covered.
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
#: The days admins keep: True a public holiday, False a make-up working day.
_kept: dict[date, bool] = {}


def set_kept(days: dict[date, bool]) -> None:
    """Replace the days admins keep (``handlers/holidays.py`` loads them from the database)."""
    if days != _kept:
        _kept.clear()
        _kept.update(days)
        _holidays.cache_clear()


def package_knows(year: int) -> bool:
    """Whether ``chinesecalendar`` has the holidays of ``year``."""
    return year <= max(chinese_calendar.holidays).year


def covers(year: int) -> bool:
    """Whether the holidays of ``year`` are known: from the package or kept by an admin."""
    return package_knows(year) or any(holiday and d.year == year for d, holiday in _kept.items())


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
    days = set(chinese_calendar.holidays) | {d for d, holiday in _kept.items() if holiday}
    return tuple(sorted(days - {d for d, holiday in _kept.items() if not holiday}))


def _known(day: date) -> bool:
    if not covers(day.year):
        _warn_unknown(day.year)
        return False
    return True


def is_public_holiday(day: date) -> bool:
    """True on a public holiday in mainland China (False for a year not known yet)."""
    if day in _kept:
        return _kept[day]
    return _known(day) and day in chinese_calendar.holidays


def holidays_before(day: date) -> int:
    """How many public holidays fall before ``day`` (from the first year known)."""
    return bisect_left(_holidays(), day)


def is_working_day(day: date) -> bool:
    """A working day in mainland China: Monday to Friday except public holidays, and the
    weekends worked instead; Monday to Friday for a year not known yet (warned once)."""
    if day in _kept:
        return not _kept[day]
    if not _known(day) or not package_knows(day.year):  # unknown, or kept by admins only
        return day.weekday() < 5
    return bool(chinese_calendar.is_workday(day))
