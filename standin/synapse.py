"""A real Synapse homeserver for the Matrix tests, on 127.0.0.1 and a free port.

Synapse is installed on first use into its own virtual environment (``.venv-synapse/``, not the
project's: it pins its own dependencies), from the package index. Once per release a pristine
data directory is made beside it (``pristine-<release>-<n>/``): the config and signing key that
Synapse generates, and its SQLite database with the schema created and every background update
run (on a fresh database Synapse would otherwise run some fifty of them, one a second, while
the tests use it). Each start copies that directory and adjusts the config: a free port, a
registration shared secret of its own, no federation, and rate limits raised so the test users
are not throttled (one test lowers them again on purpose).
If Synapse cannot be installed or started, the run fails — it never skips.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv-synapse"
#: The Synapse release the tests run against (bumped on purpose, never floating).
SYNAPSE = "matrix-synapse==1.163.2"
SERVER_NAME = "linli.test"
#: Bumped when what the pristine data directory holds changes (a new directory is made).
PRISTINE_RECIPE = 1

_RATE_LIMITS = """
rc_message: {per_second: 1000, burst_count: 10000}
rc_login:
  address: {per_second: 1000, burst_count: 10000}
  account: {per_second: 1000, burst_count: 10000}
  failed_attempts: {per_second: 1000, burst_count: 10000}
rc_registration: {per_second: 1000, burst_count: 10000}
rc_joins:
  local: {per_second: 1000, burst_count: 10000}
  remote: {per_second: 1000, burst_count: 10000}
rc_joins_per_room: {per_second: 1000, burst_count: 10000}
rc_invites:
  per_room: {per_second: 1000, burst_count: 10000}
  per_user: {per_second: 1000, burst_count: 10000}
  per_issuer: {per_second: 1000, burst_count: 10000}
rc_3pid_validation: {per_second: 1000, burst_count: 10000}
rc_admin_redaction: {per_second: 1000, burst_count: 10000}
rc_room_creation: {per_second: 1000, burst_count: 10000}
rc_key_requests: {per_second: 1000, burst_count: 10000}
rc_media_create: {per_second: 1000, burst_count: 10000}
rc_delayed_event_mgmt: {per_second: 1000, burst_count: 10000}
rc_presence:
  per_user: {per_second: 1000, burst_count: 10000}
"""


def _python() -> Path:
    return VENV / "bin" / "python"


def install() -> Path:
    """Create ``.venv-synapse`` with Synapse in it (once; a stamp names the release). A lock
    file keeps two test processes (pytest-xdist workers) from installing at the same time."""
    VENV.parent.joinpath(".venv-synapse.lock").touch()
    with open(VENV.parent / ".venv-synapse.lock") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _install()


def _install() -> Path:
    stamp = VENV / ".linli-synapse"
    if stamp.is_file() and stamp.read_text() == SYNAPSE and _python().exists():
        return _python()
    if not _python().exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run(
        [str(_python()), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", SYNAPSE],
        check=True,
    )
    stamp.write_text(SYNAPSE)
    return _python()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Synapse:
    """A running homeserver: its URL, its shared secret, and how to register users."""

    url: str
    secret: str
    directory: Path
    process: subprocess.Popen | None = None

    def _post(self, path: str, body: dict | None = None, *, method: str = "POST") -> dict:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.url + path, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"{}")

    def register(self, localpart: str, password: str = "secret-pass", *, admin: bool = False):
        """Register ``@localpart:linli.test`` through the shared-secret admin API (what
        ``register_new_matrix_user`` does); returns the MXID."""
        nonce = self._post("/_synapse/admin/v1/register", method="GET")["nonce"]
        parts = (nonce, localpart, password, "admin" if admin else "notadmin")
        mac = hmac.new(self.secret.encode(), "\x00".join(parts).encode(), hashlib.sha1)
        body = {
            "nonce": nonce,
            "username": localpart,
            "password": password,
            "admin": admin,
            "mac": mac.hexdigest(),
        }
        try:
            return self._post("/_synapse/admin/v1/register", body)["user_id"]
        except urllib.error.HTTPError as exc:
            if exc.code == 400 and b"M_USER_IN_USE" in exc.read():
                return f"@{localpart}:{SERVER_NAME}"
            raise

    def throttle(self, user_id: str, per_second: float | None, burst_count: int = 1) -> None:
        """Lower ``user_id``'s message rate limit (``rc_message``) to ``per_second`` and
        ``burst_count`` through the admin API; None puts the server's own back."""
        admin = f"ratelimiter{os.urandom(4).hex()}"
        nonce = self._post("/_synapse/admin/v1/register", method="GET")["nonce"]
        parts = (nonce, admin, "secret-pass", "admin")
        mac = hmac.new(self.secret.encode(), "\x00".join(parts).encode(), hashlib.sha1)
        body = {"nonce": nonce, "username": admin, "password": "secret-pass", "admin": True}
        token = self._post("/_synapse/admin/v1/register", {**body, "mac": mac.hexdigest()})[
            "access_token"
        ]
        path = f"/_synapse/admin/v1/users/{urllib.parse.quote(user_id)}/override_ratelimit"
        limits = {"messages_per_second": per_second, "burst_count": burst_count}
        request = urllib.request.Request(
            self.url + path,
            data=json.dumps(limits).encode() if per_second is not None else None,
            method="POST" if per_second is not None else "DELETE",
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        )
        with urllib.request.urlopen(request, timeout=30):
            pass

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def pristine(python: Path) -> Path:
    """The data directory every start copies (made once per release and recipe): made aside
    and renamed into place, so a process that finds it finds it whole, also when runs from
    other checkouts sharing ``.venv-synapse`` make it at the same time."""
    release = SYNAPSE.rpartition("==")[2]
    made = VENV / f"pristine-{release}-{PRISTINE_RECIPE}"
    if made.is_dir():
        return made
    # (resolved: Synapse writes the data directory's real path into the files it makes)
    work = VENV.resolve() / f"pristine.{os.getpid()}.{os.urandom(4).hex()}"
    work.mkdir()
    try:
        config = work / "homeserver.yaml"
        subprocess.run(
            [
                str(python),
                "-m",
                "synapse.app.homeserver",
                "--server-name",
                SERVER_NAME,
                "--config-path",
                str(config),
                "--data-directory",
                str(work),
                "--generate-config",
                "--report-stats=no",
            ],
            check=True,
            cwd=work,
            capture_output=True,
        )
        subprocess.run(
            [
                str(python.parent / "update_synapse_database"),
                "--database-config",
                str(config),
                "--run-background-updates",
            ],
            check=True,
            cwd=work,
            capture_output=True,
        )
        (work / "homeserver.log").unlink(missing_ok=True)
        (work / "DIRECTORY").write_text(str(work))  # the path the files name, replaced on copy
        try:
            work.rename(made)
        except OSError:  # another process made it first
            if not made.is_dir():
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return made


