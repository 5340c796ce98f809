"""The rules of docs/translating.md, checked on the three catalogs.

"Resident-facing" is decided from the code (``tests/audience.py``): every string except those
whose every source file is staff-only by what it registers (only staff roles, only staff
templates) or whose ``# Translators:`` comment says ``staff only``; a template in a staff file
that goes to residents keeps its strings resident-facing. Babel writes the source file of each
string into the catalog (``#: handlers/…``), so the checks can tell."""

from __future__ import annotations

import re
from pathlib import Path

import opencc
import pytest
from babel.messages.pofile import read_po

from handlers import build_registry, hant
from handlers.i18n import LANGUAGE_NAMES
from tests import audience

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "locales"

#: Placeholders that become Chinese words (a name, a place, a title, a status…): no space
#: between them and a Chinese character.
CHINESE_PLACEHOLDERS = {
    "name",
    "place",
    "holder",
    "status",
    "title",
    "category",
    "team",
    "language",
    "question",
    "summary",
    "volunteer",
    "who",
    "kind",
    "kinds",
    "roles",
    "reason",
    "building",
}
HAN = r"[\u3400-\u9fff]"
#: A count placeholder followed by a noun: "{count} places", "{hours} service hours".
COUNTED = re.compile(
    r"\{(count|n|number|places|people|held|hours|minutes|days|size|left|total|resolved|requests)\}"
    r" (?!of\b|or\b|to\b|and\b|at\b|now\b)[a-z]"
)
#: Counts that need no plural form, each with the reason.
COUNT_EXCEPTIONS = {
    "{hours} h {minutes} min": "abbreviated units (h, min) take no plural",
    "{minutes} min": "abbreviated unit (min) takes no plural",
    "{hours} h": "abbreviated unit (h) takes no plural",
    "{days} d": "abbreviated unit (d) takes no plural",
    "{days} d {hours} h": "abbreviated units (d, h) take no plural",
    "{count} received": "a figure on the report's card: '1 received' reads right",
    "{count} resolved": "a figure on the report's card: '1 resolved' reads right",
    "{count} settled": "a figure on the report's card: '1 settled' reads right",
}
#: No resident reads more than this in one message (characters of the template).
MAX_RESIDENT_LENGTH = 400
#: Longer templates, each with the reason it cannot be cut.
LONG_EXCEPTIONS: dict[str, str] = {}


def _catalog(code: str):
    with (LOCALES / code / "LC_MESSAGES" / "messages.po").open("rb") as fp:
        return read_po(fp, locale=code)


def _messages(code: str) -> list:
    return [m for m in _catalog(code) if m.id]


def _strings(message) -> tuple[str, ...]:
    return tuple(message.string) if isinstance(message.string, tuple | list) else (message.string,)


def _msgid(message) -> str:
    return message.id if isinstance(message.id, str) else message.id[0]


AUDIENCE = audience.read(build_registry())


def resident_facing(message) -> bool:
    return AUDIENCE.resident_facing(message)


def test_who_reads_a_string_is_read_from_the_code():
    """A file whose entry points all need a staff role is staff-only; a template in it that
    goes to residents (a mediator's question to the reporter) is not, nor is a file that
    takes residents' words."""
    assert "handlers/disputes/mediate.py" in AUDIENCE.staff_files
    assert "handlers/events/manage.py" in AUDIENCE.staff_files
    assert "handlers/events/changes.py" in AUDIENCE.staff_files
    assert "handlers/volunteering/coordinate.py" in AUDIENCE.staff_files
    assert "handlers/disputes/report.py" not in AUDIENCE.staff_files
    assert "handlers/volunteering/checkin.py" not in AUDIENCE.staff_files  # a code is typed
    by_id = {_msgid(m): m for m in _messages("zh_Hans")}
    question = next(k for k in by_id if k.startswith("The mediators have a question about"))
    assert resident_facing(by_id[question]) and resident_facing(by_id["✍️ Answer"])
    assert not resident_facing(by_id["📝 {form} · case {ref}"])  # a mediator's form on a case
    assert resident_facing(by_id["Sorry, only the community's mediators can do this."])


def test_every_string_knows_its_source_file():
    """Without locations the resident-facing checks would see nothing: run scripts/i18n.py."""
    unplaced = [_msgid(m) for m in _messages("zh_Hans") if not m.locations]
    assert unplaced == []


#: Words only staff read: 案件 sounds like the police or a court (residents read 纠纷 / 事项 /
#: 您反映的问题); only volunteers work the queue (a resident's request is 交回志愿服务队); a
#: message that "was dropped" says nothing to a reader of plain English.
STAFF_WORDS = {
    "zh_Hans": ("案件", "队列"),
    "zh_Hant": ("案件", "隊列", "佇列"),
    "en": ("dropped",),
}


@pytest.mark.parametrize("code", sorted(STAFF_WORDS))
def test_no_staff_word_reaches_residents(code):
    found = [
        (_msgid(m), s)
        for m in _messages(code)
        if resident_facing(m)
        for s in _strings(m)
        if any(word in s for word in STAFF_WORDS[code])
    ]
    assert found == []


@pytest.mark.parametrize("code", ["zh_Hans", "zh_Hant"])
def test_no_space_between_chinese_and_a_placeholder_that_becomes_chinese(code):
    names = "|".join(sorted(CHINESE_PLACEHOLDERS))
    spaced = re.compile(rf"{HAN} \{{({names})\}}|\{{({names})\}} {HAN}")
    found = [(_msgid(m), s) for m in _messages(code) for s in _strings(m) if spaced.search(s)]
    assert found == []


