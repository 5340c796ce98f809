"""Reading a length of time someone wrote — in a setting (``LINLI_EVENT_REMINDERS=24h,2h``) or
in a form — in Chinese or English: ``20s``, ``30m``, ``24h``, ``3d``, ``2w``, ``1h30m``,
``90 min``, ``2 hours``, ``1.5h``, ``半小时``, ``2小时``, ``两个小时``, ``3天``, ``45分钟``.

A neutral home: ``bot/config.py`` and the forms in ``handlers/`` both read durations, and both
may import ``db``; the date and time parser (``handlers/forms/datetime_input.py``) shares its
Chinese numerals.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import timedelta

CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
#: The characters of a Chinese numeral up to 99.
CN_NUMERALS = "零〇一二两三四五六七八九十"


def cn_int(s: str | None) -> int | None:
    """'24' → 24, '七' → 7, '十二' → 12, '二十五' → 25, '零五' → 5; None if not a number."""
    if not s:
        return None
    if s.isascii() and s.isdigit():
        return int(s)
    digits = s.lstrip("零〇")
    if not digits:
        return 0
    tens, ten, units = digits.partition("十")
    if not ten:
        return CN_DIGITS.get(digits) if len(digits) == 1 else None
    t = CN_DIGITS.get(tens) if tens else 1
    u = CN_DIGITS.get(units) if units else 0
    return None if t is None or u is None else t * 10 + u


# One "number unit" piece of a duration: "1.5h", "90 min", "半小时", "两个小时", "3天"
_DURATION_PART = re.compile(
    rf"(\d{{1,6}}(?:\.\d+)?|半|[{CN_NUMERALS}]{{1,3}})\s*(seconds?|secs?|s|秒钟?|minutes?|mins?|m|分钟|分"
    r"|hours?|hrs?|h|个?小时|days?|d|天|日|weeks?|w|周|星期)\s*"
)
_UNIT_SECONDS = {
    "s": 1,
    "秒": 1,
    "m": 60,
    "分": 60,
    "h": 3600,
    "个": 3600,
    "小": 3600,
    "d": 86400,
    "天": 86400,
    "日": 86400,
    "w": 604800,
    "周": 604800,
    "星": 604800,
}


def parse_duration(text: str) -> timedelta | None:
    """'20s', '30m', '24h', '3d', '1h30m', '90 min', '2 hours', '1.5h', '半小时', '2小时', '3天',
    '45分钟' → timedelta; None if not understood or not positive."""
    s = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text).lower()).strip()
    pos, seconds = 0, 0.0
    while pos < len(s):
        if not (m := _DURATION_PART.match(s, pos)):
            return None
        number, unit = m[1], m[2]
        value = (
            0.5 if number == "半" else cn_int(number) if number[0] in CN_NUMERALS else float(number)
        )
        if value is None:
            return None
        seconds += value * _UNIT_SECONDS[unit[0]]
        pos = m.end()
    return timedelta(seconds=seconds) if seconds > 0 else None
