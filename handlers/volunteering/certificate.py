"""The certificate (志愿服务记录证明 / Volunteer Service Record) as a PDF: matplotlib's PDF
backend with the CJK font the 五及 report uses (Noto Sans CJK from ``mplfonts``), so Chinese and
Latin text both render. The person's language comes first, the other beside it.

Only confirmed hours are on it, and it is issued by the community that recorded them (the
rule of 民政部《志愿服务记录与证明出具办法》); ``linli hours verify CODE`` checks its code."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

from handlers.i18n import N_, Language, is_chinese, language
from handlers.stats.font import fonts

#: Lines per page below the heading (the shifts' table continues on the next page).
LINES_PER_PAGE = 28


@dataclass(frozen=True, slots=True)
class ShiftLine:
    day: datetime
    activity: str  # the opportunity's title and the role
    minutes: int


@dataclass(frozen=True, slots=True)
class Contents:
    """Everything printed, already in the two languages."""

    heading: str
    fields: list[tuple[str, str]]  # (label "mine / other", value)
    table_head: tuple[str, str, str]
    rows: list[tuple[str, str, str]]
    footer: str
    number: str


def _both(mine: Language, other: Language, msgid: str) -> str:
    first, second = mine.gettext(msgid), other.gettext(msgid)
    return first if first == second else f"{first} / {second}"


def contents(
    lang: Language,
    *,
    name: str,
    issuer: str,
    number: str,
    code: str,
    issued_at: datetime,
    lines: list[ShiftLine],
    total_minutes: int,
) -> Contents:
    """The certificate's words: the reader's language first, the other beside it."""
    other = language("en" if is_chinese(lang.code) else "zh_Hans", lang.tz.key)
    both = lambda msgid: _both(lang, other, msgid)  # noqa: E731
    hours = f"{round(total_minutes / 60, 1):g}"
    return Contents(
        heading=both(N_("Volunteer Service Record")),
        fields=[
            (both(N_("Name")), name),
            (both(N_("Confirmed hours")), hours),
            (both(N_("Issued by")), issuer),
            (both(N_("Certificate number")), number),
            (both(N_("Date of issue")), lang.date(issued_at)),
            (both(N_("Verification code")), code),
        ],
        table_head=(both(N_("Date")), both(N_("Service")), both(N_("Hours"))),
        rows=[
            (lang.date(line.day), line.activity, f"{round(line.minutes / 60, 1):g}")
            for line in lines
        ],
        footer=both(
            N_(
                "Only hours confirmed by the community that recorded them are listed. "
                "Check this record with its verification code."
            )
        ),
        number=number,
    )


def pdf(contents: Contents) -> bytes:
    """The certificate drawn on A4 pages."""
    import matplotlib  # heavy: loaded when a certificate is drawn, not at start

    matplotlib.use("Agg")
    from matplotlib.backends.backend_pdf import PdfPages  # (heavy, as above)
    from matplotlib.figure import Figure  # (heavy, as above)

    buffer = io.BytesIO()
    chunks = [
        contents.rows[i : i + LINES_PER_PAGE]
        for i in range(0, max(len(contents.rows), 1), LINES_PER_PAGE)
    ]
    with (
        fonts(),
        PdfPages(buffer, metadata={"Title": contents.heading, "Subject": contents.number}) as pages,
    ):
        for index, rows in enumerate(chunks):
            figure = Figure(figsize=(8.27, 11.69))
            y = 0.93
            if index == 0:
                figure.text(0.5, y, contents.heading, ha="center", fontsize=20, weight="bold")
                y -= 0.06
                for label, value in contents.fields:
                    figure.text(0.1, y, f"{label}:", fontsize=11)
                    figure.text(0.5, y, value, fontsize=11)
                    y -= 0.032
                y -= 0.02
            for column, text in zip((0.1, 0.3, 0.85), contents.table_head, strict=True):
                figure.text(column, y, text, fontsize=10, weight="bold")
            y -= 0.026
            for day, activity, hours in rows:
                figure.text(0.1, y, day, fontsize=9)
                figure.text(0.3, y, activity[:48], fontsize=9)
                figure.text(0.85, y, hours, fontsize=9)
                y -= 0.024
            figure.text(0.1, 0.05, contents.footer, fontsize=8, wrap=True)
            pages.savefig(figure)
    return buffer.getvalue()
