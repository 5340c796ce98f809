"""The picture's font: Noto Sans CJK SC from the ``mplfonts`` package (a declared dependency),
never a system font. It is the full Noto Sans CJK — Latin, Simplified and Traditional glyphs
alike (Simplified shapes by default) — so one font serves every language of the catalogs."""

from __future__ import annotations

from contextlib import AbstractContextManager
from functools import cache
from pathlib import Path
from typing import Any

FONT_FILE = "NotoSansCJKsc-Regular.otf"


@cache
def font_path() -> Path:
    """The CJK font shipped by the ``mplfonts`` package (a declared dependency)."""
    import mplfonts  # heavy: loaded when drawing, not at start

    path = Path(mplfonts.__file__).resolve().parent / "fonts" / FONT_FILE
    if not path.is_file():
        raise RuntimeError(f"mplfonts does not ship {FONT_FILE} any more; pick another font")
    return path


@cache
def font_name() -> str:
    """Register the font with matplotlib once; its family name."""
    from matplotlib import font_manager  # heavy: loaded when drawing

    font_manager.fontManager.addfont(str(font_path()))
    return font_manager.FontProperties(fname=str(font_path())).get_name()


def fonts() -> AbstractContextManager[Any]:
    """matplotlib's settings while a picture is drawn: our font, for every text."""
    import matplotlib  # heavy: loaded when drawing

    name = font_name()
    return matplotlib.rc_context(
        {"font.family": "sans-serif", "font.sans-serif": [name], "axes.unicode_minus": False}
    )
