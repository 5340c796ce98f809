"""Welcome, main menu, help, and what to say when nothing else applies."""

from __future__ import annotations

from collections.abc import Callable

from db.conversations import put_aside
from handlers.access import admit
from handlers.buttons.disputes import ReportDispute
from handlers.buttons.events import ListEvents, MyOrganisedEvents
from handlers.buttons.language import ChooseLanguage, SetLanguage
from handlers.buttons.requests import AskForHelp, SendDraft
from handlers.buttons.rooms import ListRooms
from handlers.buttons.volunteering import ListOpportunities
from handlers.forms.fields import CANNOT_LISTEN
from handlers.i18n import LANGUAGE_NAMES, N_
from handlers.roles import chat_menu
from handlers.router import Router
from handlers.types import Button, Ctx, Keyboard, Kind, keyboard

router = Router("start")

#: The headings of /help's sections for staff, in the order they are shown.
STAFF_HEADINGS = {
    "volunteer": N_("For volunteers:"),
    "mediator": N_("For mediators:"),
    "organiser": N_("For organisers:"),
    "announcer": N_("For announcers:"),
    "coordinator": N_("For coordinators:"),
    "admin": N_("For admins:"),
}


def main_menu(ctx: Ctx) -> Keyboard:
    """The main menu: the three services (and an organiser's own events), then the language
    switch."""
    rows = [
        Button(ctx._("🗓 Events"), ListEvents().pack()),
        Button(ctx._("🙋 Ask a volunteer"), AskForHelp().pack()),
        Button(ctx._("⚖️ Report a dispute"), ReportDispute().pack()),
        Button(ctx._("🏠 Book a room"), ListRooms().pack()),
        Button(ctx._("🤝 Volunteer"), ListOpportunities().pack()),
    ]
    if ctx.acts_as("organiser") and not ctx.inbound.chat.is_group:
        rows.append(Button(ctx._("🛠 My events"), MyOrganisedEvents().pack()))
    rows.append(Button("🌐 " + " / ".join(LANGUAGE_NAMES.values()), ChooseLanguage().pack()))
    return keyboard(*rows)


def show_menu(ctx: Ctx, text: str | None = None) -> None:
    ctx.reply(text or ctx._("What would you like to do?"), main_menu(ctx))


@router.command("start", description=N_("Welcome and main menu"))
def start(ctx: Ctx, args: str) -> None:
    """Welcome the user; a start link (``ev_42``) goes to the handler of its declared type
    (``handlers/payloads.py``), parsed — or None, when forged, to answer it politely."""
    payload = args.strip()
    found = ctx.registry.start_link(payload) if payload else None
    if found is not None:
        route, link = found
        if admit(ctx, route.rule, link_payload=payload):
            route.handler(ctx, link)
        return
    if ctx.inbound.chat.is_group:
        ctx.reply(ctx._("Hello! Please write to me in a private chat to use Linli."))
        return
    from handlers.notices.subscribe import offer  # notices import this module

    text = ctx._(
        "Welcome to Linli (邻里), the chat of our community centre.\n"
        "Here you can sign up for community events, ask our volunteer team for help, "
        "and report a problem between neighbours.\n"
        "Choose below, or send /help at any time."
    )
    question, buttons = offer(ctx)  # once: would they like community notices?
    if question:
        text = f"{text}\n\n{question}"
    # A 繁體 reader's menu in Traditional (everyone else's is the menu for their language).
    commands = chat_menu(ctx) if ctx.lang.code == "zh_Hant" else None
    ctx.reply(text, welcome_menu(ctx) + buttons, commands=commands)


def welcome_menu(ctx: Ctx) -> Keyboard:
    """The main menu; for someone whose app gave no language (Matrix, the console) the last
    row switches in one tap: 简体 / 繁體 / English."""
    menu = main_menu(ctx)
    if ctx.user.locale or ctx.user.language_hint:
        return menu
    switch = tuple(
        Button(LANGUAGE_NAMES[code], SetLanguage(code).pack()) for code in LANGUAGE_NAMES
    )
    return (*menu[:-1], switch)


@router.command("menu", description=N_("Show the main menu"))
def menu(ctx: Ctx, args: str) -> None:
    show_menu(ctx)


#: Everyone's commands in /help, grouped by what they are for (each line: the commands, then
#: what they are about); /start, /menu, /help and /cancel are named in the closing line.
RESIDENT_GROUPS = (
    (("events", "myevents"), N_("community events")),
    (("ask", "myrequests"), N_("help from a volunteer")),
    (("report", "mycases"), N_("a problem between neighbours")),
    (("notices",), N_("community notices")),
    (("rooms", "mybookings"), N_("booking a room")),
    (("volunteer", "myhours"), N_("volunteering")),
    (("lang",), None),  # 简体 / 繁體 / English, the same in every language
    (("mydata", "deleteme"), N_("your data")),
)
#: Left out of staff's one "Everyone:" line so that an admin's /help stays under 400
#: characters: the menu under /help carries 🤝 Volunteer and 🏠 Book a room for them.
STAFF_SKIP = frozenset({"volunteer", "myhours", "rooms", "mybookings"})


def _names(ctx: Ctx, names: tuple[str, ...] | list[str]) -> str:
    return " ".join(f"/{name}" for name in names if name in ctx.registry.commands)


