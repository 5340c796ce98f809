"""Where a crowd's CPU time goes, by stage, from a py-spy recording of every thread.

    pip install py-spy          # into the virtualenv, for measuring only (not a dependency)
    py-spy record --format raw --rate 250 -o /tmp/crowd.txt -- \\
        python -m bench.crowd --users 300 --latency 0 --shared-flood
    python -m bench.shares /tmp/crowd.txt

Each sample is charged to the innermost frame of this program or of a library that names a
stage: parsing (python-telegram-bot turning JSON into objects and back, ``convert.py``),
dispatch (``bot/dispatcher.py``, the router, the per-chat processor, the flood guard), handlers
(``handlers/``, ``db/`` outside SQL), SQL (SQLAlchemy, sqlite3, psycopg), rendering (gettext,
Babel, ``bot/telegram/render.py``), HTTP (python-telegram-bot's ``Bot`` methods and request
layer, httpx, httpcore, h11, anyio), the stand-in
(the fake Bot API, tornado, in the same process) and the event loop. Samples whose stack has
none of these are "other"; a pool thread waiting for work and the program's imports are
counted apart.
"""

from __future__ import annotations

import sys
from collections import Counter

#: (stage, markers in a frame's file path), most specific first.
STAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("stand-in", ("standin/botapi.py", "/tornado/")),
    ("SQL", ("/sqlalchemy/", "/sqlite3/", "/psycopg/", "/psycopg_pool/", "db/engine.py")),
    (
        "HTTP",
        (
            "/httpx/",
            "/httpcore/",
            "/h11/",
            "/anyio/",
            "/sniffio/",
            "/telegram/request/",
            "/telegram/_bot.py",
            "/telegram/ext/_extbot.py",
        ),
    ),
    ("rendering", ("bot/telegram/render.py", "/babel/", "/gettext.py", "handlers/i18n.py")),
    (
        "parsing",
        ("bot/telegram/convert.py", "/telegram/_", "/telegram/ext/_utils", "/json/"),
    ),
    (
        "dispatch",
        (
            "bot/dispatcher.py",
            "bot/flood.py",
            "bot/telegram/",
            "handlers/router.py",
            "handlers/access.py",
            "/telegram/ext/",
        ),
    ),
    ("handlers", ("/handlers/", "/db/")),
    ("event loop", ("/asyncio/", "/concurrent/", "/threading.py", "/selectors.py")),
)


#: Not work for an update: a pool thread waiting for work, the program starting (imports).
IDLE = ("_worker (concurrent/futures/thread.py",)
START_UP = ("importlib._bootstrap",)


def stage_of(stack: str) -> str:
    """The stage of the innermost frame that names one ("idle" and "start-up" apart)."""
    frames = stack.split(";")
    if not stack.strip() or any(marker in frames[-1] for marker in IDLE):
        return "idle"
    if any(marker in frame for frame in frames for marker in START_UP):
        return "start-up"
    for frame in reversed(frames):
        path = "/" + frame.rpartition("(")[2]  # "do_execute (sqlalchemy/engine/…)"
        for stage, markers in STAGES:
            if any(marker in path for marker in markers):
                return stage
    return "other"


def shares(lines: list[str]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for line in lines:
        stack, _, number = line.rstrip().rpartition(" ")
        if stack and number.isdigit():
            counts[stage_of(stack)] += int(number)
    return counts


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as recording:
        counts = shares(recording.readlines())
    apart = {stage: counts.pop(stage, 0) for stage in ("idle", "start-up")}
    total = sum(counts.values()) or 1
    print(f"{total} samples of work ({apart['start-up']} starting up, {apart['idle']} idle)")
    for stage, count in counts.most_common():
        print(f"  {stage:11} {count / total:6.1%}")


if __name__ == "__main__":
    main()
