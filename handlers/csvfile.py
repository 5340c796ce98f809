"""CSV files made for staff (an event's attendees, the dispute cases): one way to write them.

Every cell a person could have typed is written so that a spreadsheet shows it as text: a cell
starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would otherwise run as a
formula in Excel or LibreOffice ("CSV injection"), so it gets a leading ``'``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from handlers.types import Attachment

#: What a spreadsheet takes as the start of a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """``value`` as a spreadsheet shows it as text: text starting like a formula gets a
    leading ``'``. Numbers, dates and ``None`` are written as they are (a negative number
    is a number, not a formula)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_attachment(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[object]]
) -> Attachment:
    """A CSV file of ``header`` then ``rows``, in UTF-8 with a BOM so that Excel reads Chinese."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(cell) for cell in header])
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return Attachment(
        filename=filename,
        content=buffer.getvalue().encode("utf-8-sig"),
        mime_type="text/csv",
    )
