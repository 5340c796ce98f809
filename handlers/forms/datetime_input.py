"""Reading a date and time that someone typed into the chat, in Chinese or English.

Full-width characters (``１２：００``, ``，``, ideographic space) are accepted; case and extra
spaces do not matter. A date comes first, then a time, optionally separated by a comma, ``at``
or ``@``. Accepted dates:

- with a year: ``2026-12-24``, ``2026/12/24``, ``2026.12.24``, ``24.12.2026`` (day.month.year),
  ``2026年12月24日``, ``24 December 2026``, ``Dec 24, 2026``;
- without a year, month first: ``12/24``, ``12-24``, ``12月24日``, ``12月24号``, ``十二月二十四日``,
  ``Dec 24``, ``December 24th``, ``24 Dec``; day first where the first number cannot be a month
  (``24/12``);
- relative: ``today``, ``tonight``, ``tomorrow``, ``day after tomorrow``, ``今天``, ``明天``,
  ``后天``, ``大后天``, ``今晚`` / ``明晚`` (= 今天晚上 / 明天晚上);
- a day of the week in Chinese: ``周六``, ``星期六``, ``礼拜六``, ``週六`` (the next one, today
  included while the time is ahead), ``本周日`` / ``这周日`` (this week's, Monday to Sunday),
  ``下周六`` (next week's), ``周末`` (Saturday);
- in English, what the forms above do not cover (``Sat 3pm``, ``Friday afternoon``,
  ``next Monday 10am``, ``in 3 days at 2pm``) is read by ``dateparser`` (English only): only
  where a weekday or ``next``/``this``/``in`` is named, so a stray number is never a date.

After a relative day or a day of the week a part of the day alone is a time: ``morning`` /
``上午`` 09:00, ``noon`` / ``中午`` 12:00, ``afternoon`` / ``下午`` 15:00, ``evening`` / ``傍晚``
18:00, ``晚上`` 19:00, ``早上`` 08:00 (``明天下午``, ``本周日上午``, ``tomorrow afternoon``,
``12月24日晚上``): a proposal, which the form echoes with its Change button.

Accepted times: ``19:00``, ``19:00:30``, ``7pm``, ``7:30 pm``, ``7.30pm``, ``7 a.m.``,
``晚上7:30``, ``19点``, ``19时30分``, ``下午3点半``, ``上午10点15分``, ``八点一刻``,
``十点零五分``, ``7点钟``.

Rules:

- A date without a time uses the caller's default time; if there is none, nothing is returned.
- A time without a date means today if that moment is still ahead, otherwise tomorrow.
- A date without a year means this year, also when it has passed in the last half year (the
  form then says so: ``12月1日已经过去了``, never moving it to next year); further back, next
  year (on 30 December, ``1/2 10:00`` is 2 January of the next year).
- ``12am`` is 00:00 and ``12pm`` is 12:00. 凌晨 12点 is 00:00; 早上/上午 12点 is 12:00;
  中午 11点/12点 stay as written and 中午 1–5点 are 13:00–17:00; 下午/傍晚/晚上 add 12 to
  1–11点; 下午/傍晚 12点 is 12:00 and 晚上 12点 is the midnight that ends that day (00:00 of the
  next day). A 24-hour time after a period (``晚上19:00``) is kept if it agrees with it.
- Two-digit years, impossible dates and times (``2026-02-30``, ``24:00``, ``12:61``) and any
  unrecognised leftover words are refused.
- In a zone with daylight saving time, a wall-clock time that does not exist (the hour skipped
  in spring) or exists twice (autumn) is read with ``fold=0``: the offset in force before the
  change. So in Berlin ``2026-03-29 02:30`` is 02:30+01:00, i.e. the instant 03:30+02:00.

Durations are read by ``db.durations.parse_duration``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from db.durations import CN_DIGITS as _CN_DIGITS
from db.durations import CN_NUMERALS as _CN
from db.durations import cn_int as _cn_int

_NUM = rf"\d{{1,2}}|[{_CN}]{{1,3}}"  # a number written with digits or Chinese numerals
_PERIOD = "凌晨|早上|早晨|上午|中午|下午|傍晚|晚上"
_MONTH = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b"
)
_MONTHS = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
_RELATIVE = {
    "today": 0,
    "tonight": 0,
    "tomorrow": 1,
    "tmr": 1,
    "the day after tomorrow": 2,
    "day after tomorrow": 2,
    "今天": 0,
    "今日": 0,
    "明天": 1,
    "明日": 1,
    "后天": 2,
    "後天": 2,
    "大后天": 3,
}

Ymd = tuple[int | None, int | None, int | None]
#: A date without a year this far in the past is that date, passed (refused with its reason,
#: never moved to next year); further back it is next year's (on 30 December, 1/2 is January).
PAST_WINDOW = timedelta(days=183)

_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "末": 5}
_WEEK = "周|週|星期|礼拜|禮拜"
#: What a part of the day alone means after a relative day or a weekday (hour).
_PART_OF_DAY = {
    "早上": 8,
    "早晨": 8,
    "上午": 9,
    "中午": 12,
    "下午": 15,
    "傍晚": 18,
    "晚上": 19,
    "morning": 9,
    "noon": 12,
    "midday": 12,
    "afternoon": 15,
    "evening": 18,
}


def _weekday(m: re.Match[str], today: date) -> Ymd:
    """本周X: this week's (Monday to Sunday); 下周X: next week's; 周X: the next one from today
    (``parse_datetime`` moves it a week on if that moment has passed)."""
    which, day = m[1] or "", _WEEKDAYS[m[2]]
    monday = today - timedelta(days=today.weekday())
    if which.startswith(("下", "next")):
        d = monday + timedelta(days=7 + day)
    elif which:
        d = monday + timedelta(days=day)
    else:
        d = today + timedelta(days=(day - today.weekday()) % 7)
    return (d.year, d.month, d.day)


def _ymd(year: str | None, month: str, day: str) -> Ymd:
    return (int(year) if year else None, _cn_int(month), _cn_int(day))


def _month_first(first: str, second: str) -> Ymd:
    """``12/24`` is 24 December; ``24/12`` can only be the same day written day first."""
    if int(first) > 12 >= int(second):
        return (None, int(second), int(first))
    return (None, int(first), int(second))


def _relative(word: str, today: date) -> Ymd:
    d = today + timedelta(days=_RELATIVE[word])
    return (d.year, d.month, d.day)


# Date forms, tried in order against the start of the text; what follows must be a time.
_DATE_FORMS: list[tuple[re.Pattern[str], Callable[[re.Match[str], date], Ymd]]] = [
    # Year first, one separator throughout: "2026-12-24", "2026/12/24", "2026.12.24"
    (re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?!\d)"), lambda m, _: _ymd(m[1], m[3], m[4])),
    # European day.month.year: "24.12.2026"
    (re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})(?!\d)"), lambda m, _: _ymd(m[3], m[2], m[1])),
    # Chinese: "2026年12月24日", "12月24号", "十二月二十四日"
    (
        re.compile(rf"(?:(\d{{4}})\s*年\s*)?({_NUM})\s*月\s*({_NUM})(?:\s*[日号號]|(?![\d{_CN}]))"),
        lambda m, _: _ymd(m[1], m[2], m[3]),
    ),
    # Month first, no year: "12/24", "12-24"; day first where the first cannot be a month
    # ("24/12 19:00")
    (re.compile(r"(\d{1,2})[/-](\d{1,2})(?![\d/.:-])"), lambda m, _: _month_first(m[1], m[2])),
    # English, month first: "Dec 24", "December 24th, 2026"
    (
        re.compile(rf"{_MONTH}\.?\s*(\d{{1,2}})(?:st|nd|rd|th)?(?:\s*,?\s*(\d{{4}}))?(?![\d:])"),
        lambda m, _: (int(m[3]) if m[3] else None, _MONTHS[m[1][:3]], int(m[2])),
    ),
    # English, day first: "24 Dec", "24 December 2026"
    (
        re.compile(rf"(\d{{1,2}})(?:st|nd|rd|th)?\s*{_MONTH}\.?(?:\s*,?\s*(\d{{4}}))?(?![\d:])"),
        lambda m, _: (int(m[3]) if m[3] else None, _MONTHS[m[2][:3]], int(m[1])),
    ),
    # Relative: "today", "tomorrow", "明天", "后天"
    (
        re.compile("(" + "|".join(sorted(_RELATIVE, key=len, reverse=True)) + ")(?![a-z])"),
        lambda m, today: _relative(m[1], today),
    ),
    # A day of the week: "周六", "本周日", "这个星期天", "下周六", "下礼拜三", "周末"
    (
        re.compile(rf"((?:下|本|这|這)(?:个|個)?)?(?:{_WEEK})\s*([一二三四五六日天末])"),
        _weekday,
    ),
]
#: The bare weekday (a moment already past means the same day next week).
_BARE_WEEKDAY = len(_DATE_FORMS) - 1
# Between date and time: spaces, a comma, "at" or "@".
_SEPARATOR = re.compile(r"[\s,]*(?:(?:at\b|@)\s*)?")
# Clock time: "19:00", "19:00:30", "7pm", "7:30 pm", "晚上7:30"
_CLOCK = re.compile(
    rf"(?:({_PERIOD})\s*)?(\d{{1,2}})(?:[:.](\d{{2}})(?::(\d{{2}}))?)?(?:\s*([ap])m)?"
)
# Chinese time: "19点", "下午3点半", "上午10点15分", "八点一刻", "7点钟"
_CN_CLOCK = re.compile(
    rf"(?:({_PERIOD})\s*)?({_NUM})\s*[点點时時]\s*(?:(半)|([一三])刻|({_NUM})\s*分?|钟|整)?"
)


def _apply_period(hour: int, period: str | None) -> int | None:
    """The 24-hour hour for `hour` said with `period` ('a'/'p' for am/pm, or a Chinese period).

    May return 24: 晚上12点 is the midnight that ends the day. See the module docstring."""
    if not period:
        return hour if hour <= 23 else None
    if period in ("a", "p"):
        return hour % 12 + (12 if period == "p" else 0) if 1 <= hour <= 12 else None
    if hour >= 13:  # already 24-hour, as in "晚上19:00": fine if it is not a morning period
        return hour if hour <= 23 and period in ("中午", "下午", "傍晚", "晚上") else None
    if period == "凌晨":
        return hour % 12
    if period in ("早上", "早晨", "上午"):
        return hour
    if period == "中午":
        return hour if hour in (11, 12) else hour + 12 if 1 <= hour <= 5 else None
    if hour == 12:  # 下午/傍晚/晚上
        return 24 if period == "晚上" else 12
    return hour + 12 if hour >= 1 else None


def _parse_time(s: str) -> tuple[time, int] | None:
    """The time of day `s` names and how many days it carries over (1 for 晚上12点), or None."""
    if m := _CLOCK.fullmatch(s):
        period, hour, minute, second, ampm = m.groups()
        if (minute is None and ampm is None) or (period and ampm):
            return None  # a bare "7" is not a time; "晚上7pm" is confused
        h, mi, se = _apply_period(int(hour), period or ampm), int(minute or 0), int(second or 0)
    elif m := _CN_CLOCK.fullmatch(s):
        period, hour, half, quarter, minute = m.groups()
        hour_value = _cn_int(hour)
        h = None if hour_value is None else _apply_period(hour_value, period)
        mi = 30 if half else 15 * _CN_DIGITS[quarter] if quarter else _cn_int(minute or "0")
        se = 0
    else:
        return None
    if h is None or mi is None or not 0 <= mi <= 59 or not 0 <= se <= 59:
        return None
    return time(h % 24, mi, se), h // 24


def _at(
    year: int, month: int | None, day: int | None, when: tuple[time, int], tz: ZoneInfo
) -> datetime | None:
    try:
        d = date(year, month or 0, day or 0)
    except ValueError:
        return None
    return datetime.combine(d + timedelta(days=when[1]), when[0], tzinfo=tz)


def _normalise(text: str) -> str:
    s = unicodedata.normalize("NFKC", text).lower()
    s = re.sub(r"\s+", " ", s).strip()
    s = re.sub(r"(?<=\d)t(?=\d)", " ", s)  # ISO "2026-12-24T19:00"
    s = re.sub(r"(?<![a-z])([ap])\.?m\b\.?", r"\1m", s)  # "a.m." → "am"
    return s.replace("今晚", "今天晚上").replace("明晚", "明天晚上")


def parse_datetime(
    text: str, *, now: datetime, tz: ZoneInfo, default_time: time | None = None
) -> datetime | None:
    """Return the moment `text` names, as an aware datetime in `tz`, or None if it is not
    understood. `now` must be aware; it is converted to `tz` to decide "today" and the year."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    s = _normalise(text)
    now_utc = now.astimezone(UTC)
    today = now.astimezone(tz).date()
    if not s:
        return None
    for index, (pattern, to_ymd) in enumerate(_DATE_FORMS):
        if not (m := pattern.match(s)):
            continue
        rest = _SEPARATOR.sub("", s[m.end() :], count=1)
        when = _parse_time(rest) if rest else (default_time, 0) if default_time else None
        if when is None and rest in _PART_OF_DAY:  # “12月24日晚上”: the hour proposed, echoed
            when = (time(_PART_OF_DAY[rest]), 0)
        if when is None:
            continue
        year, month, day = to_ymd(m, today)
        if index == _BARE_WEEKDAY and not m[1]:
            dt = _at(year or today.year, month, day, when, tz)
            return dt + timedelta(days=7) if dt is not None and dt <= now_utc else dt
        if year is not None:
            return _at(year, month, day, when, tz)
        this_year = _at(today.year, month, day, when, tz)
        if this_year is not None and this_year >= now_utc - PAST_WINDOW:
            return this_year  # ahead, or recently past: the caller says it has passed
        return _at(today.year + 1, month, day, when, tz)
    if (when := _parse_time(s)) is None:
        return _english(s, now, tz, default_time)
    dt = _at(today.year, today.month, today.day, when, tz)
    if dt is not None and dt <= now_utc:
        dt = _at(today.year, today.month, today.day, (when[0], when[1] + 1), tz)
    return dt


