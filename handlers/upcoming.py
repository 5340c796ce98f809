"""The services still being built answer politely instead of failing. Each entry here is
removed when its real flow module takes over the same command and button prefix."""

from __future__ import annotations

from handlers.i18n import N_
from handlers.router import Router
from handlers.start import main_menu
from handlers.types import Ctx

router = Router("upcoming")

COMING = {
    "dp": N_("Reporting a dispute between neighbours in this chat is coming soon."),
}


def _coming(ctx: Ctx, service: str) -> None:
    ctx.reply(
        ctx._(COMING[service]) + "\n" + ctx._("Until then, please contact the community office."),
        main_menu(ctx),
    )


@router.command("report", description=N_("Report a dispute between neighbours"))
def report(ctx: Ctx, args: str) -> None:
    _coming(ctx, "dp")


@router.button("dp")
def dispute_button(ctx: Ctx, rest: str) -> None:
    _coming(ctx, "dp")
