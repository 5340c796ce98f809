"""A notice's changes of state, each a named step: scheduled for a time, held for an admin (its
author may no longer announce), started (its audience counted), sent, cancelled, released by an
admin. The sweep in ``handlers/notices/send.py`` decides which step is due; the caller holds the
notice's lock (``db.notices.operations.lock``) or has just created it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from db import outbox
from db.models import User
from db.notices.models import Notice, NoticeStatus
from db.notices.operations import dedup_prefix


def schedule(session: Session, notice: Notice, *, due_at: datetime) -> None:
    """The notice goes out at ``due_at`` (after quiet hours, say)."""
    notice.due_at = due_at
    session.flush()


def hold(session: Session, notice: Notice) -> None:
    """Its author may no longer announce: it waits for an admin to release or cancel it."""
    notice.status = NoticeStatus.HELD
    session.flush()


def release(session: Session, notice: Notice, admin: User, *, due_at: datetime) -> None:
    """An admin sends a held notice as their own, at ``due_at``."""
    notice.author_id = admin.id
    notice.status = NoticeStatus.SCHEDULED
    notice.due_at = due_at
    session.flush()


def start(session: Session, notice: Notice, *, now: datetime, total: int) -> None:
    """Sending begins, to ``total`` people."""
    notice.status = NoticeStatus.SENDING
    notice.started_at = now
    notice.total = total
    session.flush()


def finish(session: Session, notice: Notice, *, now: datetime) -> None:
    """Every copy went out (or failed for good)."""
    notice.status = NoticeStatus.SENT
    notice.finished_at = now
    session.flush()


def cancel(session: Session, notice: Notice, *, now: datetime) -> int:
    """Call the notice off; the copies not sent yet are dropped. Returns how many."""
    notice.status = NoticeStatus.CANCELLED
    notice.finished_at = now
    session.flush()
    return outbox.cancel_pending(session, dedup_prefix=dedup_prefix(notice.id))


def mark_progress_shown(session: Session, notice: Notice, shown: str) -> None:
    """Remember which state of the progress card the author was last sent."""
    notice.progress_shown = shown
    session.flush()
