"""``/block REF [reason]`` and ``/unblock REF`` for admins (``!block`` on Matrix, private chat
only), and the one neutral answer a blocked person gets. REF is ``telegram:12345``, or
``#D-0042`` / ``#R-0042`` for the author of a report or request: the block is kept against
that reference (``db/blocks.py``), and every answer depends on the reference alone, so the
admin is never told who that is — not by "was already blocked", not by "admins cannot be
blocked". A volunteer blocked loses the requests they hold (``handlers/requests/withdraw.py``)."""

from __future__ import annotations

import logging

from db import blocks
from db.users import UnknownUserRef
from handlers.i18n import N_
from handlers.requests.withdraw import withdraw_unless_allowed
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


def _target(ctx: Ctx, ref: str) -> blocks.Target | None:
    """The reference named, or None after saying what to send (no person is looked up)."""
    if not ref:
        ctx.reply(
            ctx._("Please name the person: /block telegram:12345 [reason], or /block #D-0042.")
        )
        return None
    try:
        target = blocks.parse_target(ctx.session, ref)
    except UnknownUserRef:
        target = None
    if target is None:
        ctx.reply(ctx._("I found nobody for “{ref}”.").format(ref=ref))
    return target


def _is_admin(ctx: Ctx, target: blocks.Target) -> bool:
    """For a person's own reference only: it names an admin (the admin named them, so this
    tells nothing new). A report's or request's author is never looked up here."""
    if target.filed:
        return False
    if target.subject == ctx.user.ref:
        return True
    user = blocks.person_behind(ctx.session, target)
    return user is not None and "admin" in user.role_names


@router.command("block", description=N_("Block a person (admins)"), role="admin", private_only=True)
def block_command(ctx: Ctx, args: str) -> None:
    """Kept against the reference; the answer is the same whoever filed a report or request."""
    ref, _, reason = args.strip().partition(" ")
    target = _target(ctx, ref)
    if target is None:
        return
    if _is_admin(ctx, target):
        ctx.reply(ctx._("Admins cannot be blocked. Revoke the role first."))
        return
    if not blocks.block(
        ctx.session, target, reason=reason.strip() or None, by=_who(ctx), now=ctx.now
    ):
        ctx.reply(ctx._("{ref} was already blocked.").format(ref=target.subject))
        return
    log.info("a block was set by user %d", ctx.user.id)
    person = blocks.person_behind(ctx.session, target)
    withdraw_unless_allowed(ctx.session, ctx.community, person, blocked=True, now=ctx.now)
    if target.filed:
        ctx.reply(
            ctx._(
                "{ref} is blocked: whoever filed it gets one neutral answer and reaches nobody."
            ).format(ref=target.subject)
        )
    else:
        ctx.reply(
            ctx._("{ref} is blocked: they get one neutral answer and reach nobody.").format(
                ref=target.subject
            )
        )


@router.command(
    "unblock", description=N_("Unblock a person (admins)"), role="admin", private_only=True
)
def unblock_command(ctx: Ctx, args: str) -> None:
    ref = args.strip().split(" ")[0] if args.strip() else ""
    target = _target(ctx, ref)
    if target is None:
        return
    if blocks.unblock(ctx.session, target, by=_who(ctx), now=ctx.now):
        log.info("a block was lifted by user %d", ctx.user.id)
        ctx.reply(ctx._("{ref} is no longer blocked.").format(ref=target.subject))
    else:
        ctx.reply(ctx._("{ref} was not blocked.").format(ref=target.subject))
