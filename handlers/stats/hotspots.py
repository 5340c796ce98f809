"""Hot spots of the 五及 report (及时协商) without singling anyone out.

- A place is named only by the admins' building list (``/buildings``), never in a reporter's
  own words: a report counts for a building when its place starts with the building's name
  (spaces, punctuation and case aside; "5栋 2单元" is 5栋, "Building 30" is not Building 3).
- A building or a kind of problem is shown only when at least ``MIN_REPORTERS`` different
  people reported it — three reports by one person are one person.
- The period before is shown by the same rule: fewer people than that, and its count is hidden
  (``None``).

Reports whose reporter is gone (erased, or past ``LINLI_CASE_KEEP``) count together as one
person at most.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy.orm import Session

from db.disputes import operations as dp
from db.notices import subscriptions

#: A building or a kind of problem is named only when at least this many different people
#: reported it in the period (privacy: fewer could point at one household).
MIN_REPORTERS = 3
#: Hot spots shown.
TOP_HOTSPOTS = 5
_UNKNOWN = "unknown"


@dataclass(slots=True)
class HotSpot:
    kind: str  # place (a building of the admins' list) or category
    key: str  # the building's name, or a dispute category
    count: int
    previous: int | None  # None: fewer than MIN_REPORTERS people reported it the period before

    @property
    def rising(self) -> bool:
        return self.previous is None or self.count > self.previous


def buildings(session: Session) -> list[tuple[str, str]]:
    """(key, name) of the admins' buildings, longest key first (so 13栋 wins over 3栋)."""
    pairs = [(dp.place_key(b.name) or "", b.name) for b in subscriptions.buildings(session)]
    return sorted(((key, name) for key, name in pairs if key), key=lambda p: -len(p[0]))


def building_of(place_key: str | None, known: list[tuple[str, str]]) -> str | None:
    """The building a place belongs to, or None when it names none of the list."""
    if not place_key:
        return None
    for key, name in known:
        if not place_key.startswith(key):
            continue
        rest = place_key[len(key) :]
        if rest and rest[0].isdigit() and key[-1].isdigit():
            continue  # "building30…" is not "building3"
        return name
    return None


class Spots:
    """Reports counted by building and by category, this period and the one before, with the
    set of people behind each count."""

    def __init__(self, known: list[tuple[str, str]]) -> None:
        self.known = known
        self.counts: Counter[tuple[bool, str, str]] = Counter()
        self.people: dict[tuple[bool, str, str], set[object]] = {}

    def add(self, *, current: bool, category: str, place: str | None, reporter: int | None) -> None:
        who: object = reporter if reporter is not None else _UNKNOWN
        for kind, key in (("category", category), ("place", building_of(place, self.known))):
            if key is None:
                continue
            slot = (current, kind, key)
            self.counts[slot] += 1
            self.people.setdefault(slot, set()).add(who)

    def _shown(self, slot: tuple[bool, str, str]) -> bool:
        return len(self.people.get(slot, ())) >= MIN_REPORTERS

    def places(self) -> dict[str, int]:
        """Buildings reported by enough people this period: name → reports, most first."""
        named = {
            key: n
            for (current, kind, key), n in self.counts.items()
            if current and kind == "place" and self._shown((current, kind, key))
        }
        return dict(sorted(named.items(), key=lambda item: (-item[1], item[0])))

    def hotspots(self) -> list[HotSpot]:
        spots = []
        for (current, kind, key), n in self.counts.items():
            if not current or not self._shown((current, kind, key)):
                continue
            before = (False, kind, key)
            previous = self.counts[before] if self._shown(before) else None
            spots.append(HotSpot(kind, key, n, previous))
        spots.sort(key=lambda s: (-s.count, -(s.count - (s.previous or 0)), s.kind, s.key))
        return spots[:TOP_HOTSPOTS]
