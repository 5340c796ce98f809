"""Acting on what a typed message asks for (``vocabulary.decide``): one service is opened, two
are offered as buttons, none gets the menu and the offer to ask a volunteer
(``start.not_understood``). Runs after the awaited answers (``handlers/answers.py``): words
for a conversation the person has open go there first."""

from __future__ import annotations

from collections.abc import Callable

from db.conversations import put_aside, set_aside
from handlers.buttons.intents import GoTo
from handlers.disputes.common import CATEGORY_LABELS as DISPUTE_KINDS
from handlers.disputes.report import start_report
from handlers.i18n import N_
from handlers.intents.vocabulary import decide, service
from handlers.requests.common import CATEGORY_LABELS as HELP_KINDS
from handlers.requests.intake import start_ask
from handlers.router import Router
from handlers.start import DRAFT_LENGTH, MENU_WORDS, letters, main_menu, show_menu
from handlers.types import Button, Ctx, Kind

router = Router("intents")

#: Where the message waits while the person picks one of two services.
TYPED_KEY = "it_typed"
#: The command each target that is a list opens.
LISTS = {
    "events.list": "events",
    "events.mine": "myevents",
    "disputes.mine": "mycases",
    "requests.mine": "myrequests",
    "notices": "notices",
    "volunteering.list": "volunteer",
    "volunteering.mine": "myshifts",
    "volunteering.hours": "myhours",
    "rooms.list": "rooms",
    "rooms.mine": "mybookings",
}
#: A button's words for each service, when two are offered.
OFFERS = {
    "events": N_("🗓 Events"),
    "disputes": N_("⚖️ Report a dispute: {kind}"),
    "requests": N_("🙋 Ask a volunteer: {kind}"),
    "notices": N_("📢 Community notices"),
    "volunteering": N_("🤝 Volunteer for the community"),
    "rooms": N_("🏠 Book a room"),
    "human": N_("🙋 Ask a volunteer"),
    "greeting": N_("📋 The menu"),
    "thanks": N_("📋 The menu"),
}
OWN = {
    "events.mine": N_("🗓 My events and signups"),
    "disputes.mine": N_("⚖️ My dispute reports"),
    "requests.mine": N_("🙋 My help requests"),
}
ANY_KIND = N_("choose the kind")


@router.on_text
def understood(ctx: Ctx) -> bool:
    """A private message outside any form and conversation, read for what it asks."""
    inbound = ctx.inbound
    if inbound.chat.is_group or inbound.kind is not Kind.TEXT or not inbound.text.strip():
        return False
    if ctx.conversation.flow:
        return False  # a form left open waits: [Continue] [Discard] (``forms/idle.py``)
    targets = decide(inbound.text)
    if letters(inbound.text) in MENU_WORDS and targets != ("human",):
        return False  # “help”, “菜单”: the menu (``start.not_understood``)
    if not targets:
        return False  # the menu and the offer to ask a volunteer
    if len(targets) == 1:
        go(ctx, targets[0], inbound.text.strip())
        return True
    put_aside(ctx.conversation, TYPED_KEY, inbound.text.strip())
    ctx.reply(
        ctx._("I can help with this in two ways. Which one do you mean?"),
        (
            *((Button(offer_label(ctx, target), GoTo(target).pack()),) for target in targets),
            *main_menu(ctx),
        ),
    )
    return True


def offer_label(ctx: Ctx, target: str) -> str:
    """A button's words for ``target``: the service, and the kind when one was read."""
    if target in OWN:
        return ctx._(OWN[target])
    kind = target.partition(".")[2]
    if service(target) == "disputes":
        label = DISPUTE_KINDS.get(kind)
        return ctx._(OFFERS["disputes"]).format(kind=ctx._(label) if label else ctx._(ANY_KIND))
    if service(target) == "requests":
        label = HELP_KINDS.get(kind)
        return ctx._(OFFERS["requests"]).format(kind=ctx._(label) if label else ctx._(ANY_KIND))
    return ctx._(OFFERS.get(service(target), OFFERS["greeting"]))


@router.button(GoTo, private_only=True)
def picked(ctx: Ctx, payload: GoTo) -> None:
    """One of the two services offered: open it with the message kept (once)."""
    typed = set_aside(ctx.conversation, TYPED_KEY)
    put_aside(ctx.conversation, TYPED_KEY, None)
    go(ctx, payload.target, typed if isinstance(typed, str) else "")


def go(ctx: Ctx, target: str, typed: str) -> None:
    """Open what ``target`` names; a form gets ``typed`` as its description when it fits."""
    shortest, longest = DRAFT_LENGTH
    description = typed if shortest <= len(typed) <= longest else None
    kind = target.partition(".")[2]
    command = ctx.registry.commands.get(LISTS.get(target, ""))
    if command is not None:
        command.handler(ctx, "")
    elif service(target) == "disputes":
        answers = {"description": description} if description else {}
        if kind in DISPUTE_KINDS:
            answers["category"] = kind
        start_report(ctx, answers=answers or None)
    elif service(target) == "requests":
        start_ask(ctx, description=description, category=kind if kind in HELP_KINDS else None)
    else:
        SAY.get(target, _greet)(ctx)


def _greet(ctx: Ctx) -> None:
    show_menu(ctx, ctx._("Hello! What would you like to do?"))


def _thank(ctx: Ctx) -> None:
    show_menu(ctx, ctx._("You are welcome! Is there anything else I can do?"))


def _to_the_team(ctx: Ctx) -> None:
    """“人工”, “a human”: the volunteers are people; here is how to reach them."""
    ctx.reply(
        ctx._(
            "Our volunteers are people from the community. Press “Ask a volunteer” and say "
            "what you need; one of them will write to you here."
        ),
        main_menu(ctx),
    )


SAY: dict[str, Callable[[Ctx], None]] = {
    "greeting": _greet,
    "thanks": _thank,
    "human": _to_the_team,
}
