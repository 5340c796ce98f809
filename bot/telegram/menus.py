"""Telegram's command menus: everyone's (per language) and each staff member's own, set on
their private chat (``BotCommandScopeChat``) — at start-up for everyone holding a role, and
whenever an outbox message carries a new menu (``Reply.commands``: a role granted or revoked).
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from telegram import Bot, BotCommand, BotCommandScopeChat

from bot.telegram.convert import TRANSPORT
from db.models import RoleGrant, User
from handlers.i18n import SUPPORTED, language, negotiate
from handlers.roles import menu_for
from handlers.router import Registry
from handlers.types import Community

log = logging.getLogger(__name__)


def command_menus(registry: Registry, tz_name: str) -> dict[str, list[BotCommand]]:
    """Everyone's command menu in each language, keyed by our locale code."""
    menus = {}
    for code in SUPPORTED:
        lang = language(code, tz_name)
        menus[code] = [
            BotCommand(command.name, lang.gettext(command.description or "")[:256])
            for command in registry.menu_commands()
            if command.role is None
        ]
    return menus


async def set_chat_menu(bot: Bot, chat_id: int, commands: tuple[tuple[str, str], ...]) -> None:
    """One private chat's menu; an empty one falls back to everyone's menu."""
    scope = BotCommandScopeChat(chat_id)
    if commands:
        await bot.set_my_commands(
            [BotCommand(name, description[:256]) for name, description in commands], scope=scope
        )
    else:
        await bot.delete_my_commands(scope=scope)


def staff_menus(
    session_factory: sessionmaker[Session], registry: Registry, community: Community
) -> dict[int, tuple[tuple[str, str], ...]]:
    """Each Telegram staff member's menu in their language, keyed by their private chat."""
    with session_factory() as session:
        holders = {
            user.id: user
            for user in session.scalars(
                select(User).join(RoleGrant).where(User.transport == TRANSPORT).distinct()
            )
        }
        menus = {}
        for user in holders.values():
            chat = user.private_chat_id or user.external_id
            if not chat.lstrip("-").isdecimal():
                continue
            roles = user.role_names
            code = negotiate(user.locale, user.language_hint, community.default_locale)
            lang = language(code, community.timezone.key)
            menus[int(chat)] = tuple(
                (name, lang.gettext(description)) for name, description in menu_for(registry, roles)
            )
        return menus


async def set_staff_menus(bot: Bot, menus: dict[int, tuple[tuple[str, str], ...]]) -> None:
    """At start-up: every staff member's own menu (a failure is logged, never fatal)."""
    for chat_id, commands in menus.items():
        try:
            await set_chat_menu(bot, chat_id, commands)
        except Exception as exc:  # one chat's menu must not stop the bot
            log.warning("could not set a staff command menu: %s", exc.__class__.__name__)
