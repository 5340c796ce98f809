"""What every service's handlers share: reading an id from a payload (never trusted), routing
``<prefix>:<action>:<arg>`` buttons to their actions, and naming a person by first name."""

from __future__ import annotations

from collections.abc import Mapping

from db.models import User
from handlers.router import Handler
from handlers.start import stale_button
from handlers.types import Ctx

#: Ids are at most nine digits in a payload (an integer column holds them everywhere).
MAX_ID_DIGITS = 9


def parse_id(text: str) -> int | None:
    """A positive id from a payload part, or None for anything forged."""
    text = text.strip()
    if not text.isdecimal() or len(text) > MAX_ID_DIGITS:  # "²" is a digit, not decimal
        return None
    return int(text)


def dispatch_action(ctx: Ctx, rest: str, actions: Mapping[str, Handler]) -> None:
    """``<action>:<arg>``: call the action's handler with ``<arg>``; an unknown action is a
    stale or forged button."""
    name, _, arg = rest.partition(":")
    handler = actions.get(name)
    if handler is None:
        stale_button(ctx)
        return
    handler(ctx, arg)


def first_name(user: User | None, missing: str = "—") -> str:
    """The first word of the name the transport reports (all that others learn of a person),
    or ``missing`` when there is none."""
    name = (user.display_name if user else "").strip()
    return name.split()[0] if name else missing
