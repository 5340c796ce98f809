"""Admins keep the list of buildings residents choose from: ``/buildings`` shows it,
``/buildings add 3栋`` and ``/buildings remove 3栋`` change it (also ``linli buildings``)."""

from __future__ import annotations

from db.models import Role
from db.notices import subscriptions as subs
from handlers.i18n import N_
from handlers.notices.common import router
from handlers.types import Ctx

MAX_NAME = 64


@router.command(
    "buildings",
    description=N_("The list of buildings for notices"),
    role=Role.ADMIN,
    private_only=True,
)
def buildings_command(ctx: Ctx, args: str) -> None:
    action, _, name = args.strip().partition(" ")
    name = " ".join(name.split())
    if action in ("add", "remove") and not name:
        ctx.reply(ctx._("Please name the building, e.g. /buildings add 3栋"))
        return
    if action == "add":
        if len(name) > MAX_NAME:
            ctx.reply(
                ctx._("That name is too long (at most {maximum} characters).").format(
                    maximum=MAX_NAME
                )
            )
            return
        added = subs.add_building(ctx.session, name, now=ctx.now)
        ctx.reply(
            (ctx._("Added: {name}.") if added else ctx._("{name} is already in the list.")).format(
                name=name
            )
        )
    elif action == "remove":
        removed = subs.remove_building(ctx.session, name)
        ctx.reply(
            (ctx._("Removed: {name}.") if removed else ctx._("{name} is not in the list.")).format(
                name=name
            )
        )
    elif action:
        ctx.reply(ctx._("Send /buildings, /buildings add NAME or /buildings remove NAME."))
        return
    names = [b.name for b in subs.buildings(ctx.session)]
    ctx.reply(
        ctx._("Buildings: {names}").format(names=ctx.lang.list(names))
        if names
        else ctx._("No buildings are listed yet. Add one: /buildings add 3栋")
    )
