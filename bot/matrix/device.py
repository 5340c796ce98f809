"""The Matrix device as kept on disk, and the transport's settings.

The device's credentials and the sync token live in ``<data>/matrix/`` (next to nio's store of
Olm/Megolm keys): log in once, keep the device; the token is saved only after a batch was
handled, so a restart neither replays old events nor loses new ones.

Only the bot's own account may read any of it: the folder is made 0700 and every file 0600 from
its first byte (``os.open`` with the mode; nio's key database is created that way before nio
opens it). The key database is encrypted with a secret pickle key generated once and kept beside
the credentials (``pickle.key``, 0600), not nio's default; a store from before the key existed
is re-encrypted with it on the first start.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nio import AsyncClient, ErrorResponse, WhoamiResponse
from nio.store import DefaultStore

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
    #: Seconds between tries at a homeserver that does not answer: the first wait, doubled
    #: after each failed try up to the longest.
    retry_first: float = 1.0
    retry_longest: float = 60.0
    #: Homeservers whose people may use the bot (lower case); empty: the bot's own only.
    allowed_servers: frozenset[str] = field(default_factory=frozenset)

    @property
    def servers(self) -> frozenset[str]:
        """The allowed homeservers: the settings' list, or the bot's own server."""
        return self.allowed_servers or frozenset({self.user_id.partition(":")[2].lower()})


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
        allowed_servers=settings.matrix_allowed_servers,
    )


NIO_DEFAULT_KEY = "DEFAULT_KEY"


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` readable by this account only (0600 from the first byte),
    aside first and then moved over, so the file is never half written."""
    temporary = path.with_name(path.name + ".tmp")
    with contextlib.suppress(FileNotFoundError):
        temporary.unlink()
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    temporary.replace(path)


def private_folder(path: Path) -> None:
    """Make ``path`` (and missing parents) with mode 0700; an existing one is narrowed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.mkdir(path, 0o700)
    if path.stat().st_mode & 0o077:
        path.chmod(0o700)


class PrivateStoreClient(AsyncClient):
    """nio's client whose key database is created 0600 before nio opens it (``device`` is
    set by the transport)."""

    device: Device

    def load_store(self) -> None:
        if not self.store and self.user_id and self.device_id:
            self.device.prepare_store(self.user_id, self.device_id)
        super().load_store()


class Device:
    """The credentials and the sync token of one device, in ``config.store``."""

    def __init__(self, config: MatrixConfig) -> None:
        self.config = config
        private_folder(config.store)
        legacy = not self._key_file.is_file() and any(config.store.glob("*.db"))
        self.pickle_key = self._load_key()
        if legacy:
            self._rekey_legacy_store()

    @property
    def _key_file(self) -> Path:
        return self.config.store / "pickle.key"

    def _load_key(self) -> str:
        """The store's pickle key, generated on the first start (never nio's default)."""
        if self._key_file.is_file():
            return self._key_file.read_text().strip()
        key = secrets.token_urlsafe(32)
        write_private(self._key_file, key.encode())
        return key

    def _rekey_legacy_store(self) -> None:
        """A key database written with nio's default key (before ``pickle.key``): its
        account and sessions are pickled again with the secret key."""
        if not self._credentials.is_file():
            return
        saved = json.loads(self._credentials.read_text())
        store = DefaultStore(
            saved["user_id"], saved["device_id"], str(self.config.store), NIO_DEFAULT_KEY
        )
        account = store.load_account()
        if account is None:
            return
        sessions = store.load_sessions()
        groups = list(store.load_inbound_group_sessions())
        store.pickle_key = self.pickle_key
        store.save_account(account)
        for curve_key, kept in sessions.items():
            for session in kept:
                store.save_session(curve_key, session)
        for group in groups:
            store.save_inbound_group_session(group)
        store.database.close()
        log.info("Matrix: the key store was encrypted with the device's own key")

    def prepare_store(self, user_id: str, device_id: str) -> None:
        """Create nio's key database empty with mode 0600 before nio opens it (SQLite keeps
        the mode, also for its journal)."""
        path = self.config.store / f"{user_id}_{device_id}.db"
        os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))

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
        write_private(self._credentials, json.dumps(data).encode())

    def save_token(self, token: str) -> None:
        """Keep the sync token (written aside, then moved: never half a file)."""
        write_private(self._sync_file, json.dumps({"next_batch": token}).encode())
