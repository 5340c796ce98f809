"""What the bot waits for a person to say outside a form.

A service that asks someone something — a mediator's question to a reporter, a volunteer's
conversation with a resident — records an *awaited answer*: this person, in their private chat,
is expected to write to this service about this record, since then. Free text goes to the one
awaited answer; with several, the person is asked which one (their message is kept meanwhile,
``KeptMessage``). When the record is finished the awaited answer is removed in the same
transaction. The outbox remembers which conversation each relayed message it delivered belongs
to (``RelayedMessage``), so a reply to that message goes there whatever else is waiting.

Like every helper in ``db/``, nothing here commits: the caller owns the transaction.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from db.base import Base, UTCDateTime
from db.dialects import insert
from db.models import User

#: The outbox parameter that ties a delivered message to its conversation ("rq:42").
THREAD_PARAM = "thread"


class AwaitedAnswer(Base):
    """One person's private chat waits for their words to ``service``'s ``record_id``."""

    __tablename__ = "awaited_answers"
    __table_args__ = (UniqueConstraint("user_id", "service", "record_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    service: Mapped[str] = mapped_column(String(16))  # "rq": a request, "dp": a question
    record_id: Mapped[int] = mapped_column(Integer, index=True)
    since: Mapped[datetime] = mapped_column(UTCDateTime())


class RelayedMessage(Base):
    """A message the outbox delivered on behalf of a conversation: a reply to it goes there."""

    __tablename__ = "relayed_messages"
    __table_args__ = (UniqueConstraint("transport", "chat_id", "message_ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    transport: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    message_ref: Mapped[str] = mapped_column(String(255))
    service: Mapped[str] = mapped_column(String(16))
    record_id: Mapped[int] = mapped_column(Integer)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class KeptMessage(Base):
    """A message kept while its author is asked which conversation it is for."""

    __tablename__ = "kept_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text, default="")
    file_id: Mapped[str | None] = mapped_column(String(1024))
    file_name: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


def thread(service: str, record_id: int) -> dict[str, str]:
    """Outbox parameters that tie the message to its conversation (see ``remember_relayed``)."""
    return {THREAD_PARAM: f"{service}:{record_id}"}


def parse_thread(value: object) -> tuple[str, int] | None:
    """``("rq", 42)`` from ``"rq:42"``; None for anything else."""
    if not isinstance(value, str):
        return None
    service, _, raw = value.partition(":")
    return (service, int(raw)) if service and raw.isdecimal() else None


def wait(session: Session, user_id: int, service: str, record_id: int, *, now: datetime) -> None:
    """Record that the user is expected to answer ``service``'s ``record_id`` (idempotent)."""
    statement = (
        insert(session, AwaitedAnswer)
        .values(user_id=user_id, service=service, record_id=record_id, since=now)
        .on_conflict_do_nothing(index_elements=["user_id", "service", "record_id"])
    )
    session.execute(statement)


def forget(
    session: Session, service: str, record_ids: int | list[int], *, user: User | None = None
) -> None:
    """Nobody (or only ``user``) waits any more for words about these records."""
    ids = [record_ids] if isinstance(record_ids, int) else list(record_ids)
    if not ids:
        return
    statement = delete(AwaitedAnswer).where(
        AwaitedAnswer.service == service, AwaitedAnswer.record_id.in_(ids)
    )
    if user is not None:
        statement = statement.where(AwaitedAnswer.user_id == user.id)
    session.execute(statement.execution_options(synchronize_session=False))


def awaited(session: Session, user: User) -> list[AwaitedAnswer]:
    """What ``user`` is expected to answer, oldest first."""
    return list(
        session.scalars(
            select(AwaitedAnswer)
            .where(AwaitedAnswer.user_id == user.id)
            .order_by(AwaitedAnswer.since, AwaitedAnswer.id)
        )
    )


def is_awaited(session: Session, user: User, service: str, record_id: int) -> bool:
    return (
        session.scalar(
            select(AwaitedAnswer.id).where(
                AwaitedAnswer.user_id == user.id,
                AwaitedAnswer.service == service,
                AwaitedAnswer.record_id == record_id,
            )
        )
        is not None
    )


def remember_relayed(
    session: Session,
    *,
    transport: str,
    chat_id: str,
    message_ref: str,
    service: str,
    record_id: int,
    now: datetime,
) -> None:
    """Remember that the message ``message_ref`` in this chat belongs to that conversation."""
    statement = (
        insert(session, RelayedMessage)
        .values(
            transport=transport,
            chat_id=chat_id,
            message_ref=message_ref,
            service=service,
            record_id=record_id,
            sent_at=now,
        )
        .on_conflict_do_nothing(index_elements=["transport", "chat_id", "message_ref"])
    )
    session.execute(statement)


def relayed(
    session: Session, *, transport: str, chat_id: str, message_ref: str
) -> tuple[str, int] | None:
    """The conversation (service, record) of a message the outbox delivered to this chat."""
    row = session.execute(
        select(RelayedMessage.service, RelayedMessage.record_id).where(
            RelayedMessage.transport == transport,
            RelayedMessage.chat_id == chat_id,
            RelayedMessage.message_ref == message_ref,
        )
    ).first()
    return (row[0], row[1]) if row is not None else None


def forget_before(session: Session, before: datetime) -> int:
    """Retention: what deliveries older than ``before`` belonged to (a reply to them is then
    free text) and messages kept that long without a choice. Returns the rows removed."""
    removed = 0
    for model, column in (
        (RelayedMessage, RelayedMessage.sent_at),
        (KeptMessage, KeptMessage.created_at),
    ):
        result = session.execute(
            delete(model).where(column < before).execution_options(synchronize_session=False)
        )
        removed += result.rowcount or 0
    return removed


def keep(
    session: Session,
    user: User,
    *,
    kind: str,
    text: str,
    file_id: str | None,
    file_name: str | None,
    now: datetime,
) -> KeptMessage:
    """Keep a message until its author says where it goes."""
    kept = KeptMessage(
        user_id=user.id,
        kind=kind,
        text=text,
        file_id=file_id,
        file_name=file_name,
        created_at=now,
    )
    session.add(kept)
    session.flush()
    return kept


def take_kept(session: Session, user: User, kept_id: int) -> KeptMessage | None:
    """The author's kept message, removed so that it is sent once; None if it is gone (sent
    already, or never theirs)."""
    kept = session.scalar(
        select(KeptMessage).where(KeptMessage.id == kept_id, KeptMessage.user_id == user.id)
    )
    if kept is None:
        return None
    removed = session.execute(
        delete(KeptMessage)
        .where(KeptMessage.id == kept_id)
        .execution_options(synchronize_session=False)
    )
    return kept if removed.rowcount == 1 else None


def forget_person(session: Session, user: User) -> None:
    """Erasure: what the bot waited for from them, their kept messages and what the messages
    delivered to their chat belonged to."""
    session.execute(delete(AwaitedAnswer).where(AwaitedAnswer.user_id == user.id))
    session.execute(delete(KeptMessage).where(KeptMessage.user_id == user.id))
    if user.private_chat_id:
        session.execute(
            delete(RelayedMessage).where(
                RelayedMessage.transport == user.transport,
                RelayedMessage.chat_id == user.private_chat_id,
            )
        )
