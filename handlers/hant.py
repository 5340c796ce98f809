"""繁體中文 (``zh_Hant``), made from the Simplified catalog so nobody keeps a third one by hand.

Each ``zh_Hans`` msgstr goes through OpenCC's ``s2tw`` (Simplified → Traditional characters,
Taiwan standard forms, character by character, no phrase rewriting), then through the reviewed
word list ``locales/zh_Hant/overrides.tsv`` for the words Traditional readers write differently
(数据 → 資料, 文件 → 檔案, 消息 → 訊息 …); quotation marks become corner brackets 「」.
``scripts/i18n.py`` and ``scripts/bootstrap.sh``
write the result to ``locales/zh_Hant/LC_MESSAGES/messages.po`` (not committed); the loader in
``handlers/i18n.py`` builds it in memory when that file is missing.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import opencc
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

#: OpenCC configuration: Taiwan character forms, without s2twp's phrase table (which turns
#: 社区 into 社群 and 发送 into 傳送 — wrong for a neighbourhood).
CONFIG = "s2tw"
OVERRIDES_NAME = "overrides.tsv"
#: Traditional text quotes with corner brackets: “活动” → 「活動」, ‘…’ → 『…』.
QUOTES = str.maketrans({"“": "「", "”": "」", "‘": "『", "’": "』"})


@cache
def converter() -> opencc.OpenCC:
    return opencc.OpenCC(CONFIG)


def traditional_forms(words: Iterable[str]) -> tuple[str, ...]:
    """Each word as written in Simplified, in Taiwan forms and in Hong Kong forms (着火, 著火,
    火灾, 火災 …), so a list of words typed by people matches every script."""
    forms = {word for word in words}
    for config in ("s2t", "s2tw", "s2hk"):
        convert = opencc.OpenCC(config).convert
        forms.update(convert(word) for word in words)
    return tuple(sorted(forms))


def read_overrides(path: Path) -> tuple[tuple[str, str], ...]:
    """(the Simplified word as OpenCC writes it in Traditional, the reviewed word), longest
    first so a longer entry protects a phrase from a shorter one."""
    pairs = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        simplified, sep, traditional = line.partition("\t")
        if not sep or not simplified.strip() or not traditional.strip():
            raise ValueError(f"{path}:{number}: expected 'Simplified<TAB>Traditional'")
        pairs.append((converter().convert(simplified.strip()), traditional.strip()))
    return tuple(sorted(pairs, key=lambda pair: -len(pair[0])))


def to_traditional(text: str, overrides: Iterable[tuple[str, str]]) -> str:
    """``text`` in Traditional characters, with the reviewed words put in (one pass, so a
    replacement is never replaced again)."""
    converted = converter().convert(text).translate(QUOTES)
    table = dict(overrides)
    if not table:
        return converted
    pattern = re.compile("|".join(re.escape(word) for word in table))  # longest first
    return pattern.sub(lambda match: table[match.group(0)], converted)


def build(source: Catalog, overrides: Iterable[tuple[str, str]]) -> Catalog:
    """The zh_Hant catalog: the same msgids and comments, each msgstr converted."""
    overrides = tuple(overrides)
    target = Catalog(
        locale="zh_Hant",
        domain=source.domain,
        project=source.project,
        version=source.version,
        copyright_holder=source.copyright_holder,
        msgid_bugs_address=source.msgid_bugs_address,
        creation_date=source.creation_date,
        revision_date=source.revision_date,
        language_team="zh_Hant <generated from zh_Hans by OpenCC s2tw>",
        fuzzy=False,
    )
    for message in source:
        if not message.id:
            continue
        if isinstance(message.string, tuple | list):
            string = tuple(to_traditional(s, overrides) for s in message.string)
        else:
            string = to_traditional(message.string or "", overrides)
        target.add(
            message.id,
            string,
            locations=message.locations,
            flags=message.flags,
            auto_comments=message.auto_comments,
            user_comments=message.user_comments,
            context=message.context,
        )
    return target


def render(locales_dir: Path) -> bytes:
    """The generated ``zh_Hant/LC_MESSAGES/messages.po``, as bytes (sorted, width 100)."""
    with (locales_dir / "zh_Hans" / "LC_MESSAGES" / "messages.po").open("rb") as fp:
        source = read_po(fp, locale="zh_Hans")
    catalog = build(source, read_overrides(locales_dir / "zh_Hant" / OVERRIDES_NAME))
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, sort_output=True, omit_header=False)
    return buffer.getvalue()


def generate(locales_dir: Path) -> Path:
    """Write the zh_Hant catalog (only when its content changes) and return its path."""
    path = locales_dir / "zh_Hant" / "LC_MESSAGES" / "messages.po"
    content = render(locales_dir)
    if not path.exists() or path.read_bytes() != content:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return path
