"""The periods a report covers (a week from Monday, a calendar month, in community time), the
day the monthly report is due (the first working day, China's public holidays respected), and
a fast service-hours clock for measuring many durations at once."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from db.durations import cn_int
from handlers.workdays import holidays_before, is_public_holiday, is_working_day

WEEK, MONTH = "week", "month"
#: Weeks in the trend drawn under the measures.
TREND_WEEKS = 12


@dataclass(frozen=True, slots=True)
class Period:
    """``kind`` (week or month) from ``start`` to ``end`` (exclusive), local dates."""

    kind: str
    start: date
    end: date

    def utc(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """The period's bounds as aware UTC datetimes."""
        return midnight(self.start, tz), midnight(self.end, tz)

    def previous(self) -> Period:
        """The period of the same kind just before this one."""
        if self.kind == WEEK:
            return week_of(self.start - timedelta(days=7))
        return month_of(self.start - timedelta(days=1))

    @property
    def slug(self) -> str:
        """``2026-11`` or ``2026-W47``, for file names."""
        if self.kind == MONTH:
            return f"{self.start:%Y-%m}"
        year, week, _ = self.start.isocalendar()
        return f"{year}-W{week:02d}"


def midnight(day: date, tz: ZoneInfo) -> datetime:
    """00:00 of ``day`` in ``tz``, as UTC."""
    return datetime.combine(day, time(), tzinfo=tz).astimezone(UTC)


def week_of(day: date) -> Period:
    """The week (Monday to Sunday) that contains ``day``."""
    start = day - timedelta(days=day.weekday())
    return Period(WEEK, start, start + timedelta(days=7))


def month_of(day: date) -> Period:
    """The calendar month that contains ``day``."""
    start = day.replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1)
    return Period(MONTH, start, end)


MONTH_NAMES = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip
_CHINESE_MONTH = re.compile(r"(?:(\d{4})\s*年\s*)?([一二三四五六七八九十]{1,3}|\d{1,2})\s*月份?")
_ENGLISH_MONTH = re.compile(r"([a-z]{3,9})\.?(?:\s*,?\s*(\d{4}))?")


def parse_month(text: str, today: date | None = None) -> Period | None:
    """``2026-11``, ``十一月``, ``11月``, ``2026年11月``, ``November``, ``Nov 2026`` → that month
    (without a year: the latest one not after ``today``); None when it is not a month."""
    said = text.strip().casefold()
    try:
        return month_of(datetime.strptime(said, "%Y-%m").date())
    except ValueError:
        pass
    year: str | None = None
    month: int | None = None
    if found := _CHINESE_MONTH.fullmatch(said):
        year, month = found[1], cn_int(found[2])
    elif (found := _ENGLISH_MONTH.fullmatch(said)) and (
        found[1] in MONTH_NAMES or found[1] in [m[:3] for m in MONTH_NAMES] or found[1] == "sept"
    ):
        year, month = found[2], [m[:3] for m in MONTH_NAMES].index(found[1][:3]) + 1
    if month is None or not 1 <= month <= 12:
        return None
    if year is not None:
        return month_of(date(int(year), month, 1))
    today = today or date.today()
    return month_of(date(today.year if month <= today.month else today.year - 1, month, 1))


def trend_weeks(period: Period) -> list[Period]:
    """The ``TREND_WEEKS`` weeks ending with the one that holds the period's last day."""
    last = week_of(period.end - timedelta(days=1))
    return [week_of(last.start - timedelta(days=7 * n)) for n in range(TREND_WEEKS - 1, -1, -1)]


def first_working_day(year: int, month: int) -> date:
    """The first working day of a month."""
    day = date(year, month, 1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


class ServiceClock:
    """Service-hours time as one number per moment: ``seconds(b) - seconds(a)`` is the time
    inside service hours from ``a`` to ``b`` — what ``handlers.requests.hours.
    service_time_between`` says (public holidays closed unless ``holidays`` is False), in
    about constant time (a test holds the two together)."""

    __slots__ = ("_closes", "_holidays", "_length", "_opens", "_tz")

    def __init__(self, hours: tuple[time, time], tz: ZoneInfo, *, holidays: bool = True) -> None:
        self._opens = hours[0].hour * 3600 + hours[0].minute * 60
        self._closes = hours[1].hour * 3600 + hours[1].minute * 60
        self._length = self._closes - self._opens
        self._tz = tz
        self._holidays = holidays

    def seconds(self, moment: datetime) -> float:
        """Service seconds from a fixed origin to ``moment``."""
        offset = moment.astimezone(self._tz).utcoffset()
        local = moment.timestamp() + (offset.total_seconds() if offset else 0.0)
        day, into_day = divmod(local, 86400.0)
        inside = min(max(into_day - self._opens, 0.0), self._length)
        if self._holidays:
            today = _EPOCH + timedelta(days=int(day))
            day -= holidays_before(today)
            if is_public_holiday(today):
                inside = 0.0
        return day * self._length + inside

    def between(self, start: datetime, end: datetime) -> float:
        """Service seconds from ``start`` to ``end`` (0 when ``end`` is not later)."""
        return max(self.seconds(end) - self.seconds(start), 0.0)


_EPOCH = date(1970, 1, 1)
