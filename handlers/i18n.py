"""Translations and locale-aware formatting.

Every user-visible string is an English msgid passed to ``gettext`` (``ctx._``); module-level
constants are marked with ``N_`` and translated when shown. The catalogs live in ``locales/``
(``en`` and ``zh_Hans``); ``pybabel compile`` makes the ``.mo`` files, and a ``.mo`` that is
missing or older than its ``.po`` is compiled in memory so a fresh checkout still speaks.
"""

from __future__ import annotations

import io
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

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"
SUPPORTED = ("zh_Hans", "en")
#: The language buttons read the same in both locales (glossary: 中文 / English).
LANGUAGE_NAMES = {"zh_Hans": "中文", "en": "English"}


def N_(message: str) -> str:
    """Mark a module-level string for extraction; translate it later with ``ctx._``."""
    return message


def normalise(code: str | None) -> str | None:
    """Map a locale code from anywhere (``zh-hans``, ``zh_CN``, ``en-GB``, ``zh``) to one of
    ``SUPPORTED``, or None for anything empty."""
    if not code:
        return None
    lowered = code.strip().replace("-", "_").lower()
    if not lowered:
        return None
    return "zh_Hans" if lowered.startswith("zh") else "en"


def negotiate(chosen: str | None, hint: str | None, default: str) -> str:
    """The user's own choice, else the platform's hint (``zh*`` → Chinese, any other language
    → English), else the community default."""
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
    if po_path.exists():
        with po_path.open("rb") as fp:
            catalog = read_po(fp, locale=code)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        return Translations(buffer, domain=DOMAIN)
    return NullTranslations()


class Language:
    """One locale in one time zone: translation plus CLDR formatting of dates and numbers."""

    __slots__ = ("babel", "code", "translations", "tz")

    def __init__(self, code: str, tz: ZoneInfo, translations: NullTranslations) -> None:
        self.code = code
        self.tz = tz
        self.babel = Locale.parse(code)
        self.translations = translations

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.translations.ngettext(singular, plural, n)

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
