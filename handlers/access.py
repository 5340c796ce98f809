"""The one permission rule, enforced before any handler runs.

Every entry point declares on its registration who may use it (``role=``: holders of the role,
and admins, who act as every staff role — ``Ctx.acts_as``) and where (``private_only=True``:
staff views and personal data open only in a private chat). The dispatcher asks ``admit``
for commands and buttons, ``/start`` for deep links. A refusal names the role; in a group, a
private-only entry point answers with a pointer (and, where one exists, a button that opens
the same thing in a private chat), never the content.

What a registration cannot know — whether *this* case, request or event may be touched by
this person — is checked by one ``access_<thing>_as_<role>`` function per kind of record:
``access_request_as_volunteer`` (``handlers/requests/common.py``), ``access_case_as_mediator``
(``handlers/disputes/common.py``) and ``access_event_as_organiser``
(``handlers/events/common.py``).
"""

from __future__ import annotations

from handlers.i18n import N_
from handlers.router import Rule
from handlers.types import Button, Ctx

#: The one refusal table: said to someone using a command, button or link meant for a role
#: they do not act as (a registration may name its own ``refusal=``).
REFUSALS = {
    "volunteer": N_("Sorry, only members of the volunteer team can do this."),
    "mediator": N_("Sorry, only the community's mediators can do this."),
    "organiser": N_("Sorry, only event organisers can do this."),
    "announcer": N_("Sorry, only the community's announcers can do this."),
    "coordinator": N_("Sorry, only volunteer coordinators can do this."),
    "admin": N_("Sorry, only administrators can do this."),
}

#: Said in a group instead of a private-only view, when the registration names no hint.
PRIVATE_POINTER = N_("This opens only in a private chat with me, so that it stays private.")


def private_chat_link(ctx: Ctx, payload: str | None) -> Button | None:
    """A button that opens the bot's private chat (at ``payload`` where there is one), on
    transports with links; None elsewhere (the console)."""
    username = ctx.community.bot_username
    if not username:
        return None
    url = ctx.community.deep_link(payload) if payload else f"https://t.me/{username}"
    return Button(ctx._("💬 Open the private chat"), url=url)


def admit(ctx: Ctx, rule: Rule | None, *, link_payload: str | None = None) -> bool:
    """True if ``rule`` lets this person use the entry point here; otherwise answer why not
    (and return False). ``link_payload`` opens the same thing in a private chat."""
    if rule is None:
        return True
    if rule.role is not None and not ctx.acts_as(rule.role):
        ctx.reply(ctx._(rule.refusal or REFUSALS.get(rule.role, REFUSALS["admin"])))
        return False
    if rule.private_only and ctx.inbound.chat.is_group:
        button = private_chat_link(ctx, link_payload)
        ctx.reply(ctx._(rule.private_hint or PRIVATE_POINTER), ((button,),) if button else ())
        return False
    if rule.not_for_staff and ctx.user.role_names:
        ctx.reply(ctx._(rule.refusal or REFUSALS["admin"]))
        return False
    return True
