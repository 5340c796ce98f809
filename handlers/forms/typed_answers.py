"""Answers typed where buttons were offered: a number of people (“我和孙子两个人”, “三位”,
“2 people”), a yes or a no (“是的”, “好”, “ok”), an option's label typed loosely
(“hospitl visit”). The form engine's fields read them (``fields.py``); outside a form the
dispatcher presses the button they name (``pick``) and asks a count question again when the
number is over its largest button (``ask_again``)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from rapidfuzz import fuzz

from handlers.i18n import N_
from handlers.intents.vocabulary import normalise
from handlers.types import Button, Ctx, Kind, rows_of

YES = frozenset(
    {
        *("是", "是的", "是啊", "好", "好的", "好啊", "对", "对的", "可以", "行", "嗯", "嗯嗯"),
        *("要", "确认", "确定", "同意", "没问题", "当然", "愿意", "可以的", "好吧"),
        *("yes", "y", "ok", "okay", "k", "sure", "yeah", "yep", "yup", "of course", "confirm"),
        *("correct", "right", "yes please", "ok thanks", "fine", "agreed", "i agree"),
    }
)
NO = frozenset(
    {
        *("不", "不是", "不要", "不用", "否", "不行", "不好", "不对", "不同意", "不愿意"),
        *("不可以", "没有", "不需要", "算了", "不用了", "不要了", "不了"),
        *("no", "n", "nope", "nah", "no thanks", "not really", "dont", "i dont agree"),
    }
)
#: English number words a person types for a count.
WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "a couple": 2, "couple": 2,
}  # fmt: skip
ALONE = ("just me", "only me", "me alone", "myself", "alone", "就我", "我自己", "我一个", "只有我")
WITH = re.compile(r"(?:^|\b)(?:me|i) and\b|\band (?:me|i)\b|我和|我跟|我带|我帶|我同|和我")
CHINESE_COUNT = re.compile(r"([零〇一二两兩三四五六七八九十百]+)\s*(?:个|個|位|人|口|名)")
CHINESE_ALONE = re.compile(r"^[零〇一二两兩三四五六七八九十百]+$")


def yes_no(text: str) -> bool | None:
    """True for a typed yes, False for a no, None for anything else."""
    said = normalise(text)
    if said in YES:
        return True
    if said in NO:
        return False
    return None


def count(text: str) -> int | None:
    """How many people (or things) a short typed answer names, or None."""
    said = unicodedata.normalize("NFKC", text).casefold().strip()
    digits = re.findall(r"\d+", said)
    if len(digits) == 1 and len(digits[0]) <= 6:
        return int(digits[0])
    if digits:
        return None
    chinese = CHINESE_COUNT.findall(said) or CHINESE_ALONE.findall(said.strip("。！!.，, "))
    if len(chinese) == 1:
        import cn2an  # here, not at the top: its import costs ~0.2 s in every process

        try:
            return int(cn2an.cn2an(chinese[0], "smart"))
        except ValueError:
            return None
    words = normalise(said)
    named = [n for word, n in WORDS.items() if re.search(rf"\b{word}\b", words)]
    if len(named) == 1:
        return named[0]
    if any(alone in words for alone in ALONE):
        return 1
    if WITH.search(words):
        return 2  # “我和老伴”, “me and my wife”
    return None


def loose_choice(text: str, labels: Sequence[Sequence[str]]) -> int | None:
    """The one option whose label (in any language) the typed text is close to, typos and
    all: a clear best, well ahead of the next."""
    typed = normalise(text)
    if len(typed) < 3:
        return None
    scores = sorted(
        (
            (max(fuzz.ratio(typed, normalise(name)) for name in names), index)
            for index, names in enumerate(labels)
        ),
        reverse=True,
    )
    best, index = scores[0]
    runner_up = scores[1][0] if len(scores) > 1 else 0
    enough = 70 if any("\u4e00" <= ch <= "\u9fff" for ch in typed) else 80  # 一字之差 in 4
    return index if best >= enough and best - runner_up >= 10 else None


# ------------------------------------------------------------ outside a form: the buttons shown


def _count_buttons(buttons: Sequence[Sequence[str]]) -> dict[int, str]:
    """The buttons of a count question (labelled 1, 2, 3 …): number → payload."""
    numbered = {int(label): payload for label, payload in buttons if label.strip().isdecimal()}
    return numbered if len(numbered) >= 2 else {}


def pick(ctx: Ctx, text: str, buttons: Sequence[Sequence[str]]) -> str | None:
    """The payload of the button a typed answer names: a count at a count question, a yes or
    a no where Yes/No (or ✅) buttons are shown, an option's label typed loosely."""
    numbered = _count_buttons(buttons)
    if numbered:
        number = count(text)
        if number in numbered:
            return numbered[number]
    answer = yes_no(text)
    if answer is not None:
        wanted = ctx._("Yes") if answer else ctx._("No")
        for label, payload in buttons:
            if label == wanted or (answer and label.startswith("✅")):
                return payload
        return None
    index = loose_choice(text, [(label,) for label, _payload in buttons])
    return buttons[index][1] if index is not None else None


OVER = N_("At most {maximum} people can come with one signup. How many are coming, you included?")


AGAIN = N_("How many people are coming, you included? Choose from 1 to {maximum}, or type it.")


def ask_again(ctx: Ctx, *, unread: bool = False) -> bool:
    """At a count question: a count more than its largest button is told the most; with
    ``unread`` (words nothing else took), the question is asked again. Both keep the same
    buttons. True if it was asked again."""
    inbound = ctx.inbound
    buttons = ctx.conversation.keyboard or []
    numbered = _count_buttons(buttons)
    if inbound.kind is not Kind.TEXT or not numbered:
        return False
    number = count(inbound.text)
    if number in numbered or (number is None and not unread):
        return False
    maximum = max(numbered)
    said = OVER if number is not None else AGAIN
    sizes = [Button(str(n), numbered[n]) for n in sorted(numbered)]
    rows = rows_of(sizes, 5)
    rows += [(Button(label, payload),) for label, payload in buttons if not label.isdecimal()]
    ctx.reply(ctx._(said).format(maximum=maximum), tuple(rows))
    return True
