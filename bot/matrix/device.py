"""The Matrix device as kept on disk, and the transport's settings.

The device's credentials and the sync token live in ``<data>/matrix/`` (next to nio's store of
Olm/Megolm keys): log in once, keep the device; the token is saved only after a batch was
handled, so a restart neither replays old events nor loses new ones.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nio import AsyncClient, ErrorResponse, WhoamiResponse

log = logging.getLogger(__name__)


class MatrixUnavailable(Exception):
    """The homeserver could not be reached or refused the request; retried with back-off."""


@dataclass(frozen=True, slots=True)
class MatrixConfig:
    homeserver: str
    user_id: str
    password: str | None
    access_token: str | None
    store: Path  # <data directory>/matrix
    poll_ms: int = 10_000


def matrix_config(settings: Any, data_dir: Path) -> MatrixConfig | None:
    """The transport's settings, or None when Matrix is not configured."""
    if not settings.matrix_homeserver:
        return None
    return MatrixConfig(
        homeserver=settings.matrix_homeserver,
        user_id=settings.matrix_user,
        password=settings.matrix_password,
        access_token=settings.matrix_access_token,
        store=data_dir / "matrix",
    )


class Device:
    """The credentials and the sync token of one device, in ``config.store``."""

    def __init__(self, config: MatrixConfig) -> None:
        self.config = config
        config.store.mkdir(parents=True, exist_ok=True)

    @property
    def _credentials(self) -> Path:
        return self.config.store / "credentials.json"

    @property
    def _sync_file(self) -> Path:
        return self.config.store / "sync.json"

    async def login(self, client: AsyncClient) -> str | None:
        """Restore the kept device, or log in once (password) / adopt the access token;
        returns the sync token kept from the last run (None: a first start)."""
        if self._credentials.is_file():
            saved = json.loads(self._credentials.read_text())
            client.restore_login(saved["user_id"], saved["device_id"], saved["access_token"])
        elif self.config.access_token:
            client.access_token = self.config.access_token
            who = await client.whoami()
            if not isinstance(who, WhoamiResponse) or not who.device_id:
                raise MatrixUnavailable(f"the access token was refused: {who}")
            client.restore_login(who.user_id, who.device_id, self.config.access_token)
            self._save_credentials(client)
        else:
            response = await client.login(self.config.password or "", device_name="Linli")
            if isinstance(response, ErrorResponse):
                raise MatrixUnavailable(f"login failed: {response.status_code}")
            self._save_credentials(client)
        log.info("Matrix: logged in as %s (device %s)", client.user_id, client.device_id)
        if self._sync_file.is_file():
            return json.loads(self._sync_file.read_text()).get("next_batch")
        return None

    def _save_credentials(self, client: AsyncClient) -> None:
        data = {
            "user_id": client.user_id,
            "device_id": client.device_id,
            "access_token": client.access_token,
        }
        self._credentials.write_text(json.dumps(data))
        self._credentials.chmod(0o600)

    def save_token(self, token: str) -> None:
        """Keep the sync token (written aside, then moved: never half a file)."""
        temporary = self._sync_file.with_suffix(".tmp")
        temporary.write_text(json.dumps({"next_batch": token}))
        temporary.replace(self._sync_file)
