"""Volunteer help requests (issue 4): residents ask, the volunteer team claims and helps
through the bot, and the clocks make sure every request is answered in time.

``intake`` is the resident's side, ``team`` the volunteers' (claim, /queue, /profile),
``relay`` the conversation, ``clocks`` the escalation sweep, ``stats`` /teamstats, ``cards``
the outbox templates. All register on one router, ``common.router``."""

from __future__ import annotations

from handlers.requests import cards, clocks, intake, relay, stats, team
from handlers.requests.common import parse_id, router
from handlers.types import Ctx

#: The submodules are imported for what they register on the router.
__all__ = ["cards", "clocks", "intake", "relay", "router", "stats", "team"]


@router.button("rq")
def button(ctx: Ctx, rest: str) -> None:
    """``rq:<action>[:<id>[:…]]`` — every payload re-checked by the action's handler."""
    action, _, tail = rest.partition(":")
    if action == "new":
        intake.start_ask(ctx)
    elif action == "claim":
        team.claim(ctx, tail)
    elif action == "cx":
        intake.ask_to_cancel(ctx, tail)
    elif action == "keep":
        intake.keep_request(ctx, tail)
    elif action == "cancel":
        intake.cancel_request(ctx, tail)
    elif action == "reopen":
        intake.reopen_request(ctx, tail)
    elif action == "rate":
        intake.rate_request(ctx, tail)
    elif action == "to" and ctx.has_role("volunteer"):
        relay.switch_to(ctx, parse_id(tail) or None)
    else:
        from handlers.start import stale_button

        stale_button(ctx)
