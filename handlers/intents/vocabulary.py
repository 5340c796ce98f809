"""The word lists and the reading of a message against them.

A list is a ``.tsv`` file in this folder, one phrase a line: ``target<TAB>phrase[<TAB>weight]``
(``#`` starts a comment). A target is ``service.what`` (``disputes.noise``); the weight says how
sure a phrase makes us (1 by default; 0.5 for a hint that needs company, 2 for a phrase that
settles it). Chinese phrases are found anywhere in the message, written in 简体 (繁體 messages
are converted before reading). English phrases match whole words, with an ``s`` added; a word
of five letters or more also matches with one typo (two from eight letters; a four-letter word
with one letter too many), and a word ending in ``*`` matches any ending (``renovat*``:
renovation, renovating). A word read as listed beats a typo of another (“garbage”, “garage”).
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import opencc
from rapidfuzz.distance import OSA

FOLDER = Path(__file__).resolve().parent
#: Targets that answer a message only when nothing else in it matched ("你好，楼上漏水" is a
#: leak, not a greeting).
WEAK_TARGETS = frozenset({"greeting", "thanks"})
#: English words that are close to a listed word but are not a typo of it.
NOT_TYPOS = frozenset({"even", "ever", "over", "never", "every", "sing", "song", "noise"})
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True, slots=True)
class Phrase:
    target: str
    text: str  # normalised
    words: tuple[str, ...]  # English: its words; Chinese: empty
    weight: float


@dataclass(slots=True)
class Reading:
    """What a message matched: each target's score, and the characters no phrase covered."""

    scores: dict[str, float] = field(default_factory=dict)
    matched: list[tuple[int, int, str]] = field(default_factory=list)  # start, end, target
    leftover: int = 0  # letters no phrase covered

    def ranked(self) -> list[tuple[str, float]]:
        strong = {t: s for t, s in self.scores.items() if t not in WEAK_TARGETS}
        chosen = strong or self.scores
        return sorted(chosen.items(), key=lambda item: (-item[1], item[0]))


@cache
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def normalise(text: str) -> str:
    """Case-folded, half-width, 简体, apostrophes dropped, other punctuation a space."""
    text = unicodedata.normalize("NFKC", text).casefold()
    if CJK.search(text):
        text = _t2s().convert(text)
    text = re.sub(r"['’`]", "", text)
    text = "".join(ch if ch.isalnum() or ch.isspace() else " " for ch in text)
    return " ".join(text.split())


def read_file(path: Path) -> list[Phrase]:
    """The phrases of one list; a malformed line is a mistake worth failing on at start."""
    phrases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        cells = [cell.strip() for cell in line.split("\t")]
        if len(cells) not in (2, 3) or not cells[0] or not cells[1]:
            raise ValueError(f"{path.name}:{number}: expected target<TAB>phrase[<TAB>weight]")
        weight = float(cells[2]) if len(cells) == 3 else 1.0
        text = normalise(cells[1])
        words: tuple[str, ...] = ()
        if not CJK.search(text):  # English: "renovat*" keeps its star
            words = tuple(
                normalise(raw.rstrip("*")) + ("*" if raw.endswith("*") else "")
                for raw in cells[1].split()
            )
            text = " ".join(words)
        phrases.append(Phrase(cells[0], text, words, weight))
    return phrases


@cache
def phrases(folder: Path = FOLDER) -> tuple[Phrase, ...]:
    """Every list in ``folder``, read once."""
    found: list[Phrase] = []
    for path in sorted(folder.glob("*.tsv")):
        found += read_file(path)
    return tuple(found)


def _word_matches(listed: str, typed: str) -> bool:
    if listed == typed:
        return True
    if listed.endswith("*"):
        return typed.startswith(listed[:-1])
    if len(listed) < 4 or typed in NOT_TYPOS or listed[0] != typed[0]:
        return typed in (listed + "s", listed + "es")
    if len(listed) == 4:  # “vissa”, “bankk”: one letter too many, never one missing
        return len(typed) == 5 and OSA.distance(listed, typed, score_cutoff=1) <= 1
    allowed = 2 if len(listed) >= 8 else 1
    return OSA.distance(listed, typed, score_cutoff=allowed) <= allowed