_NUMERIC_DAY = re.compile(r"\s*(\d{1,2})[/-](\d{1,2})(?![\d/.:-])(.*)", re.DOTALL)


def day_month_swapped(text: str) -> str | None:
    """``12/5 3pm`` → ``5/12 3pm``: the other reading of a numeric date with no year whose two
    numbers could each be the month (both 1–12, not equal); None when there is no doubt."""
    m = _NUMERIC_DAY.fullmatch(unicodedata.normalize("NFKC", text))
    if m is None or m[1] == m[2] or not (1 <= int(m[1]) <= 12 and 1 <= int(m[2]) <= 12):
        return None
    return f"{m[2]}/{m[1]}{m[3]}"


# English read by dateparser: only with a weekday, or "next"/"this"/"in" (see the docstring).
_ENGLISH_CUE = re.compile(r"\b(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*|next|this|in|weekend)\b")
_TIME_CUE = re.compile(r"\d|\b(?:morning|noon|midday|afternoon|evening|tonight|midnight)\b")
_EN_SETTINGS = {"PREFER_DATES_FROM": "future", "RETURN_AS_TIMEZONE_AWARE": False}


def _english(s: str, now: datetime, tz: ZoneInfo, default_time: time | None) -> datetime | None:
    """``Sat 3pm``, ``Friday afternoon``, ``next Monday 10am`` through ``dateparser``; None
    for anything without a weekday or next/this/in, or that names no time (without a
    default), or that is not a single day."""
    if not s.isascii() or not _ENGLISH_CUE.search(s) or re.search(r"\d[/.-]\d", s):
        return None
    from dateparser.date import DateDataParser  # imported on first use: ~0.1 s

    base = now.astimezone(tz).replace(tzinfo=None)
    parser = DateDataParser(languages=["en"], settings={**_EN_SETTINGS, "RELATIVE_BASE": base})
    found = parser.get_date_data(s)
    if found.date_obj is None or found.period != "day":
        return None
    moment = found.date_obj
    if not _TIME_CUE.search(s):  # a day without a time: the default time, or nothing
        if default_time is None:
            return None
        moment = datetime.combine(moment.date(), default_time)
    return moment.replace(tzinfo=tz, fold=0)
