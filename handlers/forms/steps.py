"""Which questions of a form are asked, and in what order: a field applies when its condition
holds on the answers so far, and answers given when the form opened are not asked again."""

from __future__ import annotations

from typing import Any

from handlers.forms.form import Form

#: Hidden value: the names of answers given when the form opened (asked only from the summary).
PREFILLED = "_prefilled"


def applicable(form: Form, data: dict[str, Any]) -> list[int]:
    return [i for i, field in enumerate(form.fields) if field.applies(data)]


def asked(form: Form, data: dict[str, Any]) -> list[int]:
    """The applicable fields, less those answered when the form opened (pre-filled)."""
    given = set(data.get(PREFILLED) or ())
    return [i for i in applicable(form, data) if form.fields[i].name not in given]


def next_step(form: Form, data: dict[str, Any], after: int) -> int:
    """The next field to ask after index ``after`` (-1: the first), or len(fields): summary."""
    for index in asked(form, data):
        if index > after:
            return index
    return len(form.fields)


def previous_step(form: Form, data: dict[str, Any], before: int) -> int | None:
    earlier = [i for i in asked(form, data) if i < before]
    return earlier[-1] if earlier else None


def prune(form: Form, data: dict[str, Any]) -> dict[str, Any]:
    """Drop answers to fields that no longer apply (an earlier answer changed)."""
    return {
        key: value
        for key, value in data.items()
        if not any(f.name == key and not f.applies(data) for f in form.fields)
    }