def _exact(found: tuple[int, int, Phrase], typed: str) -> bool:
    """Whether a phrase was found as listed (not through a typo or a ``*``)."""
    start, end, phrase = found
    return typed[start:end] == phrase.text


def read(text: str, vocabulary: tuple[Phrase, ...] | None = None) -> Reading:
    """Score every target on ``text``: each phrase found adds its weight once, and a phrase
    inside a longer one found at the same place does not count (“取消报名” is not “报名”)."""
    vocabulary = phrases() if vocabulary is None else vocabulary
    typed = normalise(text)
    tokens = [(m.start(), m.end(), m.group()) for m in WORD.finditer(typed)]
    found: list[tuple[int, int, Phrase]] = []
    for phrase in vocabulary:
        if not phrase.words:
            start = typed.find(phrase.text)
            while start >= 0:
                found.append((start, start + len(phrase.text), phrase))
                start = typed.find(phrase.text, start + 1)
            continue
        size = len(phrase.words)
        for index in range(len(tokens) - size + 1):
            window = tokens[index : index + size]
            if all(_word_matches(w, t[2]) for w, t in zip(phrase.words, window, strict=True)):
                found.append((window[0][0], window[-1][1], phrase))
    # Longest first, and a word as listed before a typo of another (“garbage” is not “garage”).
    found.sort(key=lambda item: (item[0] - item[1], not _exact(item, typed), item[0]))
    taken: dict[tuple[int, int], bool] = {}  # span → found as listed
    reading = Reading()
    counted: defaultdict[str, set[str]] = defaultdict(set)
    for start, end, phrase in found:
        exact = _exact((start, end, phrase), typed)
        if any(start < e and s < end and (s, e) != (start, end) for s, e in taken):
            continue  # inside or across a longer phrase
        if taken.get((start, end)) and not exact:
            continue  # the same words, read as they are, by another phrase
        taken[(start, end)] = taken.get((start, end), False) or exact
        reading.matched.append((start, end, phrase.target))
        if phrase.text in counted[phrase.target]:
            continue  # the same phrase twice says it no more surely
        counted[phrase.target].add(phrase.text)
        reading.scores[phrase.target] = reading.scores.get(phrase.target, 0) + phrase.weight
    covered = {i for start, end, _ in reading.matched for i in range(start, end)}
    reading.leftover = sum(1 for i, ch in enumerate(typed) if ch.isalnum() and i not in covered)
    return reading


#: The least score that names a target, and how close a second service must come to be
#: offered beside the first.
ENOUGH = 1.0
#: A greeting or a thanks with more letters than this beside it is not only that.
WEAK_LEFTOVER = 4
BESIDE = 0.5


def service(target: str) -> str:
    return target.partition(".")[0]


def decide(text: str, vocabulary: tuple[Phrase, ...] | None = None) -> tuple[str, ...]:
    """The targets to offer for ``text``, best first: one (act on it), two (of different
    services: both as buttons) or none (the menu and the offer to ask a volunteer)."""
    reading = read(text, vocabulary)
    ranked = reading.ranked()
    if not ranked or ranked[0][1] < ENOUGH:
        return ()
    if ranked[0][0] in WEAK_TARGETS and reading.leftover > WEAK_LEFTOVER:
        return ()  # “Hello, I just moved here, how do I…” is more than a greeting
    best, score = ranked[0]
    if best.endswith(".any"):  # a kind named beside the service's generic words is the kind
        named = [t for t, _ in ranked if service(t) == service(best) and t != best]
        best = named[0] if named else best
    totals: dict[str, float] = {}
    for target, points in ranked:
        totals[service(target)] = totals.get(service(target), 0) + points
    for target, _points in ranked:
        other = service(target)
        if other != service(best) and totals[other] >= max(ENOUGH, BESIDE * score):
            return (best, target)
    return (best,)
