"""A git merge driver for the gettext catalogs: a three-way merge per entry, so two branches that
both added strings (and both touched the POT-Creation-Date header) merge without a conflict.

Set it up once per clone (it is not on by default; nothing in the repo turns it on):

    git config merge.po.name "gettext catalogs, per entry"
    git config merge.po.driver ".venv/bin/python scripts/po_merge_driver.py %O %A %B"
    attributes="$(git rev-parse --git-common-dir)/info/attributes"
    printf '*.po merge=po\\n*.pot merge=po\\n' >> "$attributes"

Per entry (base %O, ours %A, theirs %B; the result is written to %A): changed on one side only,
that side wins; added on either side, kept; deleted on our side and unchanged on theirs, stays
deleted; changed on both, ours wins unless ours is empty. Headers are ours. It always succeeds:
run ``scripts/i18n.py`` after the merge to drop stale entries and refresh the references.
"""

from __future__ import annotations

import sys

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po


def _load(path: str) -> Catalog:
    try:
        with open(path, "rb") as fp:
            return read_po(fp)
    except (OSError, ValueError):
        return Catalog()


def _empty(string: object) -> bool:
    return not string or (isinstance(string, tuple | list) and not any(string))


def merge(base: Catalog, ours: Catalog, theirs: Catalog) -> Catalog:
    """``ours`` with ``theirs`` merged in, entry by entry."""
    for entry in theirs:
        if not entry.id:
            continue
        mine = ours.get(entry.id, entry.context)
        before = base.get(entry.id, entry.context)
        if mine is None:
            if before is None or before.string != entry.string:
                ours[entry.id] = entry
            continue
        if mine.string != entry.string and (
            _empty(mine.string) or (before is not None and mine.string == before.string)
        ):
            mine.string = entry.string
            mine.flags = set(entry.flags)
        mine.locations = sorted(set(mine.locations) | set(entry.locations))
        for comment in entry.auto_comments:
            if comment not in mine.auto_comments:
                mine.auto_comments.append(comment)
    return ours


def main() -> None:
    base_path, ours_path, theirs_path = sys.argv[1:4]
    merged = merge(_load(base_path), _load(ours_path), _load(theirs_path))
    with open(ours_path, "wb") as fp:
        write_po(fp, merged, width=100, sort_output=True)


if __name__ == "__main__":
    main()