def _copy_pristine(python: Path, directory: Path, database: Path) -> Path:
    """Copy the pristine data directory into ``directory``, its database to ``database``;
    returns the config's path."""
    source = pristine(python)
    was = (source / "DIRECTORY").read_text()
    for path in source.iterdir():
        if path.is_dir():
            shutil.copytree(path, directory / path.name)
        elif path.suffix in (".yaml", ".config"):
            text = path.read_text().replace(f"{was}/homeserver.db", str(database))
            (directory / path.name).write_text(text.replace(was, str(directory)))
        elif path.name == "homeserver.db":
            shutil.copy2(path, database)
        elif path.name != "DIRECTORY":
            shutil.copy2(path, directory / path.name)
    return directory / "homeserver.yaml"


def start(directory: Path, database: Path | None = None) -> Synapse:
    """Copy the pristine data directory into ``directory`` (its SQLite database to
    ``database``, by default in it too), start Synapse and wait until it answers."""
    python = install()
    port = free_port()
    config = _copy_pristine(python, directory, database or directory / "homeserver.db")
    secret = hashlib.sha256(os.urandom(16)).hexdigest()
    text = "\n".join(
        line
        for line in config.read_text().splitlines()
        if not line.startswith("registration_shared_secret:")
    )
    text = text.replace("port: 8008", f"port: {port}")
    text = text.replace("bind_addresses: ['::1', '127.0.0.1']", "bind_addresses: ['127.0.0.1']")
    text += f"""
registration_shared_secret: "{secret}"
enable_registration: false
federation_domain_whitelist: []
trusted_key_servers: []
suppress_key_server_warning: true
presence:
  enabled: false
url_preview_enabled: false
bcrypt_rounds: 4
max_upload_size: 10M
{_RATE_LIMITS}
"""
    config.write_text(text)
    with open(directory / "synapse.out", "wb") as log:  # the process has its own copy
        process = subprocess.Popen(
            [str(python), "-m", "synapse.app.homeserver", "--config-path", str(config)],
            cwd=directory,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = Synapse(f"http://127.0.0.1:{port}", secret, directory, process)
    deadline = time.monotonic() + 120
    while True:
        if process.poll() is not None:
            output = (directory / "synapse.out").read_text(errors="replace")[-3000:]
            raise RuntimeError(f"Synapse exited with {process.returncode}:\n{output}")
        try:
            server._post("/_matrix/client/versions", method="GET")
            return server
        except (urllib.error.URLError, ConnectionError, OSError):
            if time.monotonic() > deadline:
                server.stop()
                raise RuntimeError("Synapse did not answer within 120 s") from None
            time.sleep(0.3)


def remove(directory: Path) -> None:
    shutil.rmtree(directory, ignore_errors=True)
