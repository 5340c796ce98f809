"""A PostgreSQL server of the test's own, for drills that stop and start the database.

``initdb`` and ``pg_ctl`` come from ``/usr/lib/postgresql/<version>/bin`` (or ``PATH``); they
refuse to run as root, so as root they run as the ``postgres`` user (``runuser``). The cluster
lives in a temporary folder of its own and listens on a free port of 127.0.0.1 (and a socket
in that folder): the machine's own server, on 5432, is never touched. Nothing here skips: a
machine without the PostgreSQL server binaries fails the drill with a message that says so.
``initdb`` runs once per process (~1 s); each server starts from a copy of that cluster.
"""

from __future__ import annotations

import atexit
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import Self

from standin.synapse import free_port

#: Settings for a throwaway cluster: small, and no waiting for the disk.
SETTINGS = (
    "fsync=off",
    "synchronous_commit=off",
    "full_page_writes=off",
    "shared_buffers=16MB",
    "max_connections=60",
)
#: The cluster ``initdb`` made, copied for each server (made on first use, removed at exit).
_TEMPLATE: dict[str, Path] = {}
_TEMPLATE_LOCK = threading.Lock()


def _binaries() -> Path:
    """The folder with ``initdb`` and ``pg_ctl``: the newest of /usr/lib/postgresql/*/bin,
    else wherever ``PATH`` has them."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda path: int(Path(path).parent.parent.name),
    )
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(on_path).parent
    raise RuntimeError(
        "this drill runs a PostgreSQL server of its own and needs its programs (initdb, "
        "pg_ctl): none in /usr/lib/postgresql/*/bin nor on PATH. Install the PostgreSQL "
        "server package (Debian/Ubuntu: apt-get install postgresql)."
    )


class PrivatePostgres:
    """``with PrivatePostgres() as pg:`` — ``pg.url``, ``pg.stop()``, ``pg.start()``."""

    def __init__(self) -> None:
        self.bin = _binaries()
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="linli-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self._user: str | None = None
        if os.geteuid() == 0:  # initdb and postgres refuse root
            self._user = "postgres"
            account = pwd.getpwnam(self._user)
            os.chown(self.root, account.pw_uid, account.pw_gid)

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, timeout: float = 60) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if self._user is not None:
            command = ["runuser", "-u", self._user, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            server_log = self.log.read_text(errors="replace") if self.log.exists() else ""
            raise RuntimeError(
                f"{' '.join(args[:2])} failed ({done.returncode}): {done.stdout}{done.stderr}"
                f"{server_log[-2000:]}"
            )

    def _initdb(self, data: Path) -> None:
        self._run(
            "initdb", "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
            "--no-sync", "--locale=C",
        )  # fmt: skip

    def _template(self) -> Path:
        """A fresh cluster made once in this process: copying it is ~10 times cheaper than
        ``initdb`` again, and gives the same files (no server ever ran on it)."""
        with _TEMPLATE_LOCK:
            if "data" not in _TEMPLATE:
                root = Path(tempfile.mkdtemp(prefix="linli-pg-template-"))
                atexit.register(shutil.rmtree, root, ignore_errors=True)
                if self._user is not None:
                    account = pwd.getpwnam(self._user)
                    os.chown(root, account.pw_uid, account.pw_gid)
                self._initdb(root / "data")
                _TEMPLATE["data"] = root / "data"
            return _TEMPLATE["data"]

    def __enter__(self) -> Self:
        shutil.copytree(self._template(), self.data, symlinks=True)
        if self._user is not None:  # the copy is root's: the server runs as postgres
            account = pwd.getpwnam(self._user)
            for folder, _dirs, files in os.walk(self.data):
                os.chown(folder, account.pw_uid, account.pw_gid)
                for name in files:
                    os.chown(Path(folder) / name, account.pw_uid, account.pw_gid)
        self.start()
        return self

    def start(self) -> None:
        """Start the server and wait until it takes connections."""
        options = " ".join(
            [f"-p {self.port}", "-c listen_addresses=127.0.0.1", f"-k {self.root}"]
            + [f"-c {setting}" for setting in SETTINGS]
        )
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self) -> None:
        """Stop it as an operator's restart does (``-m fast``: sessions are ended, open
        transactions rolled back) and wait until it is down."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def __exit__(self, *exc_info: object) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
