"""The words of the 五及 report, shared by the picture and the CSV: every one goes through
gettext (module constants are ``N_``), so each language the catalogs hold labels both."""

from __future__ import annotations

from datetime import date

from babel.dates import format_skeleton
from babel.numbers import format_percent

from handlers.disputes.common import CATEGORY_LABELS as DISPUTE_CATEGORIES
from handlers.i18n import N_, Language
from handlers.requests.common import category_label
from handlers.stats.periods import MONTH, Period

#: The five measures, in the order of the community's rule.
MEASURES = (
    ("know", N_("Know concerns in time")),
    ("answer", N_("Answer requests in time")),
    ("help", N_("Bring help in time")),
    ("settle", N_("Settle disputes in time")),
    ("talk", N_("Talk hot issues through in time")),
)
NO_VALUE = "—"


def duration(lang: Language, seconds: float | None) -> str:
    """A duration as "12 min", "3 h 05 min" or "2 d 4 h"; a dash for none."""
    if seconds is None:
        return NO_VALUE
    minutes = round(seconds / 60)
    if minutes < 60:
        return lang.gettext("{minutes} min").format(minutes=minutes)
    if minutes < 48 * 60:
        if minutes % 60 == 0 or minutes >= 10 * 60:
            return lang.gettext("{hours} h").format(hours=round(minutes / 60))
        return lang.gettext("{hours} h {minutes} min").format(
            hours=minutes // 60, minutes=f"{minutes % 60:02d}"
        )
    hours = round(minutes / 60)
    if hours % 24 == 0:
        return lang.gettext("{days} d").format(days=hours // 24)
    return lang.gettext("{days} d {hours} h").format(days=hours // 24, hours=hours % 24)


def percent(lang: Language, share: float | None) -> str:
    """A share as "87%" in the locale's way; a dash for none."""
    if share is None:
        return NO_VALUE
    return format_percent(share, locale=lang.babel)


def number(lang: Language, value: float | None, digits: int = 0) -> str:
    if value is None:
        return NO_VALUE
    return lang.number(round(value, digits) if digits else int(value))


def period_name(lang: Language, period: Period) -> str:
    """ "November 2026" or "Week of 2 Nov 2026", in ``lang``."""
    if period.kind == MONTH:
        return format_skeleton("yMMMM", period.start, locale=lang.babel)
    return lang.gettext("Week of {date}").format(
        date=format_skeleton("yMMMd", period.start, locale=lang.babel)
    )


def short_date(lang: Language, iso: str) -> str:
    """A week's Monday on an axis: "11/3" or "3 Nov"."""
    return format_skeleton("MMMd", date.fromisoformat(iso), locale=lang.babel)


def request_category(lang: Language, key: str) -> str:
    return category_label(lang, key)


def dispute_category(lang: Language, key: str) -> str:
    """A dispute category without its emoji marker (the picture's font has none)."""
    label = lang.gettext(DISPUTE_CATEGORIES.get(key, DISPUTE_CATEGORIES["other"]))
    head, _, rest = label.partition(" ")
    return rest if rest and not any(ch.isalnum() for ch in head) else label
