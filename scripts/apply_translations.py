"""Fill empty zh_Hans entries from a Python file holding ``ZH = {msgid: translation}``
(plural msgids are tuples): ``python scripts/apply_translations.py FILE``. Existing
translations are left alone unless ``--overwrite`` is given."""

from __future__ import annotations

import argparse
import runpy
from pathlib import Path

from babel.messages.pofile import read_po, write_po

PO = Path(__file__).resolve().parent.parent / "locales" / "zh_Hans" / "LC_MESSAGES" / "messages.po"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("file")
    parser.add_argument("--overwrite", action="store_true")
    args = parser.parse_args()
    table = runpy.run_path(args.file)["ZH"]
    with PO.open("rb") as fp:
        catalog = read_po(fp, locale="zh_Hans")
    missing = []
    for message in catalog:
        if not message.id:
            continue
        key = tuple(message.id) if isinstance(message.id, (list, tuple)) else message.id
        empty = not any(message.string) if isinstance(message.string, tuple) else not message.string
        if key in table and (empty or args.overwrite or "fuzzy" in message.flags):
            message.string = table[key]
            message.flags.discard("fuzzy")
        elif empty:
            missing.append(key)
    with PO.open("wb") as fp:
        write_po(fp, catalog, width=100)
    for key in missing:
        print(f"still untranslated: {key!r}")


if __name__ == "__main__":
    main()
