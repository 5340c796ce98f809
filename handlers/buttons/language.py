"""The language buttons (``lang:…``): see ``handlers/buttons/__init__.py``."""

from __future__ import annotations

from typing import Literal

from handlers.payloads import Payload


class ChooseLanguage(Payload, prefix="lang", action="choose", aliases=("menu",)):
    """Show the language buttons."""


class SetLanguage(Payload, prefix="lang", action="set"):
    """Write to me in this language from now on."""

    code: Literal["zh_Hans", "zh_Hant", "en"]
