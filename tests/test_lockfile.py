"""requirements.lock is made from pyproject.toml's dependencies (``scripts/lock``); a change to
them without a new lock is caught before anything is installed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from scripts.lockfile import LOCK, PREFIX, fingerprint, recorded

ROOT = Path(__file__).resolve().parent.parent


def test_the_lock_was_made_from_the_dependencies_of_pyproject():
    assert recorded() == fingerprint(), "run scripts/lock"
    text = LOCK.read_text(encoding="utf-8")
    for line in text.splitlines():
        if "==" in line and not line.startswith("#"):
            assert line.rstrip().endswith("\\"), f"{line!r} has no hash"
    assert "python-telegram-bot==22." in text and "\ntornado==6." in text


def test_a_changed_dependency_makes_the_lock_stale_but_reformatting_does_not(tmp_path):
    source = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    reformatted = tmp_path / "reformatted.toml"
    reformatted.write_text(source.replace('description = "', 'description  =  "'), "utf-8")
    assert fingerprint(reformatted) == fingerprint()
    added = tmp_path / "added.toml"
    added.write_text(source.replace("dependencies = [", 'dependencies = [\n    "opencc>=1.1",'))
    assert fingerprint(added) != fingerprint()


def test_the_check_says_what_to_run_when_the_lock_is_stale(tmp_path):
    lock = tmp_path / "requirements.lock"
    lock.write_text(f"{PREFIX}{'0' * 64}\nalembic==1.0\n", "utf-8")
    script = (
        "import sys, scripts.lockfile as m; from pathlib import Path; "
        f"m.LOCK = Path({str(lock)!r}); sys.exit(m.main(['', 'check']))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 1
    assert "Run scripts/lock" in done.stderr
