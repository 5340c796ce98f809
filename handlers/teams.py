"""Binding a team's room: an admin sends ``/bind volunteers`` (or ``/bind mediators``) inside
the group chat where that team works; the team's cards are posted there from then on, in the
language the admin uses.

A team room holds only the team: the room is bound only when every member holds the team's
role or is an admin (Matrix lists the members; on Telegram the transport counts the group's
members against the role holders it finds there), and, on Matrix, when it is encrypted and on
an allowed homeserver. A stranger who joins later holds the room
(``db.teams.hold_room``): the admins get ``team.held``, and ``/bind`` again releases it."""

from __future__ import annotations

from db.teams import TEAMS, TeamHeld, bind_team, strangers
from handlers.i18n import N_, Language, Np_
from handlers.router import Router
from handlers.types import Ctx, Reply

router = Router("teams")

NOT_BOUND = Np_(
    "I did not make this room the room of {team}: {count} member holds no role in the team. "
    "Please remove them, or give them the role, then send /bind {key} again.",
    "I did not make this room the room of {team}: {count} members hold no role in the team. "
    "Please remove them, or give them the role, then send /bind {key} again.",
)
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
    if not _room_fits(ctx, team):
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


def _room_fits(ctx: Ctx, team: str) -> bool:
    """Whether this room may be the team's (encrypted, on an allowed server, only the team in
    it); if not, the admin is told why and nothing is bound."""
    room = ctx.inbound.room
    if room is None:  # the transport cannot list the members (Telegram)
        return True
    if not room.allowed:
        ctx.reply(
            ctx._(
                "This room lives on a homeserver that may not hold the community's data. "
                "Please make the team's room on an allowed homeserver."
            )
        )
        return False
    if room.needs_encryption and not room.encrypted:
        ctx.reply(
            ctx._(
                "A team's room must be encrypted. Please turn on encryption in the room's "
                "settings, then send /bind {team} again."
            ).format(team=team)
        )
        return False
    outsiders = (
        {f"?{n}" for n in range(room.unnamed_strangers)}
        | set(room.foreign)
        | set(
            strangers(
                ctx.session,
                team,
                ctx.inbound.chat.transport,
                room.members,
                ctx.community.admin_refs,
            )
        )
    )
    if outsiders:
        ctx.reply(
            ctx.lang.ngettext(*NOT_BOUND, len(outsiders)).format(
                team=ctx._(TEAM_NAMES[team]), count=len(outsiders), key=team
            )
        )
        return False
    return True


@router.template(TeamHeld, staff=True)
def held(lang: Language, params: TeamHeld) -> Reply:
    """To every admin: someone who holds no role joined a team's room."""
    team = params.team
    return Reply(
        lang.gettext(
            "Someone who holds no role in {team} joined its room. I will post nothing more "
            "there until an admin removes them (or gives them the role) and sends /bind {key} "
            "in the room again. Until then the team's work is in their private lists."
        ).format(team=lang.gettext(TEAM_NAMES.get(team, team)), key=team)
    )
