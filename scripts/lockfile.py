"""The lock file's fingerprint of pyproject.toml: a hash of what it asks to install (the
dependencies, the extras and the Python it needs), written in the lock's first line by
``scripts/lock`` and checked by ``scripts/bootstrap.sh`` before installing.

    python scripts/lockfile.py fingerprint   # print the fingerprint of pyproject.toml
    python scripts/lockfile.py check         # exit 1, saying what to run, if the lock is stale
"""

from __future__ import annotations

import hashlib
import json
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements.lock"
PREFIX = "# pyproject-dependencies-sha256: "


def fingerprint(pyproject: Path = ROOT / "pyproject.toml") -> str:
    """The hash of pyproject.toml's dependency lists, independent of the file's layout."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    wanted = {
        "dependencies": sorted(project.get("dependencies", [])),
        "optional-dependencies": {
            name: sorted(items)
            for name, items in sorted(project.get("optional-dependencies", {}).items())
        },
        "requires-python": project.get("requires-python", ""),
    }
    return hashlib.sha256(json.dumps(wanted, sort_keys=True).encode()).hexdigest()


def recorded(lock: Path | None = None) -> str | None:
    """The fingerprint the lock was made from, or None without a lock (or its header)."""
    lock = lock or LOCK
    if not lock.exists():
        return None
    with lock.open(encoding="utf-8") as stream:
        first = stream.readline().strip()
    return first.removeprefix(PREFIX) if first.startswith(PREFIX) else None


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "check"
    if command == "fingerprint":
        print(fingerprint())
        return 0
    if command == "check":
        if recorded() == fingerprint():
            return 0
        print(
            "requirements.lock does not match the dependencies in pyproject.toml "
            "(it is missing or was made from other ones).\n"
            "Run scripts/lock to regenerate it, then commit both files.",
            file=sys.stderr,
        )
        return 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
