"""One way to lock a row for the rest of the transaction.

On PostgreSQL a ``SELECT … FOR UPDATE`` (or ``FOR NO KEY UPDATE``) makes a second writer wait
for this transaction; SQLite has no row locks, but the dispatcher's ``BEGIN IMMEDIATE`` already
serialises every writer. Either way the row is read afresh, not taken from the session's cache,
so the caller decides on what the database holds now.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.dialects import on_postgresql

Row = TypeVar("Row")


def lock_row(
    session: Session, model: type[Row], row_id: Any, *, key_share: bool = False
) -> Row | None:
    """The row of ``model`` with this primary key, read afresh and locked; None if there is none.

    ``key_share``: ``FOR NO KEY UPDATE`` — rows inserted meanwhile that refer to this one (audit
    lines, answers) do not wait for it."""
    query = (
        select(model)
        .where(model.id == row_id)  # type: ignore[attr-defined]
        .execution_options(populate_existing=True)
    )
    if on_postgresql(session):
        query = query.with_for_update(key_share=key_share)
    return session.scalars(query).first()
