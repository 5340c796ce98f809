"""Messages about roles, sent through the outbox when an admin grants one."""

from __future__ import annotations

from typing import Any

from handlers.i18n import N_, Language
from handlers.router import Router
from handlers.types import Reply

router = Router("roles")

ROLE_NAMES = {
    "volunteer": N_("volunteer"),
    "mediator": N_("mediator"),
    "organiser": N_("organiser"),
    "admin": N_("administrator"),
}


@router.template("roles.granted")
def granted(lang: Language, params: dict[str, Any]) -> Reply:
    role = lang.gettext(ROLE_NAMES.get(params.get("role", ""), params.get("role", "")))
    return Reply(
        lang.gettext("You are now a {role} in Linli. Send /help to see what you can do.").format(
            role=role
        )
    )
