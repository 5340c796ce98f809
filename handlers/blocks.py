"""``/block REF [reason]`` and ``/unblock REF`` for admins (``!block`` on Matrix), and the one
neutral answer a blocked person gets. REF is ``telegram:12345``, or ``#D-0042`` / ``#R-0042``
for the author of a report or request (the admin is not told who that is)."""

from __future__ import annotations

import logging

from db import blocks
from db.users import UnknownUserRef
from handlers.i18n import N_
from handlers.router import Router
from handlers.types import Ctx

log = logging.getLogger(__name__)

router = Router("blocks")

BLOCKED_ANSWER = N_(
    "Sorry, this service is not available to you at the moment. "
    "Please contact the community office if you have questions."
)


def answer_blocked(ctx: Ctx) -> None:
    """What a blocked person gets, whatever they send: one neutral answer."""
    ctx.reply(ctx._(BLOCKED_ANSWER))


def _who(ctx: Ctx) -> str:
    return f"admin {ctx.user.ref}"


def _target(ctx: Ctx, ref: str):
    if not ref:
        ctx.reply(
            ctx._("Please name the person: /block telegram:12345 [reason], or /block #D-0042.")
        )
        return None
    try:
        user = blocks.find_by_ref(ctx.session, ref)
    except UnknownUserRef:
        user = None
    if user is None:
        ctx.reply(ctx._("I found nobody for “{ref}”.").format(ref=ref))
    return user


@router.command("block", description=N_("Block a person (admins)"), role="admin")
def block_command(ctx: Ctx, args: str) -> None:
    ref, _, reason = args.strip().partition(" ")
    user = _target(ctx, ref)
    if user is None:
        return
    if user.id == ctx.user.id or "admin" in user.role_names:
        ctx.reply(ctx._("Admins cannot be blocked. Revoke the role first."))
        return
    if blocks.block(
        ctx.session, user, reason=reason.strip() or None, by=_who(ctx), now=ctx.now, ref=ref
    ):
        log.info("user %d blocked by user %d", user.id, ctx.user.id)
        ctx.reply(
            ctx._("{ref} is blocked: they get one neutral answer and reach nobody.").format(ref=ref)
        )
    else:
        ctx.reply(ctx._("{ref} was already blocked.").format(ref=ref))


@router.command("unblock", description=N_("Unblock a person (admins)"), role="admin")
def unblock_command(ctx: Ctx, args: str) -> None:
    ref = args.strip().split(" ")[0] if args.strip() else ""
    user = _target(ctx, ref)
    if user is None:
        return
    if blocks.unblock(ctx.session, user, by=_who(ctx), now=ctx.now, ref=ref):
        log.info("user %d unblocked by user %d", user.id, ctx.user.id)
        ctx.reply(ctx._("{ref} is no longer blocked.").format(ref=ref))
    else:
        ctx.reply(ctx._("{ref} was not blocked.").format(ref=ref))
