# Sourced by scripts/run and scripts/test: make sure .venv exists with the exact versions pinned in
# requirements.lock (hash-checked; reinstalled only when the lock or pyproject.toml changes), and
# that the catalogs are compiled. A lock made from other dependencies than pyproject.toml's is
# refused with the command that regenerates it (scripts/lock).
set -euo pipefail

find_python() {
    local candidate
    for candidate in "${PYTHON:-}" python3.13 python3.12 python3.11 python3; do
        [ -n "$candidate" ] || continue
        command -v "$candidate" >/dev/null 2>&1 || continue
        if "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    echo "Linli needs Python 3.11 or newer (set PYTHON=/path/to/python3.11)." >&2
    return 1
}

if [ ! -x .venv/bin/python ]; then
    python=$(find_python)
    echo "Creating .venv with $python …" >&2
    "$python" -m venv .venv
fi

.venv/bin/python scripts/lockfile.py check

stamp=.venv/.linli-installed
wanted=$(.venv/bin/python -c 'import hashlib; print(hashlib.sha256(open("pyproject.toml","rb").read() + open("requirements.lock","rb").read()).hexdigest())')
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
    echo "Installing Linli and its dependencies (requirements.lock) into .venv …" >&2
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip >&2
    .venv/bin/python -m pip install --quiet --disable-pip-version-check \
        --require-hashes -r requirements.lock >&2
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -e . >&2
    echo "$wanted" > "$stamp"
fi

# 繁體中文 is generated from the Simplified catalog (handlers/hant.py) when one of its sources
# is newer than it (a second a run otherwise), then all are compiled.
hant=locales/zh_Hant/LC_MESSAGES/messages.po
if [ ! -f "$hant" ] || [ -n "$(find locales/zh_Hans/LC_MESSAGES/messages.po \
        locales/zh_Hant/overrides.tsv handlers/hant.py "$stamp" -newer "$hant")" ]; then
    .venv/bin/python -c 'from pathlib import Path; from handlers.hant import generate; generate(Path("locales"))'
    touch "$hant"
fi
.venv/bin/pybabel compile --domain messages --directory locales --statistics 2>&1 \
    | grep -v '^compiling' >&2 || true
