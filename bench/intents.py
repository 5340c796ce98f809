"""How well typed messages are routed (``handlers/intents/``): the share sent to the right
service on the labelled set (``tests/intents_labelled.tsv``, which the word lists were written
against), on ``tests/intents_heldout.tsv`` (measured untuned at 75.8 %, then its misses were
added to the lists, as a maintainer would) and on ``tests/intents_fresh.tsv`` (written after
that, never tuned on: the honest figure for words nobody listed yet).

Right: the service it names is opened, or offered as one of two buttons (a dispute's or a help
request's kind is checked separately: the person can change it in the summary). Wrong: another
service only, with the right one not offered beside it. Missed: nothing fits, so the menu and
the offer to ask a volunteer. Usage: .venv/bin/python bench/intents.py [-v]
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from handlers.intents.vocabulary import decide, service

TESTS = Path(__file__).resolve().parent.parent / "tests"
SETS = {
    "labelled": TESTS / "intents_labelled.tsv",
    "held out, then added": TESTS / "intents_heldout.tsv",
    "fresh": TESTS / "intents_fresh.tsv",
}


def examples(path: Path) -> list[tuple[str, str]]:
    """(label, message) of a labelled file."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            label, message = line.split("\t", 1)
            rows.append((label, message))
    return rows


@dataclass
class Score:
    total: int = 0
    right: int = 0
    kind_right: int = 0  # the exact target (a dispute's category too) opened or offered
    wrong: list[tuple[str, str, tuple[str, ...]]] = field(default_factory=list)
    missed: list[tuple[str, str, tuple[str, ...]]] = field(default_factory=list)

    @property
    def share(self) -> float:
        return self.right / self.total if self.total else 0.0


def score(rows: list[tuple[str, str]]) -> Score:
    result = Score()
    for label, message in rows:
        offered = decide(message) or ("none",)
        result.total += 1
        if service(label) in {service(target) for target in offered}:
            result.right += 1
            result.kind_right += label in offered
        elif offered == ("none",):
            result.missed.append((label, message, offered))
        else:
            result.wrong.append((label, message, offered))
    return result


def main() -> None:
    verbose = "-v" in sys.argv
    for name, path in SETS.items():
        rows = examples(path)
        started = time.perf_counter()
        result = score(rows)
        elapsed = 1000 * (time.perf_counter() - started) / max(1, len(rows))
        print(
            f"{name}: {result.right}/{result.total} routed right ({100 * result.share:.1f} %), "
            f"kind too {result.kind_right}/{result.total}; "
            f"{len(result.wrong)} to a wrong service alone, {len(result.missed)} to the menu "
            f"and the volunteer offer; {elapsed:.2f} ms a message"
        )
        if verbose:
            for label, message, offered in result.wrong + result.missed:
                print(f"  {label:24} {' + '.join(offered):40} {message}")


if __name__ == "__main__":
    main()
