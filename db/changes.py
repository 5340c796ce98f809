"""The one conditional change of state: ``UPDATE … WHERE id = … AND <still as expected>``.

Two people (or a person and a sweep) pressing at once both read the row as it was; only one
``UPDATE`` still finds it as expected, and the row count says which. Every service changes a
row's state this way when no row lock is held (requests, disputes, volunteering's check-in,
erasure, the outbox); the other way is ``db.locks.lock_row`` and then a plain write."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session


def change_if(session: Session, model: type[Any], *where: Any, **values: Any) -> bool:
    """Set ``values`` on the one row of ``model`` that matches ``where`` (its id and the state
    it must still be in); True if this caller changed it, False if it had moved on (or is gone).

    Objects of ``model`` already loaded keep their old values: reload what you read next
    (``session.refresh`` or ``populate_existing``)."""
    result = session.execute(
        update(model).where(*where).values(**values).execution_options(synchronize_session=False)
    )
    return result.rowcount == 1
