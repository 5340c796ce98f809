"""The services still being built answer politely instead of failing. Each entry here is
removed when its real flow module takes over the same command and button prefix."""

from __future__ import annotations

from handlers.i18n import N_
from handlers.router import Router
from handlers.start import main_menu
from handlers.types import Ctx

router = Router("upcoming")

COMING = {
    "ev": N_("Signing up for community events in this chat is coming soon."),
    "rq": N_("Asking the volunteer team for help in this chat is coming soon."),
}


def _coming(ctx: Ctx, service: str) -> None:
    ctx.reply(
        ctx._(COMING[service]) + "\n" + ctx._("Until then, please contact the community office."),
        main_menu(ctx),
    )


@router.command("events", description=N_("Community events"))
def events(ctx: Ctx, args: str) -> None:
    _coming(ctx, "ev")


@router.command("ask", description=N_("Ask a volunteer for help"))
def ask(ctx: Ctx, args: str) -> None:
    _coming(ctx, "rq")


@router.button("ev")
def events_button(ctx: Ctx, rest: str) -> None:
    _coming(ctx, "ev")


@router.button("rq")
def request_button(ctx: Ctx, rest: str) -> None:
    _coming(ctx, "rq")
