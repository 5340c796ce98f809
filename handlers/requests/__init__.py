"""Volunteer help requests (issue 4): residents ask, the volunteer team claims and helps
through the bot, and the clocks make sure every request is answered in time.

``intake`` is the resident's side, ``team`` the volunteers' (claim, /queue, /profile),
``relay`` the conversation, ``clocks`` the escalation sweep, ``stats`` /teamstats, ``cards``
the outbox templates. All register on one router, ``common.router``."""

from __future__ import annotations

from handlers.common import dispatch_action
from handlers.i18n import N_
from handlers.requests import cards, clocks, intake, relay, stats, team
from handlers.requests.common import parse_id, router
from handlers.router import Handler
from handlers.types import Ctx

#: The submodules are imported for what they register on the router.
__all__ = ["cards", "clocks", "intake", "relay", "router", "stats", "team"]


def _switch_to(ctx: Ctx, tail: str) -> None:
    """``rq:to:42`` — a volunteer's answers go to request 42 from now on."""
    relay.switch_to(ctx, parse_id(tail) or None)


#: ``rq:<action>:…`` → its handler; each re-checks the payload.
ACTIONS: dict[str, Handler] = {
    "new": lambda ctx, tail: intake.start_ask(ctx),
    "draft": intake.ask_with_draft,
    "claim": team.claim,
    "cx": intake.ask_to_cancel,
    "keep": intake.keep_request,
    "cancel": intake.cancel_request,
    "reopen": intake.reopen_request,
    "rate": intake.rate_request,
    "to": _switch_to,
}
#: Who may press what, and where (``handlers/access.py`` enforces it before the action runs).
router.rule(
    "rq",
    "claim",
    role="volunteer",
    refusal=N_("Only members of the volunteer team can claim requests."),
)
router.rule("rq", "to", role="volunteer")
router.rule("rq", "new", private_only=True, private_hint=intake.ASK_PRIVATELY)
router.rule("rq", "draft", private_only=True, private_hint=intake.ASK_PRIVATELY)


@router.button("rq")
def button(ctx: Ctx, rest: str) -> None:
    """``rq:<action>[:<id>[:…]]`` — every payload re-checked by the action's handler."""
    dispatch_action(ctx, rest, ACTIONS)
