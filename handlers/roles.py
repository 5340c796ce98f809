"""Messages about roles, sent through the outbox when an admin grants or revokes one. Each
carries the person's command menu (``Reply.commands``): the transport that has a per-chat
menu (Telegram's ``BotCommandScopeChat``) shows staff their own commands. ``chat_menu`` is the
same menu for a reply: sent when someone chooses a language, and to a 繁體 reader's welcome."""

from __future__ import annotations

from collections.abc import Iterable

from db.outbox_params import Params
from handlers.i18n import N_, Language
from handlers.router import Registry, Router
from handlers.types import Ctx, Reply

router = Router("roles")

#: One whole sentence per role ("a volunteer", "an organiser": the article belongs to the word).
GRANTED = {
    "volunteer": N_("You are now a volunteer in Linli. Send /help to see what you can do."),
    "mediator": N_("You are now a mediator in Linli. Send /help to see what you can do."),
    "organiser": N_("You are now an organiser in Linli. Send /help to see what you can do."),
    "coordinator": N_(
        "You are now a volunteer coordinator in Linli. Send /help to see what you can do."
    ),
    "admin": N_("You are now an administrator in Linli. Send /help to see what you can do."),
    "announcer": N_(
        "You can now send community notices in Linli (/notice). Send /help to see what you can do."
    ),
}
REVOKED = {
    "volunteer": N_("You are no longer a volunteer in Linli. Thank you for your help."),
    "mediator": N_("You are no longer a mediator in Linli. Thank you for your help."),
    "organiser": N_("You are no longer an organiser in Linli. Thank you for your help."),
    "coordinator": N_(
        "You are no longer a volunteer coordinator in Linli. Thank you for your help."
    ),
    "admin": N_("You are no longer an administrator in Linli."),
    "announcer": N_("You can no longer send community notices in Linli."),
}


def menu_for(registry: Registry, roles: Iterable[str]) -> list[list[str]]:
    """The command menu of someone holding ``roles``: everyone's commands, then those of each
    role they act as (an admin acts as every role), as ``[name, description msgid]`` pairs (to
    keep in an outbox message's parameters). Empty for a resident: the default menu applies."""
    held = set(roles)
    if not held:
        return []
    return [
        [command.name, command.description or ""]
        for command in registry.menu_commands()
        if command.role is None or command.role in held or "admin" in held
    ]


def chat_menu(ctx: Ctx) -> tuple[tuple[str, str], ...] | None:
    """The private chat's own command menu in the person's language, to send with a reply when
    their language was chosen or detected: staff get their roles' commands; a 繁體 reader gets
    everyone's commands in Traditional (Telegram's menus per language know only ``zh``, which
    shows the Simplified one); anyone else gets ``()``, the menu for everyone in their language.
    None in a group: a group's menu is the group's, not one person's."""
    if ctx.inbound.chat.is_group:
        return None
    roles = set(ctx.user.role_names) | ({"admin"} if ctx.has_role("admin") else set())
    menu = menu_for(ctx.registry, roles)
    if not menu and ctx.lang.code == "zh_Hant":
        menu = [
            [command.name, command.description or ""]
            for command in ctx.registry.menu_commands()
            if command.role is None
        ]
    return tuple((name, ctx._(description)) for name, description in menu)


class RoleChanged(Params):
    """A role given or taken away, and the person's command menu now (name, msgid)."""

    role: str
    #: None in a message queued before menus were sent: the menu is left alone.
    commands: tuple[tuple[str, str], ...] | None = None


class RoleGranted(RoleChanged, template="roles.granted"):
    """Told to the person who was given a role."""


class RoleRevoked(RoleChanged, template="roles.revoked"):
    """Told to the person whose role was taken away."""


def _commands(lang: Language, params: RoleChanged) -> tuple[tuple[str, str], ...] | None:
    menu = params.commands
    if menu is None:  # a message queued before menus were sent: leave the menu alone
        return None
    return tuple((name, lang.gettext(description)) for name, description in menu)


@router.template(RoleGranted, staff=True)
def granted(lang: Language, params: RoleGranted) -> Reply:
    return Reply(lang.gettext(GRANTED[params.role]), commands=_commands(lang, params))


@router.template(RoleRevoked, staff=True)
def revoked(lang: Language, params: RoleRevoked) -> Reply:
    return Reply(lang.gettext(REVOKED[params.role]), commands=_commands(lang, params))
