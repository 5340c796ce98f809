from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from db.durations import parse_duration
from handlers.forms.datetime_input import parse_datetime

SH = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 26, 16, 0, tzinfo=SH)  # a Thursday afternoon


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)


ACCEPTED = [
    # ISO-ish with a year
    ("2026-12-24 19:00", sh(2026, 12, 24, 19, 0)),
    ("2026/12/24 19:00", sh(2026, 12, 24, 19, 0)),
    ("2026.12.24 19:00", sh(2026, 12, 24, 19, 0)),
    ("2026-12-24T19:00", sh(2026, 12, 24, 19, 0)),
    ("2026-12-24 19:00:30", sh(2026, 12, 24, 19, 0, 30)),
    ("2026-1-5 9:05", sh(2026, 1, 5, 9, 5)),  # explicit year: kept even if in the past
    ("  2026-12-24   19:00  ", sh(2026, 12, 24, 19, 0)),
    ("２０２６－１２－２４　１９：００", sh(2026, 12, 24, 19, 0)),  # full-width
    # without a year, month first; European day.month.year
    ("12/24 19:00", sh(2026, 12, 24, 19, 0)),
    ("12-24 19:00", sh(2026, 12, 24, 19, 0)),
    ("12/24, 19:00", sh(2026, 12, 24, 19, 0)),
    ("24.12.2026 19:00", sh(2026, 12, 24, 19, 0)),
    # Chinese
    ("2026年12月24日 19:00", sh(2026, 12, 24, 19, 0)),
    ("12月24日 19:00", sh(2026, 12, 24, 19, 0)),
    ("12月24日19:00", sh(2026, 12, 24, 19, 0)),
    ("12月24号 19:00", sh(2026, 12, 24, 19, 0)),
    ("12月24日晚上7点", sh(2026, 12, 24, 19, 0)),
    ("12月24日下午3点半", sh(2026, 12, 24, 15, 30)),
    ("12月24日上午10点15分", sh(2026, 12, 24, 10, 15)),
    ("12月24日 晚上7:30", sh(2026, 12, 24, 19, 30)),
    ("12月24日19时30分", sh(2026, 12, 24, 19, 30)),
    ("十二月二十四日 七点", sh(2026, 12, 24, 7, 0)),
    ("12月24日，晚上7点", sh(2026, 12, 24, 19, 0)),  # full-width comma
    ("明天 19:00", sh(2026, 11, 27, 19, 0)),
    ("明天19:00", sh(2026, 11, 27, 19, 0)),
    ("后天下午3点", sh(2026, 11, 28, 15, 0)),
    ("大后天上午9点", sh(2026, 11, 29, 9, 0)),
    ("今天晚上8点", sh(2026, 11, 26, 20, 0)),
    ("今晚8点", sh(2026, 11, 26, 20, 0)),
    ("明晚七点半", sh(2026, 11, 27, 19, 30)),
    ("明天十点半", sh(2026, 11, 27, 10, 30)),
    ("明天八点一刻", sh(2026, 11, 27, 8, 15)),
    ("明天八点三刻", sh(2026, 11, 27, 8, 45)),
    ("明天十点零五分", sh(2026, 11, 27, 10, 5)),
    ("明天晚上八点二十五", sh(2026, 11, 27, 20, 25)),
    ("明天两点", sh(2026, 11, 27, 2, 0)),
    ("明天7点钟", sh(2026, 11, 27, 7, 0)),
    ("明天8点05", sh(2026, 11, 27, 8, 5)),
    # Chinese period rules
    ("明天凌晨1点", sh(2026, 11, 27, 1, 0)),
    ("明天凌晨12点", sh(2026, 11, 27, 0, 0)),
    ("明天早上7点", sh(2026, 11, 27, 7, 0)),
    ("明天上午12点", sh(2026, 11, 27, 12, 0)),
    ("明天中午12点", sh(2026, 11, 27, 12, 0)),
    ("明天中午11点半", sh(2026, 11, 27, 11, 30)),
    ("明天中午1点", sh(2026, 11, 27, 13, 0)),
    ("明天下午12点", sh(2026, 11, 27, 12, 0)),
    ("明天傍晚6点", sh(2026, 11, 27, 18, 0)),
    ("明天晚上11点", sh(2026, 11, 27, 23, 0)),
    ("明天晚上12点", sh(2026, 11, 28, 0, 0)),  # the midnight that ends tomorrow
    ("明天晚上19:00", sh(2026, 11, 27, 19, 0)),
    # English
    ("tomorrow 19:00", sh(2026, 11, 27, 19, 0)),
    ("today 7pm", sh(2026, 11, 26, 19, 0)),
    ("today 10:00", sh(2026, 11, 26, 10, 0)),  # an explicit day is kept even if past
    ("tomorrow 7:30 pm", sh(2026, 11, 27, 19, 30)),
    ("Tomorrow 7:30 P.M.", sh(2026, 11, 27, 19, 30)),
    ("tomorrow 9 a.m.", sh(2026, 11, 27, 9, 0)),
    ("tomorrow at 9am", sh(2026, 11, 27, 9, 0)),
    ("tomorrow 12am", sh(2026, 11, 27, 0, 0)),
    ("tomorrow 12pm", sh(2026, 11, 27, 12, 0)),
    ("tonight 8pm", sh(2026, 11, 26, 20, 0)),
    ("day after tomorrow 10:00", sh(2026, 11, 28, 10, 0)),
    ("Dec 24 19:00", sh(2026, 12, 24, 19, 0)),
    ("DEC 24 19:00", sh(2026, 12, 24, 19, 0)),
    ("dec. 24th 19:00", sh(2026, 12, 24, 19, 0)),
    ("24 Dec 19:00", sh(2026, 12, 24, 19, 0)),
    ("December 24 7pm", sh(2026, 12, 24, 19, 0)),
    ("24 December 2026 19:00", sh(2026, 12, 24, 19, 0)),
    ("Dec 24, 2026 7:30pm", sh(2026, 12, 24, 19, 30)),
    ("Sept 3 10:00", sh(2026, 9, 3, 10, 0)),  # passed: the form says so (not next year)
    ("May 1 @ 9am", sh(2027, 5, 1, 9, 0)),
    # time alone: today if still ahead, otherwise tomorrow
    ("19:00", sh(2026, 11, 26, 19, 0)),
    ("16:30", sh(2026, 11, 26, 16, 30)),
    ("16:00", sh(2026, 11, 27, 16, 0)),  # exactly now is not ahead
    ("10:00", sh(2026, 11, 27, 10, 0)),
    ("晚上7点", sh(2026, 11, 26, 19, 0)),
    ("上午9点", sh(2026, 11, 27, 9, 0)),
    ("7pm", sh(2026, 11, 26, 19, 0)),
    ("7am", sh(2026, 11, 27, 7, 0)),
    ("晚上12点", sh(2026, 11, 27, 0, 0)),
    # year roll-over relative to NOW (2026-11-26 16:00)
    ("1/2 10:00", sh(2027, 1, 2, 10, 0)),
    ("11/25 17:00", sh(2026, 11, 25, 17, 0)),  # less than a day ago: still this year
    ("11/25 15:00", sh(2026, 11, 25, 15, 0)),  # passed: the form says so, not next year
    ("5/1 10:00", sh(2027, 5, 1, 10, 0)),  # more than half a year back: next year's
    ("24/12 19:00", sh(2026, 12, 24, 19, 0)),  # day first: 24 cannot be a month
    ("24-12 19:00", sh(2026, 12, 24, 19, 0)),
    ("tomorrow 7.30pm", sh(2026, 11, 27, 19, 30)),
    ("12/24 7.30pm", sh(2026, 12, 24, 19, 30)),
    ("12月24日晚上", sh(2026, 12, 24, 19, 0)),  # the evening's hour, proposed and echoed
    ("Dec 24 afternoon", sh(2026, 12, 24, 15, 0)),
    ("11月26日 10:00", sh(2026, 11, 26, 10, 0)),
]


