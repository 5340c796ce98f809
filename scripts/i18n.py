"""Catalog upkeep: ``python scripts/i18n.py`` extracts every msgid into locales/messages.pot
(with ``# Translators:`` comments and the file each string is in), updates the en and zh_Hans
catalogs, fills the English catalog with its own msgids, generates zh_Hant from zh_Hans
(OpenCC, see handlers/hant.py), and compiles all three. New Chinese entries are left empty for
a translator (the tests fail until they are filled).

``python scripts/i18n.py --generate`` only generates zh_Hant and compiles (what
scripts/bootstrap.sh runs before every ./scripts/run and ./scripts/test)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from handlers.hant import generate  # noqa: E402  (after the path is set)

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
        "-k",
        "Np_:1,2",
        "-o",
        str(output),
        "--add-location=file",  # the file, not the line: moving code never touches the .po
        "--add-comments=Translators:",
        "--sort-output",
        "--width=100",
        "--project=linli",
        "--copyright-holder=Linli",
        "--msgid-bugs-address=linli@localhost",
        ".",
    )


def compile_all() -> None:
    pybabel("compile", "-d", str(LOCALES), "--use-fuzzy")


def main() -> None:
    if "--generate" in sys.argv[1:]:
        generate(LOCALES)
        compile_all()
        return
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
    generate(LOCALES)
    compile_all()


if __name__ == "__main__":
    main()
