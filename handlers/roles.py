"""Messages about roles, sent through the outbox when an admin grants one."""

from __future__ import annotations

from typing import Any

from handlers.i18n import N_, Language
from handlers.router import Router
from handlers.types import Reply

router = Router("roles")

#: One whole sentence per role ("a volunteer", "an organiser": the article belongs to the word).
GRANTED = {
    "volunteer": N_("You are now a volunteer in Linli. Send /help to see what you can do."),
    "mediator": N_("You are now a mediator in Linli. Send /help to see what you can do."),
    "organiser": N_("You are now an organiser in Linli. Send /help to see what you can do."),
    "admin": N_("You are now an administrator in Linli. Send /help to see what you can do."),
    "announcer": N_(
        "You can now send community notices in Linli (/notice). Send /help to see what you can do."
    ),
}


@router.template("roles.granted")
def granted(lang: Language, params: dict[str, Any]) -> Reply:
    return Reply(lang.gettext(GRANTED[params["role"]]))