@pytest.mark.parametrize(("text", "expected"), ACCEPTED)
def test_accepted(text: str, expected: datetime) -> None:
    actual = parse_datetime(text, now=NOW, tz=SH)
    assert actual == expected
    assert actual is not None and actual.tzinfo is SH


DATE_ONLY = [
    ("2026-12-24", sh(2026, 12, 24, 9, 0)),
    ("12月24日", sh(2026, 12, 24, 9, 0)),
    ("Dec 24", sh(2026, 12, 24, 9, 0)),
    ("24 december 2026", sh(2026, 12, 24, 9, 0)),
    ("tomorrow", sh(2026, 11, 27, 9, 0)),
    ("明天", sh(2026, 11, 27, 9, 0)),
    ("today", sh(2026, 11, 26, 9, 0)),
]


@pytest.mark.parametrize(("text", "expected"), DATE_ONLY)
def test_date_only_uses_default_time(text: str, expected: datetime) -> None:
    assert parse_datetime(text, now=NOW, tz=SH, default_time=time(9, 0)) == expected


@pytest.mark.parametrize(("text", "_"), DATE_ONLY)
def test_date_only_without_default_time_is_refused(text: str, _: datetime) -> None:
    assert parse_datetime(text, now=NOW, tz=SH) is None


def test_year_roll_over_at_end_of_year() -> None:
    now = sh(2026, 12, 30, 12, 0)
    assert parse_datetime("1/2 10:00", now=now, tz=SH) == sh(2027, 1, 2, 10, 0)
    assert parse_datetime("12/31 10:00", now=now, tz=SH) == sh(2026, 12, 31, 10, 0)
    assert parse_datetime("Jan 1 0:00", now=now, tz=SH) == sh(2027, 1, 1, 0, 0)


