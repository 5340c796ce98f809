"""Possible duplicates: a report of the same category and place as an open case is filed as a
case of its own, and its card shows both texts with a "🔗 Link" button. Only a mediator links.

Linking never tells anyone who else reported: the linked reporter is told status changes only
(``tell_reporters(..., linked=…)``), and the case's reporter is told nothing about it."""

from __future__ import annotations

import logging

from db import disputes as dp
from handlers.buttons.disputes import LinkDuplicate
from handlers.disputes.card import post_card
from handlers.disputes.common import access_case_as_mediator, log_by_mediator, router
from handlers.disputes.mediate import show_case
from handlers.disputes.messages import tell_room
from handlers.types import Ctx

log = logging.getLogger(__name__)


@router.button(LinkDuplicate, role="mediator")
def link_duplicate(ctx: Ctx, payload: LinkDuplicate) -> None:
    """Link the case to the open case it may repeat."""
    root = access_case_as_mediator(ctx, payload.case)
    if root is None:
        return
    if root.id != payload.case:
        ctx.reply(ctx._("This report is already linked to {ref}.").format(ref=root.ref))
        return
    case = root
    target = dp.possible_duplicate(ctx.session, case)
    if target is None or not dp.link(ctx.session, case, target, now=ctx.now).done:
        ctx.reply(
            ctx._(
                "{ref} can no longer be linked: one of the two reports was resolved, closed "
                "or linked in the meantime."
            ).format(ref=case.ref)
        )
        post_card(ctx.session, ctx.community, case, ctx.now)
        return
    log_by_mediator(ctx, target, "linked", text=case.ref)
    log_by_mediator(ctx, case, "linked_to", text=target.ref)
    tell_room(
        ctx.session,
        ctx.community,
        "linked",
        ctx.now,
        case=target,
        ref=target.ref,
        count=dp.report_count(ctx.session, target),
    )
    post_card(ctx.session, ctx.community, case, ctx.now)
    post_card(ctx.session, ctx.community, target, ctx.now)
    log.info("dispute case %d linked to %d", case.id, target.id)
    if not ctx.inbound.chat.is_group:
        show_case(
            ctx,
            target,
            edit=True,
            note=ctx._("{ref} is now linked to {target}.").format(ref=case.ref, target=target.ref),
        )
