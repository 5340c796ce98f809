"""The catalogs are complete and consistent with the code; negotiation and formatting."""

from __future__ import annotations

import re
import runpy
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from handlers.i18n import language, negotiate, normalise

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "locales"
PLACEHOLDER = re.compile(r"\{(\w*)\}")


def _catalog(code: str):
    with (LOCALES / code / "LC_MESSAGES" / "messages.po").open("rb") as fp:
        return read_po(fp, locale=code)


def _entries(code: str):
    return [m for m in _catalog(code) if m.id]


def _ids(messages) -> set:
    return {m.id if isinstance(m.id, str) else tuple(m.id) for m in messages}


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> set:
    """The msgids the code uses right now."""
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    runpy.run_path(str(ROOT / "scripts" / "i18n.py"))["extract"](pot)  # as scripts/i18n.py does
    with pot.open("rb") as fp:
        return _ids(m for m in read_po(fp) if m.id)


def test_catalogs_match_the_code(extracted):
    """Every string the code shows is in both catalogs (run scripts/i18n.py after adding one)."""
    for code in ("en", "zh_Hans"):
        missing = extracted - _ids(_entries(code))
        assert not missing, f"{code} lacks {sorted(map(str, missing))}; run python scripts/i18n.py"


@pytest.mark.parametrize("code", ["zh_Hans", "en"])
def test_every_msgid_is_translated_and_not_fuzzy(code):
    empty = [
        m.id
        for m in _entries(code)
        if not (any(m.string) if isinstance(m.string, tuple) else m.string)
    ]
    fuzzy = [m.id for m in _entries(code) if m.fuzzy]
    assert empty == [], f"untranslated in {code}"
    assert fuzzy == [], f"fuzzy in {code}"


@pytest.mark.parametrize("code", ["zh_Hans", "en"])
def test_placeholders_match_their_msgid(code):
    for message in _entries(code):
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = set(PLACEHOLDER.findall(ids[0]))
        for string in strings:
            assert set(PLACEHOLDER.findall(string)) == expected, (message.id, string)


def test_chinese_uses_full_width_punctuation_and_you_polite():
    """Glossary tone: 您 not 你; no ASCII comma, colon, question or exclamation mark between
    Chinese characters."""
    ascii_between_chinese = re.compile(r"[\u4e00-\u9fff][,:?!;][\u4e00-\u9fff]")
    for message in _entries("zh_Hans"):
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for string in strings:
            assert "你" not in string.replace("您", ""), string
            assert not ascii_between_chinese.search(string), string


@pytest.mark.parametrize(
    ("chosen", "hint", "default", "expected"),
    [
        ("en", "zh-hans", "zh_Hans", "en"),  # the user's own choice wins
        (None, "zh-hans", "en", "zh_Hans"),
        (None, "zh", "en", "zh_Hans"),
        (None, "zh-HK", "en", "zh_Hant"),
        (None, "zh-hant", "en", "zh_Hant"),
        (None, "zh-TW", "zh_Hans", "zh_Hant"),
        (None, "zh-mo", "en", "zh_Hant"),
        (None, "zh-Hant-HK", "en", "zh_Hant"),
        (None, "zh-CN", "en", "zh_Hans"),
        (None, None, "zh_Hant", "zh_Hant"),
        ("zh_Hant", "en", "zh_Hans", "zh_Hant"),
        (None, "fr", "zh_Hans", "en"),
        (None, "en-GB", "zh_Hans", "en"),
        (None, None, "zh_Hans", "zh_Hans"),
        (None, "", "en", "en"),
        ("xx", None, "en", "en"),  # garbage in the database is ignored
    ],
)
def test_negotiation(chosen, hint, default, expected):
    assert negotiate(chosen, hint, default) == expected


def test_normalise():
    assert normalise("zh_CN") == "zh_Hans"
    assert normalise("  ") is None


def test_dates_are_formatted_in_the_community_zone_per_locale():
    moment = datetime(2026, 12, 24, 11, 0, tzinfo=UTC)  # 19:00 in Chengdu
    assert language("zh_Hans", "Asia/Shanghai").datetime(moment) == "2026年12月24日周四 19:00"
    assert language("en", "Asia/Shanghai").datetime(moment) == "Thu, Dec 24, 2026, 19:00"
    assert language("en", "Europe/Berlin").time(moment) == "12:00"
    assert language("zh_Hans", "Asia/Shanghai").list(["甲", "乙", "丙"]) == "甲、乙和丙"


def test_plural_forms():
    assert language("en", "UTC").ngettext("{count} photo", "{count} photos", 1) == "{count} photo"
    assert language("en", "UTC").ngettext("{count} photo", "{count} photos", 3) == "{count} photos"
    assert (
        language("zh_Hans", "UTC").ngettext("{count} photo", "{count} photos", 3)
        == "{count} 张照片"
    )