def test_now_in_another_zone_is_converted() -> None:
    now = datetime(2026, 11, 26, 17, 0, tzinfo=UTC)  # already 2026-11-27 01:00 in Shanghai
    assert parse_datetime("明天 19:00", now=now, tz=SH) == sh(2026, 11, 28, 19, 0)
    assert parse_datetime("09:00", now=now, tz=SH) == sh(2026, 11, 27, 9, 0)


def test_leap_day() -> None:
    assert parse_datetime("2028-02-29 10:00", now=NOW, tz=SH) == sh(2028, 2, 29, 10, 0)
    assert parse_datetime("2/29 10:00", now=sh(2027, 12, 30, 12, 0), tz=SH) == sh(
        2028, 2, 29, 10, 0
    )
    assert parse_datetime("2/29 10:00", now=NOW, tz=SH) is None


REJECTED = [
    "",
    "   ",
    "banana",
    "next week sometime",
    "2026-02-30 10:00",
    "2026-13-01 10:00",
    "25:00",
    "24:00",
    "12:61",
    "19:00:60",
    "13/40 10:00",
    "26-12-24 10:00",  # two-digit year
    "24.12.26 19:00",
    "Dec 24, 26 19:00",
    "12/24 19:00 banana",
    "tomorrow 19:00 please",
    "12/24/2026 19:00",
    "12/24 7",  # a bare number is not a time
    "7",
    "13pm",
    "0am",
    "19:00 pm",
    "晚上7pm",
    "上午15点",
    "凌晨13点",
    "晚上0点",
    "明天25点",
    "明天十点七十分",
    "12月32日 10:00",
    "todayx 19:00",
    "Decx 24 19:00",
]


@pytest.mark.parametrize("text", REJECTED)
def test_rejected(text: str) -> None:
    assert parse_datetime(text, now=NOW, tz=SH) is None
    assert parse_datetime(text, now=NOW, tz=SH, default_time=time(9, 0)) is None


def test_naive_now_is_an_error() -> None:
    with pytest.raises(ValueError):
        parse_datetime("19:00", now=datetime(2026, 11, 26, 16, 0), tz=SH)


def test_dst_zone_wall_clock_across_spring_change() -> None:
    now = datetime(2026, 3, 28, 20, 0, tzinfo=BERLIN)  # CET, the clocks go forward tonight
    actual = parse_datetime("tomorrow 19:00", now=now, tz=BERLIN)
    assert actual == datetime(2026, 3, 29, 19, 0, tzinfo=BERLIN)
    assert actual is not None and actual.utcoffset() == timedelta(hours=2)
    # 23 wall-clock hours later, but only 22 real hours (same-zone subtraction is wall-clock)
    assert actual.astimezone(UTC) - now.astimezone(UTC) == timedelta(hours=22)
    assert parse_datetime("10:00", now=now, tz=BERLIN) == datetime(
        2026, 3, 29, 10, 0, tzinfo=BERLIN
    )


