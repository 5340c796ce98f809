"""CSV files made for staff (an event's attendees, the dispute cases): one way to write them."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from handlers.types import Attachment


def csv_attachment(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[object]]
) -> Attachment:
    """A CSV file of ``header`` then ``rows``, in UTF-8 with a BOM so that Excel reads Chinese."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return Attachment(
        filename=filename,
        content=buffer.getvalue().encode("utf-8-sig"),
        mime_type="text/csv",
    )
