"""How a ``LINLI_*`` value is read: one reader per kind of value (a duration, a port, a list of
admins…). A reader gets the variable's name and its text (the default when unset), returns the
value, and raises ``ConfigError`` naming the variable when the text cannot be used: nothing is
guessed. ``bot.variables`` says which reader each variable uses."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from datetime import time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from db.durations import parse_duration
from handlers.i18n import normalise

#: Reads one variable: (name, text) → value.
Reader = Callable[[str, str], Any]

_MXID = re.compile(r"^@[a-z0-9._=/+-]+:[A-Za-z0-9.-]+(:\d+)?$")
_HOURS = re.compile(r"(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})")
DEFAULT_DATABASE_PATH = Path("data") / "linli.db"


class ConfigError(ValueError):
    """A configuration value that cannot be used; the message names the variable."""


def is_mxid(text: str) -> bool:
    """A Matrix user id: ``@name:server``."""
    return bool(_MXID.match(text))


def text(name: str, raw: str) -> str:
    return raw


def optional(name: str, raw: str) -> str | None:
    """The text, or None when it is empty."""
    return raw or None


def matching(pattern: str, what: str) -> Reader:
    """Text that matches ``pattern`` (None when empty); ``what`` says what was expected."""

    def read(name: str, raw: str) -> str | None:
        if raw and not re.match(pattern, raw):
            raise ConfigError(f"{name} {what}")
        return raw or None

    return read


def url(name: str, raw: str) -> str | None:
    """An http(s) URL without its trailing slash; None when empty."""
    raw = raw.rstrip("/")
    if raw and not re.match(r"^https?://[^/\s]+", raw):
        raise ConfigError(f"{name} must be an http(s) URL, got {raw!r}")
    return raw or None


def database_url(name: str, raw: str) -> str:
    """A SQLAlchemy URL for SQLite or PostgreSQL (empty: ``data/linli.db`` here)."""
    raw = raw or f"sqlite:///{DEFAULT_DATABASE_PATH.resolve()}"
    if not re.match(r"^(sqlite|postgresql)(\+\w+)?://", raw):
        raise ConfigError(
            f"{name} must start with sqlite:/// or postgresql+psycopg://, "
            f"got {raw.split('://')[0]!r}"
        )
    return raw


def zone(name: str, raw: str) -> ZoneInfo:
    try:
        return ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{name}: unknown time zone {raw!r}") from None


def locale(name: str, raw: str) -> str:
    accepted = {"zh", "zh_hans", "zh_cn", "zh_hant", "zh_tw", "zh_hk", "zh_mo", "en"}
    if raw.replace("-", "_").lower() not in accepted:
        raise ConfigError(f"{name} must be zh_Hans, zh_Hant or en, got {raw!r}")
    return normalise(raw) or "zh_Hans"


def admins(name: str, raw: str) -> frozenset[str]:
    """Telegram user ids and Matrix ids, by commas, as user references (``telegram:42``)."""
    refs = set()
    for part in filter(None, (p.strip() for p in raw.split(","))):
        if is_mxid(part):
            refs.add(f"matrix:{part}")
        elif part.lstrip("-").isdecimal():
            refs.add(f"telegram:{int(part)}")
        else:
            raise ConfigError(
                f"{name}: {part!r} is neither a Telegram user id (a number) "
                "nor a Matrix id (@name:server)"
            )
    return frozenset(refs)


def servers(name: str, raw: str) -> frozenset[str]:
    """Homeserver names by commas (``example.org``), lower case; empty: none listed."""
    found = frozenset(p.strip().lower() for p in raw.split(",") if p.strip())
    for server in found:
        if not re.match(r"^[a-z0-9.-]+(:\d+)?$", server):
            raise ConfigError(f"{name}: {server!r} is not a server name (example.org)")
    return found


def port(name: str, raw: str) -> int:
    if not raw.isdecimal() or not 0 < int(raw) < 65536:
        raise ConfigError(f"{name} must be a port number, got {raw!r}")
    return int(raw)


def seconds(low: float, high: float) -> Reader:
    def read(name: str, raw: str) -> float:
        try:
            value = float(raw)
        except ValueError:
            value = -1.0
        if not low <= value <= high:
            raise ConfigError(f"{name} must be seconds ({low:g}–{high:g}), got {raw!r}")
        return value

    return read


def duration(name: str, raw: str) -> timedelta:
    """A length of time such as 20s, 30m, 24h or 3d (more than nothing)."""
    value = parse_duration(raw)
    if value is None or value <= timedelta(0):
        raise ConfigError(f"{name} must be a duration like 20s, 30m, 24h or 3d, got {raw!r}")
    return value


def durations(name: str, raw: str) -> tuple[timedelta, ...]:
    """Durations by commas, longest first."""
    found = []
    for part in filter(None, (p.strip() for p in raw.split(","))):
        value = parse_duration(part)
        if value is None:
            raise ConfigError(f"{name}: {part!r} is not a duration like 24h or 30m")
        found.append(value)
    return tuple(sorted(found, reverse=True))


def hours(*, wraps: bool) -> Reader:
    """``09:00-21:00`` in community time; ``wraps``: the end may come before the start (the
    hours go past midnight)."""

    def read(name: str, raw: str) -> tuple[time, time]:
        match = _HOURS.fullmatch(raw)
        try:
            if match is None:
                raise ValueError
            start, end = time(int(match[1]), int(match[2])), time(int(match[3]), int(match[4]))
            if not wraps and start >= end:
                raise ValueError
        except ValueError:
            shape = "22:00-08:00 (it may wrap midnight)" if wraps else "09:00-21:00"
            shape += "" if wraps else " (opening before closing)"
            raise ConfigError(f"{name} must be like {shape}, got {raw!r}") from None
        return start, end

    return read


def one_of(choices: Collection[str], *, upper: bool = False) -> Reader:
    """One of ``choices`` (case does not matter)."""

    def read(name: str, raw: str) -> str:
        value = raw.upper() if upper else raw.lower()
        if value not in choices:
            listed = ", ".join(sorted(choices))
            raise ConfigError(f"{name} must be one of {listed}, got {raw!r}")
        return value

    return read


def on_off(name: str, raw: str) -> bool:
    return one_of(("on", "off"))(name, raw) == "on"


def chat_id(name: str, raw: str) -> str | None:
    """A Telegram chat id (a number); None when unset."""
    if raw and not raw.lstrip("-").isdecimal():
        raise ConfigError(f"{name} must be a Telegram chat id (a number), got {raw!r}")
    return raw or None


def number(low: int = 0) -> Reader:
    """A whole number from ``low`` to 100,000."""

    def read(name: str, raw: str) -> int:
        if not raw.isdecimal() or int(raw) > 100_000:
            raise ConfigError(f"{name} must be a whole number (0 or more), got {raw!r}")
        if int(raw) < low:
            raise ConfigError(f"{name} must be at least {low}")
        return int(raw)

    return read


def share(name: str, raw: str) -> float:
    """``90%`` or ``0.9``."""
    try:
        value = float(raw.removesuffix("%")) / (100 if raw.endswith("%") else 1)
    except ValueError:
        value = -1.0
    if not 0 < value <= 1:
        raise ConfigError(f"{name} must be a share like 90% or 0.9, got {raw!r}")
    return value


def folder(name: str, raw: str) -> Path:
    return Path(raw).resolve()


def minutes_pair(name: str, raw: str) -> tuple[int, int]:
    """Two numbers of minutes by a comma (``15,30``), the second at least 1."""
    parts = [part.strip() for part in raw.split(",")]
    if len(parts) != 2 or not all(part.isdecimal() for part in parts) or int(parts[1]) < 1:
        raise ConfigError(f"{name} must be two numbers of minutes like 15,30, got {raw!r}")
    return int(parts[0]), int(parts[1])


def clipped(length: int) -> Reader:
    """Text cut to ``length`` characters."""

    def read(name: str, raw: str) -> str:
        return raw[:length]

    return read


def names_from(choices: tuple[str, ...]) -> Reader:
    """Names by commas, each one of ``choices``, in the order given (at least one)."""

    def read(name: str, raw: str) -> tuple[str, ...]:
        names = tuple(part.strip() for part in raw.split(",") if part.strip())
        if not names or any(part not in choices for part in names):
            raise ConfigError(f"{name} takes names from {', '.join(choices)}; got {raw!r}")
        return names

    return read
