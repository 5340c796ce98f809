"""What differs between PostgreSQL and SQLite, asked in one place.

``insert(session, Model)`` is the dialect's own ``INSERT``, the one with ``on_conflict_do_nothing``
and ``on_conflict_do_update`` (both databases have ``INSERT … ON CONFLICT``, but SQLAlchemy's
generic ``insert`` has neither). ``on_postgresql(session)`` is for what only PostgreSQL has:
row locks (``FOR UPDATE``), ``SKIP LOCKED``, ``SET LOCAL``."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def on_postgresql(session: Session) -> bool:
    """True when the session's database is PostgreSQL (else it is SQLite)."""
    return session.get_bind().dialect.name == "postgresql"


def insert(session: Session, model: Any) -> postgresql.Insert | sqlite.Insert:
    """``INSERT INTO model`` in the session's dialect, with ``on_conflict_do_*``."""
    return postgresql.insert(model) if on_postgresql(session) else sqlite.insert(model)
