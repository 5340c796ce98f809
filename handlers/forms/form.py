"""What a flow declares to ask a few questions: a ``Form`` (its fields, what Confirm does, who
may submit it). The engine (``engine.py``) runs it; ``steps.py`` and ``summary.py`` read it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from handlers.forms.fields import Field
from handlers.i18n import N_
from handlers.router import Rule
from handlers.types import Ctx

Submit = Callable[[Ctx, dict[str, Any]], None]
#: The key under which ``on_submit`` finds the confirm option pressed (``Form.confirm_options``).
CONFIRM_OPTION = "confirm_option"


@dataclass(frozen=True, kw_only=True)
class Form:
    """A declared form. ``on_submit`` runs in the same transaction as the confirm press; it may
    raise ``Invalid`` to refuse (the user stays on the summary and is told why)."""

    name: str
    title: str  # msgid, e.g. N_("Sign up for an event")
    fields: tuple[Field, ...]
    on_submit: Submit
    #: Idle this long, the form is dropped (with a note) the next time the person writes.
    ttl: timedelta = timedelta(days=1)
    confirm_label: str = N_("✅ Confirm")
    #: Extra lines under the summary's answers, before Confirm (e.g. how many people a notice
    #: will reach); None: nothing to add.
    preview: Callable[[Ctx, dict[str, Any]], str | None] | None = None
    #: A one-line confirmation instead of the summary when one question was asked (e.g.
    #: "Send to 12 attendees?"), with [confirm_label] [✏️ Change]; None: the full summary.
    compact: Callable[[Ctx, dict[str, Any]], str] | None = None
    #: Several confirm buttons in place of ``confirm_label``, when it returns some: (label,
    #: option) pairs, already translated; the option pressed reaches ``on_submit`` as
    #: ``data[CONFIRM_OPTION]`` (0, the plain Confirm, when absent). Re-check it there: the
    #: moment may have changed between the summary and the press.
    confirm_options: Callable[[Ctx, dict[str, Any]], tuple[tuple[str, int], ...] | None] | None = (
        None
    )
    #: Who may submit it (``Rule.role`` and ``refusal``), asked again at Confirm: the role may
    #: have been taken away since the command that opened it was admitted.
    rule: Rule | None = None
