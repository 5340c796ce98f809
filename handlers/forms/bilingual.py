"""The title and the description in Chinese and in English: the questions a form asks about
anything residents read in either language (an event, a volunteer opportunity), declared
once. The answers are kept under ``title_zh``, ``title_en``, ``description_zh`` and
``description_en`` (the names the database's columns have)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from handlers.forms.fields import Invalid, TextField
from handlers.i18n import N_

TITLE_LENGTH = 200
DESCRIPTION_LENGTH = 2000
#: The English title asked again, not skippable, when the Chinese one was skipped.
TITLE_EN_REQUIRED = "title_en_required"


def _no_zh_title(data: Mapping[str, Any]) -> bool:
    """The Chinese title was skipped (so the English one is required)."""
    return data.get("title_zh") is None


def _has_zh_title(data: Mapping[str, Any]) -> bool:
    return not _no_zh_title(data)


def bilingual_fields(*, title_en_required: str | None = None) -> tuple[TextField, ...]:
    """The title and the description, each in Chinese and in English, each skippable.

    ``title_en_required`` (a msgid): once the Chinese title is skipped, the English title is
    asked with this prompt and cannot be skipped (kept under ``TITLE_EN_REQUIRED``). None: both
    titles may be skipped, and ``titles`` refuses the form at the end when they were."""
    title_en = TextField(
        name="title_en",
        prompt=N_("The title in English (or Skip if there is none)."),
        label=N_("English title"),
        optional=True,
        max_length=TITLE_LENGTH,
        when=None if title_en_required is None else _has_zh_title,
    )
    required = (
        ()
        if title_en_required is None
        else (
            TextField(
                name=TITLE_EN_REQUIRED,
                prompt=title_en_required,
                label=N_("English title"),
                max_length=TITLE_LENGTH,
                when=_no_zh_title,
            ),
        )
    )
    return (
        TextField(
            name="title_zh",
            prompt=N_("The title in Chinese (or Skip if there is none)."),
            label=N_("Chinese title"),
            optional=True,
            max_length=TITLE_LENGTH,
        ),
        title_en,
        *required,
        TextField(
            name="description_zh",
            prompt=N_("A description in Chinese."),
            label=N_("Chinese description"),
            optional=True,
            max_length=DESCRIPTION_LENGTH,
        ),
        TextField(
            name="description_en",
            prompt=N_("A description in English."),
            label=N_("English description"),
            optional=True,
            max_length=DESCRIPTION_LENGTH,
        ),
    )


def titles(
    data: Mapping[str, Any], missing: str, *, field: str | None = None
) -> tuple[str | None, str | None]:
    """The Chinese and the English title answered (the English one from whichever question
    asked it). Neither: ``Invalid(missing)``, naming ``field`` to ask again (None: none)."""
    title_zh = data.get("title_zh")
    title_en = data.get("title_en") or data.get(TITLE_EN_REQUIRED)
    if not title_zh and not title_en:
        raise Invalid(missing, field=field)
    return title_zh, title_en
