"""The suite's own house rule: helpers that several test files share live in ``tests/*_support.py``
(README, "Tests"); no test file imports another test file, so moving or deleting one test
never breaks a second."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).parent


def _imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_no_file_imports_a_test_file() -> None:
    offenders = {
        path.name: sorted(
            name for name in _imported(path) if name.split(".")[-1].startswith("test_")
        )
        for path in sorted(TESTS.glob("*.py"))
    }
    assert {name: found for name, found in offenders.items() if found} == {}
