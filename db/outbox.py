"""The outbox table's operations: enqueue (idempotent), claim due rows, record the outcome.

Rows are written in the same transaction as the change that caused them, so a message exists
exactly when its cause was committed. A worker claims due rows by moving them to ``sending`` with
a lease: PostgreSQL uses ``FOR UPDATE SKIP LOCKED`` so several workers share the table without
waiting on each other; SQLite serialises writers (``BEGIN IMMEDIATE``), which gives the same
guarantee on one machine. The lease is short (``CLAIM_LEASE``) and the worker renews it while it
still holds the rows (``renew_claims``), so a live worker's claims are never taken from it, while
the rows of a worker that died are claimed again within one lease: delivery is at least once,
and only the messages in flight at the moment of the crash can be sent twice.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, true, update
from sqlalchemy.orm import Session

from db.changes import change_if
from db.dialects import insert, on_postgresql
from db.models import OutboxMessage, OutboxStatus, SentCard, User
from db.outbox_params import Params

MAX_ERROR_LENGTH = 500
#: How long a claim holds without renewal. A live worker renews it every third of this, so
#: only a dead worker's rows ever run out; they are claimed again this long after the crash.
CLAIM_LEASE = timedelta(seconds=15)


@dataclass(frozen=True, slots=True)
class ClaimedMessage:
    """A plain snapshot of a claimed row, safe to use outside the session that claimed it."""

    id: int
    transport: str
    chat_id: str
    user_id: int | None
    locale: str | None
    template: str
    params: dict[str, Any]
    attempts: int
    card_key: str | None = None
    dedup_key: str | None = None


def enqueue(
    session: Session,
    *,
    transport: str,
    chat_id: str,
    params: Params,
    now: datetime,
    due_at: datetime | None = None,
    user_id: int | None = None,
    locale: str | None = None,
    dedup_key: str | None = None,
    card_key: str | None = None,
) -> bool:
    """Add a message to the outbox; with a ``dedup_key`` that is already there, do nothing.

    ``params`` is the template's declared type (``db/outbox_params.py``), which names the
    template; it was checked when it was made. Returns True if a row was added. Idempotent
    under concurrency: the unique constraint on ``dedup_key`` decides, via ``INSERT … ON
    CONFLICT DO NOTHING``. With a ``card_key`` the message is a card: the first one to this
    chat is sent, later ones edit it in place.
    """
    values = _row(
        transport=transport,
        chat_id=chat_id,
        now=now,
        params=params,
        due_at=due_at,
        user_id=user_id,
        locale=locale,
        dedup_key=dedup_key,
        card_key=card_key,
    )
    return _insert(session, [values], keyed=dedup_key is not None) == 1


def _row(
    *,
    transport: str,
    chat_id: str,
    now: datetime,
    params: Params,
    due_at: datetime | None,
    user_id: int | None,
    locale: str | None,
    dedup_key: str | None,
    card_key: str | None,
) -> dict[str, Any]:
    if not isinstance(params, Params) or not params.template:
        raise TypeError(f"an outbox message's params are a template's declared type: {params!r}")
    return {
        "transport": transport,
        "chat_id": str(chat_id),
        "user_id": user_id,
        "locale": locale,
        "template": params.template,
        "params": params.to_json(),
        "dedup_key": dedup_key,
        "card_key": card_key,
        "due_at": due_at or now,
        "status": OutboxStatus.PENDING,
        "attempts": 0,
        "created_at": now,
    }


def _insert(session: Session, rows: list[dict[str, Any]], *, keyed: bool) -> int:
    """Insert ``rows`` in one statement; with ``keyed`` a row whose ``dedup_key`` is already
    there is skipped. Returns how many went in."""
    if not rows:
        return 0
    statement = insert(session, OutboxMessage).values(rows)
    if keyed:
        statement = statement.on_conflict_do_nothing(index_elements=["dedup_key"])
    # RETURNING tells reliably whether a row went in (rowcount does not, with psycopg).
    added = len(session.execute(statement.returning(OutboxMessage.id)).all())
    # Tells the dispatcher to wake the outbox worker once this transaction commits.
    session.info["outbox_written"] = True
    return added


def enqueue_many_to_user(
    session: Session,
    user: User,
    messages: Sequence[tuple[datetime, Params, str]],
    *,
    now: datetime,
) -> int:
    """Queue several messages to ``user``'s private chat in one statement: each is (due at,
    params, de-duplication key); one whose key is already queued is skipped. Returns
    how many were queued (none when the user has no private chat with the bot)."""
    if not user.private_chat_id:
        return 0
    rows = [
        _row(
            transport=user.transport,
            chat_id=user.private_chat_id,
            now=now,
            params=params,
            due_at=due_at,
            user_id=user.id,
            locale=None,
            dedup_key=dedup_key,
            card_key=None,
        )
        for due_at, params, dedup_key in messages
    ]
    return _insert(session, rows, keyed=True)


def enqueue_to_user(
    session: Session,
    user: User,
    *,
    params: Params,
    now: datetime,
    due_at: datetime | None = None,
    dedup_key: str | None = None,
    card_key: str | None = None,
) -> bool:
    """Queue a message to ``user``'s private chat, rendered in their language when sent.
    Returns False (and queues nothing) when the user has never opened a private chat with the
    bot — a Telegram bot cannot start one — or when the ``dedup_key`` is already queued."""
    if not user.private_chat_id:
        return False
    return enqueue(
        session,
        transport=user.transport,
        chat_id=user.private_chat_id,
        user_id=user.id,
        now=now,
        params=params,
        due_at=due_at,
        dedup_key=dedup_key,
        card_key=card_key,
    )


#: A row's params may name the message it edits (a held reply that was an edit of a card): the
#: outbox edits that message, and the transport falls back to a new one if it can no longer.
EDIT_PARAM = "edit_ref"


def card_refs(session: Session, messages: list[ClaimedMessage]) -> dict[tuple[str, str, str], str]:
    """The message ids of cards already shown, for the claimed cards: (transport, chat, key)."""
    keys = {m.card_key for m in messages if m.card_key}
    if not keys:
        return {}
    rows = session.scalars(select(SentCard).where(SentCard.card_key.in_(keys)))
    return {(row.transport, row.chat_id, row.card_key): row.message_ref for row in rows}


def remember_card(
    session: Session,
    *,
    transport: str,
    chat_id: str,
    card_key: str,
    message_ref: str,
    now: datetime,
) -> None:
    """Record (or move) where a card is shown, so its next change edits that message."""
    statement = insert(session, SentCard).values(
        transport=transport,
        chat_id=chat_id,
        card_key=card_key,
        message_ref=message_ref,
        updated_at=now,
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["transport", "chat_id", "card_key"],
            set_={"message_ref": message_ref, "updated_at": now},
        )
    )


def cancel_pending(session: Session, *, dedup_prefix: str) -> int:
    """Remove pending messages whose key starts with ``dedup_prefix`` (e.g. the reminders of a
    cancelled signup). Returns how many were removed."""
    result = session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.dedup_key.startswith(dedup_prefix, autoescape=True),
        )
    )
    return result.rowcount


def drop_pending_card(session: Session, card_key: str) -> int:
    """Remove the pending copies of a card (an older state of it, about to be replaced)."""
    result = session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.card_key == card_key, OutboxMessage.status == OutboxStatus.PENDING
        )
    )
    return result.rowcount


def claim_due(
    session: Session,
    *,
    now: datetime,
    limit: int,
    lease: timedelta,
    transports: Collection[str] | None = None,
) -> list[ClaimedMessage]:
    """Claim up to ``limit`` due messages (oldest due first) for this worker until
    ``now + lease``. Includes rows whose earlier claim's lease ran out. With ``transports``,
    only messages for those (a worker claims only what it can send now)."""
    due = or_(
        and_(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.due_at <= now),
        and_(OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.claimed_until < now),
    )
    query = (
        select(OutboxMessage)
        .where(due)
        .where(OutboxMessage.transport.in_(transports) if transports is not None else true())
        .order_by(OutboxMessage.due_at, OutboxMessage.id)
        .limit(limit)
    )
    if on_postgresql(session):
        query = query.with_for_update(skip_locked=True)
    rows = list(session.scalars(query))
    claimed = []
    for row in rows:
        row.status = OutboxStatus.SENDING
        row.claimed_until = now + lease
        claimed.append(
            ClaimedMessage(
                id=row.id,
                transport=row.transport,
                chat_id=row.chat_id,
                user_id=row.user_id,
                locale=row.locale,
                template=row.template,
                params=dict(row.params),
                attempts=row.attempts,
                card_key=row.card_key,
                dedup_key=row.dedup_key,
            )
        )
    session.flush()
    return claimed


def unsent_chats(
    session: Session, *, transport: str, template: str, chat_id: str | None = None
) -> set[str]:
    """The chats (or just ``chat_id``) of ``transport`` that still have a ``template`` message
    waiting or being sent."""
    query = select(OutboxMessage.chat_id).where(
        OutboxMessage.transport == transport,
        OutboxMessage.template == template,
        OutboxMessage.status.in_((OutboxStatus.PENDING, OutboxStatus.SENDING)),
    )
    if chat_id is not None:
        query = query.where(OutboxMessage.chat_id == chat_id).limit(1)
    return set(session.scalars(query.distinct() if chat_id is None else query))


def last_due(session: Session, *, transport: str, chat_id: str, template: str) -> datetime | None:
    """When the chat's last unsent ``template`` message is due (a message queued behind it is
    due no earlier: a chat's messages are claimed by due time, then by id)."""
    return session.scalar(
        select(func.max(OutboxMessage.due_at)).where(
            OutboxMessage.transport == transport,
            OutboxMessage.chat_id == chat_id,
            OutboxMessage.template == template,
            OutboxMessage.status.in_((OutboxStatus.PENDING, OutboxStatus.SENDING)),
        )
    )


