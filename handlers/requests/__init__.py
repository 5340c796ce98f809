"""Volunteer help requests: residents ask, the volunteer team claims and helps
through the bot, and the clocks make sure every request is answered in time.

``intake`` is the resident's side (``own``: their requests afterwards, ``rating``: the stars
and a comment), ``team`` the volunteers' (claim, /queue, /profile), ``relay`` the
conversation, ``clocks`` the escalation sweep, ``stats`` /teamstats, ``cards`` the outbox
templates. All register on one router, ``common.router``."""

from __future__ import annotations

from handlers.buttons.requests import AskForHelp, ReplyTo
from handlers.requests import cards, clocks, intake, own, rating, relay, stats, team, withdraw
from handlers.requests.common import router
from handlers.types import Ctx

#: The submodules are imported for what they register on the router.
__all__ = [
    "cards",
    "clocks",
    "intake",
    "own",
    "rating",
    "relay",
    "router",
    "stats",
    "team",
    "withdraw",
]


@router.button(AskForHelp, private_only=True, private_hint=intake.ASK_PRIVATELY)
def ask_for_help(ctx: Ctx, payload: AskForHelp) -> None:
    """The menu's “Ask a volunteer”: the /ask form."""
    intake.start_ask(ctx)


@router.button(ReplyTo, role="volunteer")
def reply_to(ctx: Ctx, payload: ReplyTo) -> None:
    """A volunteer's answers go to this request from now on."""
    relay.switch_to(ctx, payload.request)
