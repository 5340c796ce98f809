"""The flood guard's counts, shared by every worker through the database: one row per sender
(``flood_counters``), a fixed window, and one atomic ``INSERT … ON CONFLICT DO UPDATE …
RETURNING`` per message, so two workers counting the same sender at once both count."""

from __future__ import annotations

from sqlalchemy import case, delete, text
from sqlalchemy.orm import Session

from db.dialects import insert, on_postgresql
from db.models import FloodCounter


def count_message(
    session: Session, key: str, *, now: float, window: float, increment: int = 1
) -> int:
    """Count ``increment`` messages from ``key`` at ``now`` (seconds); returns how many it has
    sent in the current window, these included. A window older than ``window`` starts again."""
    if on_postgresql(session):
        # A count lost in a crash does not matter: do not wait for the WAL to reach the disk.
        session.execute(text("SET LOCAL synchronous_commit TO OFF"))
    statement = insert(session, FloodCounter).values(
        key=key[:160], window_start=now, count=increment
    )
    expired = FloodCounter.window_start <= statement.excluded.window_start - window
    statement = statement.on_conflict_do_update(
        index_elements=[FloodCounter.key],
        set_={
            "count": case(
                (expired, statement.excluded.count),
                else_=FloodCounter.count + statement.excluded.count,
            ),
            "window_start": case(
                (expired, statement.excluded.window_start), else_=FloodCounter.window_start
            ),
        },
    ).returning(FloodCounter.count)
    return int(session.execute(statement).scalar_one())


def forget_quiet(session: Session, *, before: float) -> int:
    """Drop the rows of senders quiet since ``before``, so the table follows who is active."""
    return session.execute(delete(FloodCounter).where(FloodCounter.window_start < before)).rowcount