def renew_claims(session: Session, message_ids: list[int], *, until: datetime) -> int:
    """Extend the claim on rows this worker still holds (still ``sending``) to ``until``;
    returns how many were renewed."""
    if not message_ids:
        return 0
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(message_ids), OutboxMessage.status == OutboxStatus.SENDING)
        .values(claimed_until=until)
    )
    return result.rowcount


def _finish(session: Session, message_id: int, **values: Any) -> None:
    """Finish a message this worker still holds (``sending``); one taken back meanwhile (its
    claim ran out) is left to whoever holds it now."""
    change_if(
        session,
        OutboxMessage,
        OutboxMessage.id == message_id,
        OutboxMessage.status == OutboxStatus.SENDING,
        **values,
    )


def mark_sent(session: Session, message_id: int, *, now: datetime) -> None:
    _finish(
        session,
        message_id,
        status=OutboxStatus.SENT,
        sent_at=now,
        claimed_until=None,
        last_error=None,
    )


def postpone_chat(
    session: Session,
    *,
    transport: str,
    chat_id: str,
    claimed_ids: list[int],
    until: datetime,
    error: str,
    count_attempt_of: int | None = None,
) -> None:
    """Hold back one chat's messages until ``until``, keeping their order: the ``claimed_ids``
    this worker could not send, and every other pending message to that chat due by then.
    They get due times a microsecond apart, in their old (due, id) order, so the next claim
    returns them in the same order and no later batch overtakes them. ``count_attempt_of``
    is the message whose failure this was (its attempts go up)."""
    rows = session.scalars(
        select(OutboxMessage)
        .where(
            OutboxMessage.transport == transport,
            OutboxMessage.chat_id == chat_id,
            or_(
                and_(
                    OutboxMessage.id.in_(claimed_ids),
                    OutboxMessage.status == OutboxStatus.SENDING,
                ),
                and_(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.due_at <= until),
            ),
        )
        .order_by(OutboxMessage.due_at, OutboxMessage.id)
    ).all()
    for index, row in enumerate(rows):
        row.status = OutboxStatus.PENDING
        row.claimed_until = None
        row.due_at = until + timedelta(microseconds=index)
        if row.id in claimed_ids:
            row.last_error = error[:MAX_ERROR_LENGTH]
        if row.id == count_attempt_of:
            row.attempts += 1
    session.flush()


def mark_failed(session: Session, message_id: int, *, error: str) -> None:
    """Give up on the message; it stays visible with its error."""
    _finish(
        session,
        message_id,
        status=OutboxStatus.FAILED,
        claimed_until=None,
        last_error=error[:MAX_ERROR_LENGTH],
        attempts=OutboxMessage.attempts + 1,
    )


def failed_messages(session: Session, *, limit: int = 50) -> list[OutboxMessage]:
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.FAILED)
            .order_by(OutboxMessage.id.desc())
            .limit(limit)
        )
    )
