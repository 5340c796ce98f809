"""Translations and locale-aware formatting.

Every user-visible string is an English msgid passed to ``gettext`` (``ctx._``); module-level
constants are marked with ``N_`` and translated when shown. The catalogs live in ``locales/``
(``en`` and ``zh_Hans``; ``zh_Hant`` is generated from ``zh_Hans`` by ``handlers/hant.py``);
``pybabel compile`` makes the ``.mo`` files, and a ``.mo`` that is missing or older than its
``.po`` is compiled in memory so a fresh checkout still speaks.
"""

from __future__ import annotations

import io
import re
import string
from collections.abc import Sequence
from datetime import datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_skeleton, format_time
from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

from handlers import hant

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"
SUPPORTED = ("zh_Hans", "zh_Hant", "en")
#: The language buttons read the same in every locale (glossary: 简体 / 繁體 / English).
LANGUAGE_NAMES = {"zh_Hans": "简体", "zh_Hant": "繁體", "en": "English"}
#: A language named in a sentence ("Language: 繁體中文"), also the same in every locale.
LANGUAGE_FULL_NAMES = {"zh_Hans": "简体中文", "zh_Hant": "繁體中文", "en": "English"}
#: Telegram and browser tags (lower case, ``_`` for ``-``) that mean Traditional characters.
_TRADITIONAL = ("zh_hant", "zh_tw", "zh_hk", "zh_mo")
#: What ``/lang`` accepts typed after it, and what typed alone switches the language.
TYPED_NAMES = {
    "zh_Hans": ("简体", "簡體", "简体中文", "簡體中文", "中文", "zh", "hans", "cn", "zh_hans"),
    "zh_Hant": ("繁體", "繁体", "繁體中文", "繁体中文", "正體", "hant", "tw", "hk", "zh_hant"),
    "en": ("English", "英文", "en", "eng"),
}


def N_(message: str) -> str:
    """Mark a module-level string for extraction; translate it later with ``ctx._``."""
    return message


def Np_(singular: str, plural: str) -> tuple[str, str]:
    """Mark a module-level plural pair for extraction (``-k Np_:1,2``); translate it later with
    ``lang.ngettext(*pair, n)``."""
    return (singular, plural)


def normalise(code: str | None) -> str | None:
    """Map a locale code from anywhere (``zh-hans``, ``zh_CN``, ``en-GB``, ``zh``) to one of
    ``SUPPORTED``, or None for anything empty."""
    if not code:
        return None
    lowered = code.strip().replace("-", "_").lower()
    if not lowered:
        return None
    if lowered.startswith(_TRADITIONAL):
        return "zh_Hant"
    return "zh_Hans" if lowered.startswith("zh") else "en"


def is_chinese(code: str | None) -> bool:
    """True for both Chinese locales (Simplified and Traditional): the code paths that pick a
    Chinese title, Chinese headers or Chinese words test this, never ``== "zh_Hans"``."""
    return bool(code) and code.lower().startswith("zh")


def written(code: str, zh: str | None, en: str | None) -> tuple[str, bool]:
    """What people wrote for others to read (event titles, notices …), for a reader of
    ``code``: the text in their language, else the other one (then the second item is True);
    Chinese in Traditional characters for a zh_Hant reader (``for_reader``). Every service
    chooses content this one way."""
    first, second = (zh, en) if is_chinese(code) else (en, zh)
    text = first or second or ""
    return for_reader(code, text), not first and bool(second)


def for_reader(code: str, text: str | None) -> str:
    """Text a person wrote in one language (a building's name, a mediator's update, a meeting
    place, a volunteer's summary), for a reader of ``code``: Chinese turned into Traditional
    characters for a zh_Hant reader (OpenCC ``s2tw``, characters only — the writer's words are
    kept, no word list); Latin text and every other reader's text unchanged."""
    if not text or code != "zh_Hant":
        return text or ""
    return hant.converter().convert(text)


def typed_language(text: str) -> str | None:
    """The locale that ``text`` names (“繁體”, “hant”, “English”, “中文”), else None."""
    typed = text.strip().replace("-", "_").casefold()
    for code, names in TYPED_NAMES.items():
        if typed in (name.casefold() for name in names):
            return code
    return None


