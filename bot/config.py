"""Configuration from ``LINLI_*`` environment variables (and an optional ``.env`` file).

A malformed value stops start-up with a message that names the variable; nothing is guessed.
Every variable is listed in ``bot.variables.VARIABLES`` with its default and meaning, and the
README's table is checked against it by a test.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values

from bot.variables import LIMITS, REQUEST_CLOCKS, TARGETS, TELEGRAM_API
from db.durations import parse_duration
from handlers.i18n import normalise
from handlers.types import Community
from handlers.workdays import HOLIDAY_CALENDARS

DEFAULT_DATABASE_PATH = Path("data") / "linli.db"

_TOKEN = re.compile(r"^\d+:[A-Za-z0-9_-]{10,}$")
_MXID = re.compile(r"^@[a-z0-9._=/+-]+:[A-Za-z0-9.-]+(:\d+)?$")


class ConfigError(ValueError):
    """A configuration value that cannot be used; the message names the variable."""


@dataclass(frozen=True, slots=True)
class Settings:
    telegram_token: str | None
    telegram_base_url: str
    database_url: str
    timezone: ZoneInfo
    default_locale: str
    admins: frozenset[int]
    webhook_secret: str | None
    webhook_listen: str
    webhook_port: int
    outbox_interval: float
    log_level: str
    event_reminders: tuple[timedelta, ...] = (timedelta(hours=24), timedelta(hours=2))
    service_hours: tuple[time, time] = (time(9), time(21))
    team_chats: tuple[tuple[str, str], ...] = ()  # (team, telegram chat id) from the settings
    dispute_ack_within: timedelta = timedelta(hours=24)
    dispute_followup_after: timedelta = timedelta(days=3)
    #: Community field → duration, for the help requests' escalation clocks (REQUEST_CLOCKS).
    request_clocks: tuple[tuple[str, timedelta], ...] = ()
    outbox_keep: timedelta = timedelta(days=30)
    case_keep: timedelta = timedelta(days=365)
    #: Community field → number, for the per-person limits (LIMITS).
    limits: tuple[tuple[str, int], ...] = ()
    flood_limit: int = 20
    quiet_hours: tuple[time, time] = (time(22), time(8))
    holidays: str = "cn"
    data_dir: Path = Path("data")
    matrix_homeserver: str | None = None
    matrix_user: str = ""
    matrix_password: str | None = None
    matrix_access_token: str | None = None
    matrix_admins: frozenset[str] = frozenset()  # MXIDs
    #: Community field → value, for the report (TARGETS, LINLI_TARGET_SHARE, LINLI_MONTHLY_REPORT).
    targets: tuple[tuple[str, timedelta | float | bool], ...] = ()
    #: Community field → value, for volunteering (LINLI_HOURS_ROUNDING, LINLI_CERTIFICATE_ISSUER,
    #: LINLI_HOURS_COLUMNS).
    volunteering: tuple[tuple[str, object], ...] = ()

    def community(self, bot_username: str | None = None) -> Community:
        return Community(
            timezone=self.timezone,
            default_locale=self.default_locale,
            admin_refs=frozenset(f"telegram:{admin}" for admin in self.admins)
            | frozenset(f"matrix:{mxid}" for mxid in self.matrix_admins),
            bot_username=bot_username,
            event_reminders=self.event_reminders,
            service_hours=self.service_hours,
            team_chats=dict(self.team_chats),
            dispute_ack_within=self.dispute_ack_within,
            dispute_followup_after=self.dispute_followup_after,
            outbox_keep=self.outbox_keep,
            case_keep=self.case_keep,
            quiet_hours=self.quiet_hours,
            holidays=self.holidays,
            **dict(self.request_clocks),
            **dict(self.limits),
            **dict(self.targets),
            **dict(self.volunteering),  # type: ignore[arg-type]
        )


def _read_env(env_file: Path | None) -> dict[str, str]:
    values: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ)
    return values


def load_settings(
    environ: Mapping[str, str] | None = None, *, env_file: Path | None = Path(".env")
) -> Settings:
    """Read the settings; ``environ`` replaces the process environment (for tests)."""
    env = dict(environ) if environ is not None else _read_env(env_file)

    def get(name: str, default: str = "") -> str:
        return env.get(name, default).strip()

    token = get("LINLI_TELEGRAM_TOKEN") or None
    if token is not None and not _TOKEN.match(token):
        raise ConfigError("LINLI_TELEGRAM_TOKEN does not look like a bot token (123456:ABC…)")

    base_url = get("LINLI_TELEGRAM_BASE_URL", TELEGRAM_API).rstrip("/")
    if not re.match(r"^https?://[^/\s]+", base_url):
        raise ConfigError(f"LINLI_TELEGRAM_BASE_URL must be an http(s) URL, got {base_url!r}")

    database_url = get("LINLI_DATABASE_URL") or f"sqlite:///{DEFAULT_DATABASE_PATH.resolve()}"
    if not re.match(r"^(sqlite|postgresql)(\+\w+)?://", database_url):
        raise ConfigError(
            "LINLI_DATABASE_URL must start with sqlite:/// or postgresql+psycopg://, "
            f"got {database_url.split('://')[0]!r}"
        )

    tz_name = get("LINLI_TIMEZONE", "Asia/Shanghai")
    try:
        timezone = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"LINLI_TIMEZONE: unknown time zone {tz_name!r}") from None

    locale_raw = get("LINLI_DEFAULT_LOCALE", "zh_Hans")
    accepted = {"zh", "zh_hans", "zh_cn", "zh_hant", "zh_tw", "zh_hk", "zh_mo", "en"}
    if locale_raw.replace("-", "_").lower() not in accepted:
        raise ConfigError(
            f"LINLI_DEFAULT_LOCALE must be zh_Hans, zh_Hant or en, got {locale_raw!r}"
        )

    admins: set[int] = set()
    mxids: set[str] = set()
    for part in filter(None, (p.strip() for p in get("LINLI_ADMINS").split(","))):
        if _MXID.match(part):
            mxids.add(part)
        elif part.lstrip("-").isdecimal():
            admins.add(int(part))
        else:
            raise ConfigError(
                f"LINLI_ADMINS: {part!r} is neither a Telegram user id (a number) "
                "nor a Matrix id (@name:server)"
            )

    homeserver = get("LINLI_MATRIX_HOMESERVER").rstrip("/") or None
    matrix_user = get("LINLI_MATRIX_USER")
    matrix_password = get("LINLI_MATRIX_PASSWORD") or None
    matrix_token = get("LINLI_MATRIX_ACCESS_TOKEN") or None
    if homeserver is not None:
        if not re.match(r"^https?://[^/\s]+", homeserver):
            raise ConfigError(f"LINLI_MATRIX_HOMESERVER must be an http(s) URL, got {homeserver!r}")
        if not _MXID.match(matrix_user):
            raise ConfigError(
                f"LINLI_MATRIX_USER must be the bot's Matrix id (@name:server), got {matrix_user!r}"
            )
        if not matrix_password and not matrix_token:
            raise ConfigError(
                "LINLI_MATRIX_HOMESERVER is set: set LINLI_MATRIX_PASSWORD or "
                "LINLI_MATRIX_ACCESS_TOKEN too"
            )

    secret = get("LINLI_WEBHOOK_SECRET") or None
    if secret is not None and not re.match(r"^[A-Za-z0-9_-]{1,256}$", secret):
        raise ConfigError("LINLI_WEBHOOK_SECRET may use only A-Z, a-z, 0-9, _ and - (1–256)")

    port_raw = get("LINLI_WEBHOOK_PORT", "8443")
    if not port_raw.isdecimal() or not 0 < int(port_raw) < 65536:
        raise ConfigError(f"LINLI_WEBHOOK_PORT must be a port number, got {port_raw!r}")

    interval_raw = get("LINLI_OUTBOX_INTERVAL", "2")
    try:
        interval = float(interval_raw)
    except ValueError:
        interval = -1.0
    if not 0.05 <= interval <= 3600:
        raise ConfigError(
            f"LINLI_OUTBOX_INTERVAL must be seconds (0.05–3600), got {interval_raw!r}"
        )

    reminders = []
    for part in filter(
        None, (p.strip() for p in get("LINLI_EVENT_REMINDERS", "24h,2h").split(","))
    ):
        offset = parse_duration(part)
        if offset is None:
            raise ConfigError(f"LINLI_EVENT_REMINDERS: {part!r} is not a duration like 24h or 30m")
        reminders.append(offset)

    hours_raw = get("LINLI_SERVICE_HOURS", "09:00-21:00")
    hours = re.fullmatch(r"(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})", hours_raw)
    try:
        if hours is None:
            raise ValueError
        opens = time(int(hours[1]), int(hours[2]))
        closes = time(int(hours[3]), int(hours[4]))
        if opens >= closes:
            raise ValueError
    except ValueError:
        raise ConfigError(
            f"LINLI_SERVICE_HOURS must be like 09:00-21:00 (opening before closing), "
            f"got {hours_raw!r}"
        ) from None

    holidays = get("LINLI_HOLIDAYS", "cn").strip().lower()
    if holidays not in HOLIDAY_CALENDARS:
        raise ConfigError(f"LINLI_HOLIDAYS must be cn or off, got {holidays!r}")

    quiet_raw = get("LINLI_QUIET_HOURS", "22:00-08:00")
    quiet = re.fullmatch(r"(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})", quiet_raw)
    try:
        if quiet is None:
            raise ValueError
        quiet_hours = (time(int(quiet[1]), int(quiet[2])), time(int(quiet[3]), int(quiet[4])))
    except ValueError:
        raise ConfigError(
            f"LINLI_QUIET_HOURS must be like 22:00-08:00 (it may wrap midnight), got {quiet_raw!r}"
        ) from None

    teams = []
    for team, name in (
        ("volunteers", "LINLI_VOLUNTEER_CHAT_ID"),
        ("mediators", "LINLI_MEDIATOR_CHAT_ID"),
    ):
        chat_id = get(name)
        if chat_id:
            if not chat_id.lstrip("-").isdecimal():
                raise ConfigError(f"{name} must be a Telegram chat id (a number), got {chat_id!r}")
            teams.append((team, chat_id))

    durations = {}
    for name, default in (
        ("LINLI_DISPUTE_ACK_WITHIN", "24h"),
        ("LINLI_DISPUTE_FOLLOWUP_AFTER", "3d"),
        *((name, default) for name, _, default in REQUEST_CLOCKS),
    ):
        raw = get(name, default)
        value = parse_duration(raw)
        if value is None:
            raise ConfigError(f"{name} must be a duration like 20s, 30m, 24h or 3d, got {raw!r}")
        durations[name] = value

    keep_raw = get("LINLI_OUTBOX_KEEP", "30d")
    outbox_keep = parse_duration(keep_raw)
    if outbox_keep is None or outbox_keep <= timedelta(0):
        raise ConfigError(f"LINLI_OUTBOX_KEEP must be a duration like 30d or 12h, got {keep_raw!r}")
    case_raw = get("LINLI_CASE_KEEP", "365d")
    case_keep = parse_duration(case_raw)
    if case_keep is None or case_keep <= timedelta(0):
        raise ConfigError(f"LINLI_CASE_KEEP must be a duration like 365d or 90d, got {case_raw!r}")

    numbers = {}
    for name, default in (
        *((name, default) for name, _, default in LIMITS),
        ("LINLI_FLOOD_LIMIT", "20"),
    ):
        raw = get(name, default)
        if not raw.isdecimal() or int(raw) > 100_000:
            raise ConfigError(f"{name} must be a whole number (0 or more), got {raw!r}")
        numbers[name] = int(raw)
    if numbers["LINLI_FLOOD_LIMIT"] < 1:
        raise ConfigError("LINLI_FLOOD_LIMIT must be at least 1")

    goals: list[tuple[str, timedelta | float | bool]] = []
    for name, field, fallback in TARGETS:
        raw = get(name)
        value = parse_duration(raw) if raw else durations.get(fallback or "", timedelta(days=7))
        if value is None:
            raise ConfigError(f"{name} must be a duration like 30m, 24h or 7d, got {raw!r}")
        goals.append((field, value))
    share_raw = get("LINLI_TARGET_SHARE", "90%")
    try:
        share = float(share_raw.removesuffix("%")) / (100 if share_raw.endswith("%") else 1)
    except ValueError:
        share = -1.0
    if not 0 < share <= 1:
        raise ConfigError(f"LINLI_TARGET_SHARE must be a share like 90% or 0.9, got {share_raw!r}")
    goals.append(("target_share", share))
    monthly = get("LINLI_MONTHLY_REPORT", "on").lower()
    if monthly not in {"on", "off"}:
        raise ConfigError(f"LINLI_MONTHLY_REPORT must be on or off, got {monthly!r}")
    goals.append(("monthly_report", monthly == "on"))

    volunteering = _volunteering(get)

    level = get("LINLI_LOG_LEVEL", "INFO").upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise ConfigError(f"LINLI_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, got {level!r}")

    return Settings(
        telegram_token=token,
        telegram_base_url=base_url,
        database_url=database_url,
        timezone=timezone,
        default_locale=normalise(locale_raw) or "zh_Hans",
        admins=frozenset(admins),
        webhook_secret=secret,
        webhook_listen=get("LINLI_WEBHOOK_LISTEN", "127.0.0.1"),
        webhook_port=int(port_raw),
        outbox_interval=interval,
        log_level=level,
        event_reminders=tuple(sorted(reminders, reverse=True)),
        service_hours=(opens, closes),
        team_chats=tuple(teams),
        dispute_ack_within=durations["LINLI_DISPUTE_ACK_WITHIN"],
        dispute_followup_after=durations["LINLI_DISPUTE_FOLLOWUP_AFTER"],
        request_clocks=tuple((field, durations[name]) for name, field, _ in REQUEST_CLOCKS),
        outbox_keep=outbox_keep,
        case_keep=case_keep,
        limits=tuple((field, numbers[name]) for name, field, _ in LIMITS),
        flood_limit=numbers["LINLI_FLOOD_LIMIT"],
        quiet_hours=quiet_hours,
        holidays=holidays,
        data_dir=Path(get("LINLI_DATA_DIR", "data")).resolve(),
        matrix_homeserver=homeserver,
        matrix_user=matrix_user,
        matrix_password=matrix_password,
        matrix_access_token=matrix_token,
        matrix_admins=frozenset(mxids),
        targets=tuple(goals),
        volunteering=volunteering,
    )


#: The columns the monthly hours export can have (``handlers/volunteering/export.py``).
HOURS_COLUMNS = (
    "name", "phone", "activity", "role", "date", "start", "end", "hours", "organiser", "makeup",
)  # fmt: skip


def _volunteering(get: Callable[[str, str], str]) -> tuple[tuple[str, object], ...]:
    """``LINLI_HOURS_ROUNDING`` (``15,30``: under 15 minutes count 0, then the nearest 30),
    ``LINLI_CERTIFICATE_ISSUER``, ``LINLI_HOURS_COLUMNS`` (names from ``HOURS_COLUMNS``)."""
    values: list[tuple[str, object]] = []
    raw = get("LINLI_HOURS_ROUNDING", "15,30")
    parts = [part.strip() for part in raw.split(",")]
    if len(parts) != 2 or not all(part.isdecimal() for part in parts) or int(parts[1]) < 1:
        raise ConfigError(
            f"LINLI_HOURS_ROUNDING must be two numbers of minutes like 15,30, got {raw!r}"
        )
    values.append(("hours_rounding", (int(parts[0]), int(parts[1]))))
    issuer = get("LINLI_CERTIFICATE_ISSUER", "").strip()
    if issuer:
        values.append(("certificate_issuer", issuer[:100]))
    raw = get("LINLI_HOURS_COLUMNS", "name,phone,activity,date,hours")
    columns = tuple(name.strip() for name in raw.split(",") if name.strip())
    unknown = [name for name in columns if name not in HOURS_COLUMNS]
    if not columns or unknown:
        raise ConfigError(
            f"LINLI_HOURS_COLUMNS takes names from {', '.join(HOURS_COLUMNS)}; got {raw!r}"
        )
    values.append(("hours_columns", columns))
    return tuple(values)
