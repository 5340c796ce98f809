"""Catalog upkeep: ``python scripts/i18n.py`` extracts every msgid into locales/messages.pot,
updates the en and zh_Hans catalogs, fills the English catalog with its own msgids, and
compiles both. New Chinese entries are left empty for a translator (the tests fail until they
are filled)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "locales"
POT = LOCALES / "messages.pot"


def pybabel(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], check=True, cwd=ROOT)


def fill_english() -> None:
    path = LOCALES / "en" / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as fp:
        catalog = read_po(fp, locale="en")
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            message.string = tuple(message.id)
        elif not message.string:
            message.string = message.id
        message.flags.discard("fuzzy")
    with path.open("wb") as fp:
        write_po(fp, catalog, width=100)


def extract(output: Path) -> None:
    """Every msgid in the code, into the template ``output``."""
    pybabel(
        "extract",
        "-F",
        "babel.cfg",
        "-k",
        "N_",
        "-o",
        str(output),
        "--no-location",
        "--sort-output",
        "--width=100",
        "--project=linli",
        "--copyright-holder=Linli",
        "--msgid-bugs-address=linli@localhost",
        ".",
    )


def main() -> None:
    extract(POT)
    for code in ("en", "zh_Hans"):
        po = LOCALES / code / "LC_MESSAGES" / "messages.po"
        if po.exists():
            pybabel(
                "update",
                "-i",
                str(POT),
                "-d",
                str(LOCALES),
                "-l",
                code,
                "--no-fuzzy-matching",
                "--width=100",
                "--ignore-obsolete",
            )
        else:
            pybabel("init", "-i", str(POT), "-d", str(LOCALES), "-l", code, "--width=100")
    fill_english()
    pybabel("compile", "-d", str(LOCALES), "--use-fuzzy")


if __name__ == "__main__":
    main()
