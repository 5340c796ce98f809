"""Invisible characters are taken out of everything a person types before it is stored.

A right-to-left override turns ``eve‮gpj.exe`` into what reads as ``eveexe.jpg`` on a card, and a
zero-width space makes "Building 3" and "Build​ing 3" two places. The dispatcher cleans every
inbound text, command line, file name and the sender's name once (``clean_inbound``), so names,
titles, place texts, descriptions and the key that finds duplicate reports never hold them.

Removed: the bidirectional controls (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C),
the zero-width and invisible characters (U+200B, U+200C, U+2060–U+2064, U+FEFF, U+180E, U+00AD,
the combining grapheme joiner U+034F), the blanks that render as nothing yet are letters
(the Hangul fillers U+3164, U+115F, U+1160, U+FFA0 and the braille blank U+2800, which make a
name that looks empty), and the tag characters U+E0000–U+E007F (invisible text a model or a
filter may read) — except inside a flag's tag sequence (🏴 then tags then U+E007F, e.g.
🏴󠁧󠁢󠁳󠁣󠁴󠁿). The zero-width joiner U+200D is kept between two pictographs (👩‍💻, 👨‍👩‍👧) and removed
elsewhere. A sender's display name also loses its line breaks and other control characters
(``clean_name``): a name is one line on every card.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata

from handlers.types import Inbound

BIDI_CONTROLS = frozenset(
    [chr(c) for c in range(0x202A, 0x202F)]
    + [chr(c) for c in range(0x2066, 0x206A)]
    + ["\u200e", "\u200f", "\u061c"]
)
ZERO_WIDTH = frozenset(
    ["\u200b", "\u200c", "\ufeff", "\u180e", "\u00ad", "\u034f"]
    + [chr(c) for c in range(0x2060, 0x2065)]
)
BLANK_LETTERS = frozenset(["\u3164", "\u115f", "\u1160", "\uffa0", "\u2800"])
TAGS = frozenset(chr(c) for c in range(0xE0000, 0xE0080))
INVISIBLE = BIDI_CONTROLS | ZERO_WIDTH | BLANK_LETTERS
ZWJ = "\u200d"
#: A subdivision flag (🏴 + two to six tag letters or digits + CANCEL TAG): its tags stay.
FLAG = re.compile("\U0001f3f4[\U000e0030-\U000e0039\U000e0061-\U000e007a]{2,6}\U000e007f")


def _without_tags(text: str) -> str:
    """``text`` with every tag character removed except those of a flag."""
    pieces: list[str] = []
    start = 0
    for flag in FLAG.finditer(text):
        pieces.append("".join(ch for ch in text[start : flag.start()] if ch not in TAGS))
        pieces.append(flag.group())
        start = flag.end()
    pieces.append("".join(ch for ch in text[start:] if ch not in TAGS))
    return "".join(pieces)


def _pictographic(ch: str) -> bool:
    """An emoji, or what may end one before a joiner (a skin tone, the emoji presentation
    selector U+FE0F)."""
    return (
        unicodedata.category(ch) == "So"
        or 0x1F3FB <= ord(ch) <= 0x1F3FF
        or ch == "\ufe0f"
        or 0x1F000 <= ord(ch) <= 0x1FAFF
    )


def clean_text(text: str) -> str:
    """``text`` without bidi controls and zero-width characters (a joiner between two
    pictographs stays)."""
    if not text or not any(ch in INVISIBLE or ch == ZWJ or ch in TAGS for ch in text):
        return text
    if any(ch in TAGS for ch in text):
        text = _without_tags(text)
    kept: list[str] = []
    for index, ch in enumerate(text):
        if ch in INVISIBLE:
            continue
        if ch == ZWJ:
            before = kept[-1] if kept else ""
            after = text[index + 1] if index + 1 < len(text) else ""
            if not (before and after and _pictographic(before) and _pictographic(after)):
                continue
        kept.append(ch)
    return "".join(kept)


def clean_optional(text: str | None) -> str | None:
    return None if text is None else clean_text(text)


def clean_name(name: str) -> str:
    """A display name on one line: invisible characters removed (``clean_text``), line breaks,
    tabs and other control characters made one space, and the ends trimmed."""
    cleaned = clean_text(name)
    if any(unicodedata.category(ch) in ("Cc", "Zl", "Zp") for ch in cleaned):
        cleaned = "".join(
            " " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch for ch in cleaned
        )
        cleaned = " ".join(cleaned.split())
    return cleaned.strip()


def clean_inbound(inbound: Inbound) -> Inbound:
    """The same message with its text, command line, file name and sender's name cleaned."""
    sender = inbound.sender
    cleaned_sender = dataclasses.replace(
        sender,
        display_name=clean_name(sender.display_name),
        username=clean_optional(sender.username),
    )
    return dataclasses.replace(
        inbound,
        sender=cleaned_sender,
        text=clean_text(inbound.text),
        args=clean_text(inbound.args),
        file_name=clean_optional(inbound.file_name),
    )
