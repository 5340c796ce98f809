"""How long reading a typed date takes: the kept parser's forms, the Chinese spoken forms, and
the English ones that go to dateparser (its first use includes importing it).
Usage: .venv/bin/python bench/dates.py"""

from __future__ import annotations

import time
from datetime import datetime
from zoneinfo import ZoneInfo

from handlers.forms.datetime_input import parse_datetime

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 26, 16, 0, tzinfo=TZ)
GROUPS = {
    "kept forms": ["2026-12-24 19:00", "12月24日晚上7点", "tomorrow 3pm", "Dec 24 19:00"],
    "Chinese spoken": ["下周六下午3点", "周六下午3点", "本周日上午", "明天下午"],
    "English via dateparser": ["Sat 3pm", "Friday afternoon", "next Monday 10am"],
    "refused": ["banana", "next week sometime", "12/24 19:00 banana"],
}


def main() -> None:
    started = time.perf_counter()
    parse_datetime("Sat 3pm", now=NOW, tz=TZ)
    print(
        f"first English parse (imports dateparser): {1000 * (time.perf_counter() - started):.0f} ms"
    )
    for name, texts in GROUPS.items():
        rounds = 200
        started = time.perf_counter()
        for _ in range(rounds):
            for text in texts:
                parse_datetime(text, now=NOW, tz=TZ)
        per = (time.perf_counter() - started) / (rounds * len(texts))
        print(f"{name:24} {1_000_000 * per:8.0f} µs per text")


if __name__ == "__main__":
    main()
