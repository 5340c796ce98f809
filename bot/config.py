"""Configuration from ``LINLI_*`` environment variables (and an optional ``.env`` file).

Every variable is declared once, in ``bot.variables.VARIABLES`` (name, reader, default,
meaning, and the community field it sets); ``load_settings`` reads them all from that table. A
malformed value stops start-up with a message that names the variable; nothing is guessed.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dotenv import dotenv_values

from bot.readers import DEFAULT_DATABASE_PATH, ConfigError, is_mxid
from bot.variables import BY_NAME, TELEGRAM_API, VARIABLES
from handlers.types import Community

__all__ = ["DEFAULT_DATABASE_PATH", "TELEGRAM_API", "ConfigError", "Settings", "load_settings"]


@dataclass(frozen=True, slots=True)
class Settings:
    """The values read, by variable name; ``settings.data_dir`` is ``LINLI_DATA_DIR``'s."""

    values: Mapping[str, Any]

    def __getattr__(self, attribute: str) -> Any:
        try:
            return self.values[f"LINLI_{attribute.upper()}"]
        except KeyError:
            raise AttributeError(attribute) from None

    @property
    def admins(self) -> frozenset[int]:
        """The Telegram user ids among ``LINLI_ADMINS``."""
        refs = self.values["LINLI_ADMINS"]
        return frozenset(int(r.partition(":")[2]) for r in refs if r.startswith("telegram:"))

    def community(self, bot_username: str | None = None) -> Community:
        """What the handlers see: every variable with a ``community`` field, and the admins."""
        fields: dict[str, Any] = {}
        for variable in VARIABLES:
            if variable.community is None:
                continue
            value = self.values[variable.name]
            field, _, key = variable.community.partition(".")
            if key:  # one key of a mapping (a team's room)
                if value is not None:
                    fields.setdefault(field, {})[key] = value
            else:
                fields[field] = value
        return Community(
            timezone=self.values["LINLI_TIMEZONE"],
            default_locale=self.values["LINLI_DEFAULT_LOCALE"],
            admin_refs=self.values["LINLI_ADMINS"],
            bot_username=bot_username,
            **fields,
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
    """Read every variable of the table; ``environ`` replaces the process environment (for
    tests)."""
    env = dict(environ) if environ is not None else _read_env(env_file)
    values: dict[str, Any] = {}
    for variable in VARIABLES:
        raw = env.get(variable.name, "").strip()
        if not raw and variable.default.startswith("="):  # the value of another variable
            values[variable.name] = values[BY_NAME[variable.default[1:]].name]
            continue
        values[variable.name] = variable.read(variable.name, raw or variable.default)
    _check_matrix(values)
    return Settings(values)


def _check_matrix(values: Mapping[str, Any]) -> None:
    """Matrix needs the bot's id and a way to log in, once a homeserver is named."""
    if values["LINLI_MATRIX_HOMESERVER"] is None:
        return
    if not is_mxid(values["LINLI_MATRIX_USER"]):
        raise ConfigError(
            "LINLI_MATRIX_USER must be the bot's Matrix id (@name:server), "
            f"got {values['LINLI_MATRIX_USER']!r}"
        )
    if not values["LINLI_MATRIX_PASSWORD"] and not values["LINLI_MATRIX_ACCESS_TOKEN"]:
        raise ConfigError(
            "LINLI_MATRIX_HOMESERVER is set: set LINLI_MATRIX_PASSWORD or "
            "LINLI_MATRIX_ACCESS_TOKEN too"
        )
    # Matrix admins must be on a homeserver that may use the bot (the bot's own by default).
    servers = values["LINLI_MATRIX_ALLOWED_SERVERS"] or frozenset(
        {values["LINLI_MATRIX_USER"].partition(":")[2].lower()}
    )
    mxids = sorted(r.partition(":")[2] for r in values["LINLI_ADMINS"] if r.startswith("matrix:"))
    foreign = [m for m in mxids if m.partition(":")[2].lower() not in servers]
    if foreign:
        raise ConfigError(
            f"LINLI_ADMINS: {', '.join(foreign)} is on a homeserver that may not use the bot "
            f"(allowed: {', '.join(sorted(servers))}); add the server to "
            "LINLI_MATRIX_ALLOWED_SERVERS or name an admin on an allowed server"
        )