@router.command("help", description=N_("What I can do and how to use me"))
def help_(ctx: Ctx, args: str) -> None:
    """The person's own commands in a few short lines (under 400 characters for every role):
    everyone's by topic, then one line of commands for each role they act as (in a private
    chat only: in a group everyone gets everyone's commands)."""
    commands = ctx.registry.menu_commands()
    staff = [
        (heading, [c.name for c in commands if c.role == role])
        for role, heading in STAFF_HEADINGS.items()
        if ctx.may_use(role) and role is not None
    ]
    # in a group, everyone's commands only: a person's roles are theirs to show, not the room's
    staff = [(h, names) for h, names in staff if names and not ctx.inbound.chat.is_group]
    if staff:  # staff: everyone's commands on one line, then their own
        everyone = [
            name for names, _label in RESIDENT_GROUPS for name in names if name not in STAFF_SKIP
        ]
        lines = [ctx._("Everyone: {commands}").format(commands=_names(ctx, everyone))]
        described = {c.name: c.description or "" for c in commands}
        for heading, names in staff:
            said = ctx._(heading)  # "For volunteers:" / "志愿者可用：" (no space after ：)
            lines.append(said + ("" if said.endswith("：") else " ") + _names(ctx, names))
        if len(staff) == 1:  # one role: its commands with what they do, when that fits
            heading, names = staff[0]
            full = [*lines[:1], ctx._(heading)]
            full += [f"/{name} — {ctx._(described[name])}" for name in names]
            if len("\n".join(full)) < 330:
                lines = full
    else:
        lines = [ctx._("You can send me these commands:")]
        for names, label in RESIDENT_GROUPS:
            shown = _names(ctx, names)
            if shown:
                about = ctx._(label) if label else " / ".join(LANGUAGE_NAMES.values())
                lines.append(f"{shown} — {about}")
    lines.append(ctx._("/menu shows the menu. In a form: Back, Skip, or /cancel to stop."))
    ctx.reply("\n".join(lines), main_menu(ctx))


@router.command("cancel", description=N_("Stop what you are filling in"))
def cancel(ctx: Ctx, args: str) -> None:
    """Reached only when no form is open (the dispatcher closes an open one itself)."""
    show_menu(ctx, ctx._("There is nothing to cancel."))


#: Typed alone (letters only, case-folded), these get the menu: greetings and asking for it.
MENU_WORDS = frozenset(
    {
        *("hi", "hello", "hey", "hallo", "help", "menu", "start", "hithere", "hellothere"),
        *("goodmorning", "goodafternoon", "goodevening", "anyonethere", "operator", "human"),
        *("你好", "您好", "嗨", "哈喽", "哈囉", "早上好", "晚上好", "在吗", "在嗎"),
        *("帮助", "幫助", "帮忙", "幫忙", "菜单", "菜單", "選單", "目录", "目錄", "人工"),
        *("人工服务", "人工服務", "客服"),
    }
)
#: Where the free text offered as a help request waits for the person's tap (``SendDraft``).
DRAFT_KEY = "rq_draft"
#: The shortest and longest free text offered as a help request (the /ask description's).
DRAFT_LENGTH = (5, 2000)


def letters(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def not_understood(ctx: Ctx) -> None:
    """Free text, a sticker or a photo outside any form or conversation. A greeting (or
    "menu", "帮助"…) gets the menu; a sentence in a private chat is offered to the volunteer
    team as a help request, pre-filled; anything else gets the menu with an apology."""
    inbound = ctx.inbound
    text = inbound.text.strip() if inbound.kind is Kind.TEXT else ""
    if inbound.kind is Kind.VOICE:
        ctx.reply(ctx._(CANNOT_LISTEN))
        return
    if inbound.kind is Kind.STICKER:  # no mistake: the menu, without an apology
        show_menu(ctx)
        return
    if text and letters(text) in MENU_WORDS:
        put_aside(ctx.conversation, DRAFT_KEY, None)
        show_menu(ctx, ctx._("Hello! What would you like to do?"))
        return
    shortest, longest = DRAFT_LENGTH
    if not inbound.chat.is_group and shortest <= len(text) <= longest and letters(text):
        put_aside(ctx.conversation, DRAFT_KEY, text)
        offer = Button(ctx._("🙋 Send it to the volunteer team"), SendDraft().pack())
        ctx.reply(
            ctx._(
                "I can pass your message to our volunteer team as a help request. You choose "
                "the kind of help and check everything before it is sent. Or choose from the "
                "menu."
            ),
            ((offer,), *main_menu(ctx)),
        )
        return
    show_menu(ctx, ctx._("Sorry, I did not understand that. Please choose from the menu:"))


def unknown_command(ctx: Ctx, command: str) -> None:
    ctx.reply(
        ctx._("I do not know the command /{command}. Send /help to see what I can do.").format(
            command=command[:32]
        )
    )


def stale_button(ctx: Ctx) -> None:
    """A button whose payload is unknown, forged, or from a message that no longer applies."""
    show_menu(ctx, ctx._("That button is no longer active. Here is the menu:"))


def not_an_option(ctx: Ctx, count: int) -> None:
    """A reply to a card that names none of its options (a number out of range, a word)."""
    ctx.reply(
        ctx._(
            "That is not one of this card's options. Reply to the card with a number "
            "from 1 to {count}, or with an option's name."
        ).format(count=count)
    )


def too_long(ctx: Ctx, length: int, maximum: int) -> None:
    ctx.reply(
        ctx._(
            "Your message is too long ({length} characters; at most {maximum}). "
            "Please send it shorter."
        ).format(length=length, maximum=maximum)
    )


def something_went_wrong(gettext: Callable[[str], str]) -> str:
    return gettext(
        "Sorry, something went wrong on our side. Please try again in a moment; "
        "what you entered before this message is kept."
    )


def slow_down(gettext: Callable[[str], str]) -> str:
    return gettext("You are sending messages very fast. Please wait a moment.")