#: Placeholders for a date written out (12月24日, 12月24日周四): it starts with a digit, so a
#: space stands before it, but it ends in a Chinese character, so none after it.
DATE_PLACEHOLDERS = {"date", "day", "deadline_day"}


@pytest.mark.parametrize("code", ["zh_Hans", "zh_Hant"])
def test_no_space_after_a_date_that_ends_in_chinese(code):
    names = "|".join(sorted(DATE_PLACEHOLDERS))
    spaced = re.compile(rf"\{{({names})\}} {HAN}")
    found = [(_msgid(m), s) for m in _messages(code) for s in _strings(m) if spaced.search(s)]
    assert found == []


def test_counts_have_plural_forms():
    """“{count} places” must be ngettext, or it reads “1 places” (a heuristic: a count
    placeholder followed by an English word)."""
    found = [
        m.id
        for m in _messages("en")
        if isinstance(m.id, str) and COUNTED.search(m.id) and m.id not in COUNT_EXCEPTIONS
    ]
    assert found == []


@pytest.mark.parametrize("code", ["en", "zh_Hans", "zh_Hant"])
def test_resident_messages_are_short(code):
    long = [
        (_msgid(m), len(s))
        for m in _messages(code)
        if resident_facing(m) and _msgid(m) not in LONG_EXCEPTIONS
        for s in _strings(m)
        if len(s) > MAX_RESIDENT_LENGTH
    ]
    assert long == []


def test_traditional_catalog_is_complete_and_up_to_date():
    """Every Simplified entry has its Traditional one, and the file is what the build makes."""
    simplified = {_msgid(m): _strings(m) for m in _messages("zh_Hans")}
    traditional = {_msgid(m): _strings(m) for m in _messages("zh_Hant")}
    assert traditional.keys() == simplified.keys()
    assert [k for k, v in traditional.items() if not all(v)] == []
    path = LOCALES / "zh_Hant" / "LC_MESSAGES" / "messages.po"
    assert path.read_bytes() == hant.render(LOCALES), "run scripts/i18n.py --generate"


#: Characters that OpenCC's s2t would change but that are standard Traditional too, with why.
SHARED_CHARACTERS = {
    "里": "鄰里: 里 is a Traditional character as well as the simplified form of 裏",
    "群": "the Taiwan standard form (s2t writes the older 羣)",
    "准": "to permit (核准, 批准) is 准 in Traditional too; 準 means accurate",
}


def test_traditional_catalog_has_no_simplified_character():
    """OpenCC itself is the judge: a character that s2t would change and t2s would not is a
    Simplified form (们 → 們), unless it is one of the few ``SHARED_CHARACTERS``."""
    to_simplified = opencc.OpenCC("t2s").convert
    to_traditional = opencc.OpenCC("s2t").convert

    def simplified_only(text: str) -> set[str]:
        return {
            c
            for c in text
            if to_traditional(c) != c and to_simplified(c) == c and c not in SHARED_CHARACTERS
        }

    def without_language_names(text: str) -> str:  # 简体 is a button label in every language
        for name in LANGUAGE_NAMES.values():
            text = text.replace(name, "")
        return text

    left = {
        s: simplified_only(without_language_names(s))
        for m in _messages("zh_Hant")
        for s in _strings(m)
    }
    assert {s: chars for s, chars in left.items() if chars} == {}
    assert simplified_only("我们的活动后") == {"们", "动", "后"}  # the check can fail


#: Proper names that hold a listed word and stay as they are: the PRC law's own name.
PROPER_NAMES = ("個人信息保護法",)


def _mainland_words() -> dict[str, str]:
    path = LOCALES / "zh_Hant" / "mainland-words.tsv"
    lines = path.read_text(encoding="utf-8").splitlines()
    pairs = (line.split("\t") for line in lines if line.strip() and not line.startswith("#"))
    return {word: instead for word, instead in pairs}


def test_traditional_catalog_has_no_mainland_word():
    """繁體 is read in Taiwan and Hong Kong: 志工 not 志願者, 私訊 not 私聊, 指令 not 命令, and the
    measure words 項 (requests) and 則 (messages, notices, reports, ratings), not 條."""
    words = _mainland_words()
    found = {}
    for message in _messages("zh_Hant"):
        for string in _strings(message):
            for name in PROPER_NAMES:
                string = string.replace(name, "")
            hits = [f"{word} → {words[word]}" for word in words if word in string]
            if hits:
                found[string] = hits
    assert found == {}
    assert "志願者" in words and "條訊息" in words  # the list is read: the check can fail


def test_overrides_are_applied():
    """The reviewed word list wins over character-by-character conversion."""
    overrides = hant.read_overrides(LOCALES / "zh_Hant" / hant.OVERRIDES_NAME)
    assert hant.to_traditional("删除我的数据", overrides) == "刪除我的資料"
    assert hant.to_traditional("好消息：您的消息已发送", overrides) == "好消息：您的訊息已發送"
    assert hant.to_traditional("“活动”", overrides) == "「活動」"
    assert hant.to_traditional("请私聊我，志愿者会回复", overrides) == "請私訊我，志工會回覆"
    assert hant.to_traditional("{count} 条求助，2 条消息", overrides) == "{count} 項求助，2 則訊息"
    assert hant.to_traditional("确认并发送", overrides) == "確認並發送"
    # 通过 is 透過 (by means of) but 通過 (passed) before 审核 / 审批; 只 is never 隻 here
    assert hant.to_traditional("未通过审批，通过私聊发送", overrides) == "未通過審核，透過私訊發送"
    assert hant.to_traditional("最多只能收 3 张", overrides) == "最多只能收 3 張"
    assert hant.to_traditional("请联系前台的志愿者", overrides) == "請聯絡櫃檯的志工"
