# Sourced by scripts/run and scripts/test: make sure .venv exists with what pyproject.toml asks
# for (reinstalled only when pyproject.toml changes), and that the catalogs are compiled.
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

stamp=.venv/.linli-installed
wanted=$(.venv/bin/python -c 'import hashlib,sys; print(hashlib.sha256(open("pyproject.toml","rb").read()).hexdigest())')
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
    echo "Installing Linli and its dependencies into .venv …" >&2
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip >&2
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[test]" >&2
    echo "$wanted" > "$stamp"
fi

# 繁體中文 is generated from the Simplified catalog (handlers/hant.py), then all are compiled.
.venv/bin/python -c 'from pathlib import Path; from handlers.hant import generate; generate(Path("locales"))'
.venv/bin/pybabel compile --domain messages --directory locales --statistics 2>&1 \
    | grep -v '^compiling' >&2 || true