def negotiate(chosen: str | None, hint: str | None, default: str) -> str:
    """The user's own choice, else the platform's hint (``zh-hant``, ``zh-tw``, ``zh-hk``,
    ``zh-mo`` → Traditional, other ``zh*`` → Simplified, any other language → English), else
    the community default."""
    if chosen in SUPPORTED:
        return chosen
    return normalise(hint) or normalise(default) or "zh_Hans"


def _load_translations(code: str, locales_dir: Path) -> NullTranslations:
    folder = locales_dir / code / "LC_MESSAGES"
    po_path, mo_path = folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"
    if mo_path.exists() and (
        not po_path.exists() or mo_path.stat().st_mtime >= po_path.stat().st_mtime
    ):
        with mo_path.open("rb") as fp:
            return Translations(fp, domain=DOMAIN)
    if po_path.exists() or code == "zh_Hant":
        if po_path.exists():
            with po_path.open("rb") as fp:
                catalog = read_po(fp, locale=code)
        else:  # not generated yet (installed without scripts/bootstrap.sh): make it now
            catalog = read_po(io.BytesIO(hant.render(locales_dir)), locale=code)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        return Translations(buffer, domain=DOMAIN)
    return NullTranslations()


_HAN = re.compile(r"[\u3400-\u9fff]")
_LATIN = re.compile(r"[A-Za-z0-9]")
_FORMATTER = string.Formatter()


class Spaced(str):
    """A Chinese template whose ``format`` decides spacing on the rendered text: a space goes
    between a Chinese character and a value that begins or ends with a Latin letter or digit
    (“志愿服务队的 Bob 正在帮您”), none next to a Chinese value (“志愿服务队的王芳正在帮您”). So
    templates never carry spaces around ``{name}``, ``{place}``, ``{title}``…"""

    __slots__ = ()

    def format(self, *args: object, **kwargs: object) -> str:
        pieces: list[str] = []
        after_latin = False  # the last piece was a value ending in a Latin letter or digit
        auto = 0
        for literal, field, spec, conversion in _FORMATTER.parse(self):
            if literal:
                if after_latin and _HAN.match(literal):
                    pieces.append(" ")
                pieces.append(literal)
                after_latin = False
            if field is None:
                continue
            if field == "":
                field, auto = str(auto), auto + 1
            value, _ = _FORMATTER.get_field(field, args, kwargs)
            text = _FORMATTER.format_field(_FORMATTER.convert_field(value, conversion), spec or "")
            previous = pieces[-1][-1:] if pieces else ""
            if text and previous and _HAN.match(previous) and _LATIN.match(text[0]):
                pieces.append(" ")
            pieces.append(text)
            after_latin = bool(text) and bool(_LATIN.match(text[-1]))
        return "".join(pieces)


class Language:
    """One locale in one time zone: translation plus CLDR formatting of dates and numbers."""

    __slots__ = ("babel", "code", "translations", "tz")

    def __init__(self, code: str, tz: ZoneInfo, translations: NullTranslations) -> None:
        self.code = code
        self.tz = tz
        self.babel = Locale.parse(code)
        self.translations = translations

    def gettext(self, message: str) -> str:
        text = self.translations.gettext(message)
        return Spaced(text) if is_chinese(self.code) else text

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        text = self.translations.ngettext(singular, plural, n)
        return Spaced(text) if is_chinese(self.code) else text

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.tz)

    def datetime(self, moment: datetime) -> str:
        """Weekday, date and time in the community's zone, joined the locale's own way."""
        local = self.local(moment)
        day = format_skeleton("yMMMEd", local, locale=self.babel)
        clock = format_skeleton("Hm", local, locale=self.babel)
        pattern = str(self.babel.datetime_formats["medium"])
        return pattern.replace("{1}", day).replace("{0}", clock)

    def date(self, moment: datetime) -> str:
        return format_date(self.local(moment).date(), format="medium", locale=self.babel)

    def time(self, moment: datetime) -> str:
        return format_time(self.local(moment).time(), format="HH:mm", locale=self.babel)

    def number(self, value: float) -> str:
        return format_decimal(value, locale=self.babel)

    def list(self, items: Sequence[str]) -> str:
        return format_list(list(items), locale=self.babel)


@cache
def language(code: str, tz_name: str, locales_dir: Path = LOCALES_DIR) -> Language:
    """The ``Language`` for ``code`` (one of ``SUPPORTED``) in the zone ``tz_name``."""
    if code not in SUPPORTED:
        raise ValueError(f"unsupported locale {code!r}")
    return Language(code, ZoneInfo(tz_name), _load_translations(code, locales_dir))
