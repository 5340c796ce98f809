"""Binding a team's room: an admin sends ``/bind volunteers`` (or ``/bind mediators``) inside
the group chat where that team works; the team's cards are posted there from then on, in the
language the admin uses."""

from __future__ import annotations

from db.teams import TEAMS, bind_team
from handlers.i18n import N_
from handlers.router import Router
from handlers.types import Ctx

router = Router("teams")

TEAM_NAMES = {
    "volunteers": N_("the volunteer team"),
    "mediators": N_("the mediators"),
    "frontdesk": N_("the front desk"),
}


@router.command("bind", description=N_("Make this group a team's room"), role="admin")
def bind(ctx: Ctx, args: str) -> None:
    team = args.strip().lower()
    if team not in TEAMS:
        ctx.reply(
            ctx._("Please say which team: /bind volunteers, /bind mediators or /bind frontdesk.")
        )
        return
    if not ctx.inbound.chat.is_group:
        ctx.reply(
            ctx._(
                "Please send /bind {team} inside the team's group chat, not in a private chat."
            ).format(team=team)
        )
        return
    bind_team(
        ctx.session,
        team,
        transport=ctx.inbound.chat.transport,
        chat_id=ctx.inbound.chat.chat_id,
        locale=ctx.lang.code,
        by=ctx.user.ref,
        now=ctx.now,
    )
    ctx.reply(
        ctx._("Done: this group is now the room of {team}. New cards will appear here.").format(
            team=ctx._(TEAM_NAMES[team])
        )
    )
