"""The emergency check: a report (or a side) that mentions a fire, gas, violence or someone
hurt is answered at once with the emergency numbers — the mediators cannot send help."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from handlers import hant
from handlers.types import Ctx

_EMERGENCY_ZH = (
    "火灾",
    "着火",
    "起火",
    "失火",
    "冒烟",
    "煤气",
    "燃气",
    "漏气",
    "打人",
    "打架",
    "动刀",
    "持刀",
    "受伤",
    "流血",
    "救命",
    "家暴",
    "威胁",
    "杀人",
    "杀了",
    "要杀",
    "砍人",
    "殴打",
    "咬人",
    "被咬",
    "危险",
    "自杀",
    "跳楼",
)


@cache
def _emergency_words() -> tuple[str, ...]:
    """The Chinese words in Simplified, Taiwan and Hong Kong characters: made the first time a
    text is checked, not when the program starts (OpenCC's three dictionaries take some 40 MB
    while they convert, which a bot that never sees a dispute report need not hold)."""
    return hant.traditional_forms(_EMERGENCY_ZH)


_EMERGENCY_EN = re.compile(
    r"\b(fires?|smoke|gas leak|smell of gas|fights?|fighting|violence|violent|knife|knives|"
    r"hurts?|injured|injury|bleeding|blood|threat\w*|kill\w*|attack\w*|beat(en|ing)?|stab\w*|"
    r"bit|bites|bitten|weapon|gun|danger\w*|emergency|suicide)\b",
    re.IGNORECASE,
)


def is_emergency(text: str) -> bool:
    """True when ``text`` mentions a fire, gas, violence or someone hurt (Chinese in either
    script, or English)."""
    return any(word in text for word in _emergency_words()) or bool(_EMERGENCY_EN.search(text))


def emergency_text(ctx: Ctx) -> str:
    return ctx._(
        "🚨 If anyone is in danger right now, call at once: 110 police, 119 fire, "
        "120 ambulance. The mediators cannot send help."
    )


def emergency_notice(ctx: Ctx, value: Any) -> str | None:
    """A form field's ``notice``: the emergency numbers if the answer sounds like one."""
    text = value.get("text", "") if isinstance(value, dict) else str(value or "")
    return emergency_text(ctx) if is_emergency(text) else None