def test_dst_zone_non_existent_and_repeated_times_use_fold_0() -> None:
    now = datetime(2026, 3, 1, 12, 0, tzinfo=BERLIN)
    skipped = parse_datetime("2026-03-29 02:30", now=now, tz=BERLIN)
    assert skipped == datetime(2026, 3, 29, 2, 30, tzinfo=BERLIN)
    assert skipped is not None and skipped.utcoffset() == timedelta(hours=1)
    assert skipped.astimezone(UTC) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    repeated = parse_datetime("10/25 02:30", now=now, tz=BERLIN)
    assert repeated == datetime(2026, 10, 25, 2, 30, tzinfo=BERLIN)
    assert repeated is not None and repeated.utcoffset() == timedelta(hours=2)
    winter = parse_datetime("Dec 24 19:00", now=now, tz=BERLIN)
    assert winter is not None and winter.utcoffset() == timedelta(hours=1)


DURATIONS = [
    ("20s", timedelta(seconds=20)),
    ("30m", timedelta(minutes=30)),
    ("24h", timedelta(hours=24)),
    ("3d", timedelta(days=3)),
    ("2w", timedelta(weeks=2)),
    ("1h30m", timedelta(hours=1, minutes=30)),
    ("1h 30m", timedelta(hours=1, minutes=30)),
    ("90 min", timedelta(minutes=90)),
    ("90 minutes", timedelta(minutes=90)),
    ("2 hours", timedelta(hours=2)),
    ("1 hour", timedelta(hours=1)),
    ("2 Days", timedelta(days=2)),
    ("1.5h", timedelta(hours=1, minutes=30)),
    ("半小时", timedelta(minutes=30)),
    ("2小时", timedelta(hours=2)),
    ("两个小时", timedelta(hours=2)),
    ("3天", timedelta(days=3)),
    ("45分钟", timedelta(minutes=45)),
    ("1小时30分钟", timedelta(hours=1, minutes=30)),
    ("十分钟", timedelta(minutes=10)),
    ("３０ｍ", timedelta(minutes=30)),
]


@pytest.mark.parametrize(("text", "expected"), DURATIONS)
def test_parse_duration(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "  ",
        "0m",
        "0s 0h",
        "-5m",
        "abc",
        "30",
        "m",
        "5 months",
        "1h30",
        "30m banana",
        "1..5h",
        "十十分钟",
    ],
)
def test_parse_duration_rejects(text: str) -> None:
    assert parse_duration(text) is None


# Dates as people say them (NOW is Thursday 26 November 2026, 16:00).
SPOKEN = [
    ("下周六下午3点", sh(2026, 12, 5, 15, 0)),
    ("周六下午3点", sh(2026, 11, 28, 15, 0)),
    ("週六下午3點", sh(2026, 11, 28, 15, 0)),
    ("星期六 15:00", sh(2026, 11, 28, 15, 0)),
    ("本周日上午", sh(2026, 11, 29, 9, 0)),
    ("這週日上午", sh(2026, 11, 29, 9, 0)),
    ("下礼拜三 9:00", sh(2026, 12, 2, 9, 0)),
    ("周四晚上8点", sh(2026, 11, 26, 20, 0)),  # today, still ahead
    ("周四下午3点", sh(2026, 12, 3, 15, 0)),  # today's has passed: next week's
    ("周末下午", sh(2026, 11, 28, 15, 0)),
    ("明天下午", sh(2026, 11, 27, 15, 0)),
    ("Sat 3pm", sh(2026, 11, 28, 15, 0)),
    ("Friday afternoon", sh(2026, 11, 27, 15, 0)),
    ("tomorrow afternoon", sh(2026, 11, 27, 15, 0)),
    ("next Monday 10am", sh(2026, 11, 30, 10, 0)),
    ("Saturday 15:00", sh(2026, 11, 28, 15, 0)),
]


@pytest.mark.parametrize(("text", "expected"), SPOKEN)
def test_spoken_dates(text: str, expected: datetime) -> None:
    assert parse_datetime(text, now=NOW, tz=SH) == expected


@pytest.mark.parametrize("text", ["Sat", "周六", "this weekend", "in 7", "sat at 3", "friday 7"])
def test_spoken_day_without_a_time_needs_one(text: str) -> None:
    assert parse_datetime(text, now=NOW, tz=SH) is None


def test_day_month_swapped() -> None:
    from handlers.forms.datetime_input import day_month_swapped

    assert day_month_swapped("12/5 3pm") == "5/12 3pm"
    assert day_month_swapped("12/24 3pm") is None  # 24 cannot be a month
    assert day_month_swapped("5/5 3pm") is None  # the same either way
    assert day_month_swapped("2026/12/5 3pm") is None
