"""Choosing the language: ``/lang``, the language buttons 简体 / 繁體 / English, ``/lang en`` /
``/lang zh`` / ``/lang hant`` (or ``tw``, ``繁體``…), and the names typed alone."""

from __future__ import annotations

from db.users import set_locale
from handlers.buttons.language import ChooseLanguage, SetLanguage
from handlers.i18n import LANGUAGE_NAMES, N_, SUPPORTED, language, typed_language
from handlers.roles import chat_menu
from handlers.router import Router
from handlers.start import main_menu
from handlers.types import Button, Ctx, keyboard

router = Router("language")


def language_buttons() -> tuple[Button, ...]:
    return tuple(Button(LANGUAGE_NAMES[code], SetLanguage(code).pack()) for code in SUPPORTED)


@router.command("lang", "language", description=N_("简体 / 繁體 / English: choose the language"))
def choose(ctx: Ctx, args: str) -> None:
    """``/lang`` shows the buttons; ``/lang hant`` sets it; a name it does not know shows the
    buttons too."""
    wanted = typed_language(args) if args.strip() else None
    if wanted is not None:
        _set(ctx, wanted)
        return
    ctx.reply(ctx._("Please choose your language:"), keyboard(language_buttons()))


@router.button(ChooseLanguage)
def show_choice(ctx: Ctx, payload: ChooseLanguage) -> None:
    """The language buttons."""
    choose(ctx, "")


@router.button(SetLanguage)
def set_language(ctx: Ctx, payload: SetLanguage) -> None:
    """A language button: write in it from now on (the type admits only supported codes)."""
    _set(ctx, payload.code)


def _set(ctx: Ctx, code: str) -> None:
    set_locale(ctx.session, ctx.user, code)
    ctx.lang = language(code, ctx.lang.tz.key)
    ctx.reply(
        ctx._("From now on I will write to you in English."),
        main_menu(ctx),
        commands=chat_menu(ctx),
    )


@router.on_text
def typed_language_name(ctx: Ctx) -> bool:
    """Typing “简体”, “繁體”, “中文” or “English” outside a form switches the language: a
    neighbour who cannot read the current one can still find their way."""
    text = ctx.inbound.text.strip()
    code = typed_language(text) if not text.isascii() or text.casefold() == "english" else None
    if code is None:
        return False
    _set(ctx, code)
    return True
