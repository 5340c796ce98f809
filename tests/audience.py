"""Who reads a catalog string, read from the code rather than from a hand-kept list.

The registry says who may use each entry point (a command's, a button's or a deep link's
``role``) and which outbox templates only staff receive (``router.template(…, staff=True)``).
A source file is **staff-only** when every entry point it registers needs a staff role and it
takes no free text from residents, or when it registers only staff templates. Its strings may
use staff words (案件), except:

- the strings of a template in it that is not a staff template (a mediator's question goes to
  the reporter): the function's own strings and those of the module-level names it uses;
- what a rule says to anyone refused (``refusal``; ``private_hint`` when it needs no role).

Every other file is resident-facing; in it a string is staff-only when its
``# Translators:`` comment starts ``staff only``.
"""

from __future__ import annotations

import ast
import inspect
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from handlers.router import Registry, Rule

ROOT = Path(__file__).resolve().parent.parent
STAFF_MARK = "staff only"


@dataclass(frozen=True)
class Audience:
    staff_files: frozenset[str]
    #: Strings that reach residents although their file is staff-only.
    resident_strings: frozenset[str]

    def resident_facing(self, message) -> bool:
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        if msgid in self.resident_strings:
            return True
        files = {path for path, _ in message.locations}
        staff = bool(files) and files <= self.staff_files
        marked = any(comment.startswith(STAFF_MARK) for comment in _comments(message))
        return not (staff or marked)


def _comments(message) -> list[str]:
    """The ``# Translators:`` comments, without the tag."""
    return [c.removeprefix("Translators:").strip() for c in message.auto_comments]


def source_file(function: Callable[..., Any]) -> str:
    path = Path(inspect.getsourcefile(inspect.unwrap(function)) or "").resolve()
    return path.relative_to(ROOT).as_posix()


@cache
def _module(path: str) -> dict[str, ast.AST]:
    """The module's top-level functions and assignments by name."""
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    named: dict[str, ast.AST] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            named[node.name] = node
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    named[target.id] = node
    return named


def strings_of(function: Callable[..., Any]) -> set[str]:
    """The string literals of a module-level function and of the module-level names it uses,
    followed within its module."""
    path = source_file(function)
    named = _module(path)
    found: set[str] = set()
    todo, seen = [inspect.unwrap(function).__name__], set()
    while todo:
        name = todo.pop()
        if name in seen or name not in named:
            continue
        seen.add(name)
        for node in ast.walk(named[name]):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.add(node.value)
            elif isinstance(node, ast.Name):
                todo.append(node.id)
    return found


def _rule_strings(rules: Iterable[Rule | None]) -> set[str]:
    """A refusal is said to whoever lacks the role; the hint to open a private chat only to
    those who pass the role check (``handlers/access.py`` checks the role first)."""
    said: set[str | None] = set()
    for rule in rules:
        if rule is not None:
            said |= {rule.refusal, None if rule.role else rule.private_hint}
    return {text for text in said if text}


def read(registry: Registry) -> Audience:
    #: file → the role of each entry point in it (None: anyone, free text included)
    entries: dict[str, list[str | None]] = defaultdict(list)
    for command in registry.commands.values():
        entries[source_file(command.handler)].append(command.rule.role)
    for route in registry.button_routes:
        entries[source_file(route.handler)].append(route.rule.role if route.rule else None)
    for link in registry.deep_links.values():
        entries[source_file(link.handler)].append(link.rule.role if link.rule else None)
    for handler in (*registry.text_handlers, *registry.first_text_handlers):
        entries[source_file(handler)].append(None)
    for awaits in registry.awaits.values():
        entries[source_file(awaits.take)].append(None)

    templates: dict[str, list[bool]] = defaultdict(list)  # file → staff-only, per template
    for name, route in registry.templates.items():
        templates[source_file(route.render)].append(name in registry.staff_templates)

    staff_files = {
        path for path, roles in entries.items() if roles and all(role for role in roles)
    } | {path for path, staff in templates.items() if path not in entries and all(staff)}

    resident = _rule_strings(
        [c.rule for c in registry.commands.values()]
        + [r.rule for r in registry.button_routes]
        + [link.rule for link in registry.deep_links.values()]
    )
    for name, route in registry.templates.items():
        if name not in registry.staff_templates and source_file(route.render) in staff_files:
            resident |= strings_of(route.render)
    return Audience(frozenset(staff_files), frozenset(resident))
